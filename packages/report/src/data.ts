import { decodeHistogram, type Result } from '@streamscore/core';
import { sustainedRate, type Sustained } from './trials.js';

/** Smallest latency drawn on a log axis (1 µs); zeros would have no place on it. */
const FLOOR_MS = 0.001;
/** The percentile axis goes at most to 99.9999% (x = 10^6). */
const MAX_DECADES = 6;
/** Points per decade of the percentile axis. */
const STEPS_PER_DECADE = 10;

export interface PercentilePoint {
  run: string;
  /** 1/(1-q): 1 at 0%, 10 at 90%, 100 at 99%, … */
  x: number;
  /** The percentile, 0..100. */
  percentile: number;
  ms: number;
}

/**
 * The latency percentile distribution of a run's total histogram, sampled on the HdrHistogram
 * log axis x = 1/(1-q) at ten points a decade. The curve ends at x = count, at the maximum: a
 * histogram of 15,000 values says nothing beyond 1 - 1/15,000 (about 99.993%). The axis runs to
 * the next decade (at most 10^6, 99.9999%).
 */
export function percentileCurve(run: string, r: Result): { points: PercentilePoint[]; decades: number } {
  const h = decodeHistogram(r.latency.encoded);
  const count = h.totalCount;
  if (count === 0) return { points: [], decades: 0 };
  const decades = Math.max(1, Math.min(MAX_DECADES, Math.ceil(Math.log10(count))));
  // Beyond x = count the histogram has nothing more to say: the curve ends there, at the maximum.
  const lastX = Math.min(count, 10 ** decades);
  const points: PercentilePoint[] = [];
  for (let i = 0; i <= decades * STEPS_PER_DECADE; i++) {
    const x = 10 ** (i / STEPS_PER_DECADE);
    if (x >= lastX) break;
    const percentile = 100 * (1 - 1 / x);
    points.push({ run, x, percentile, ms: Math.max(FLOOR_MS, h.getValueAtPercentile(percentile) / 1000) });
  }
  const lastPercentile = 100 * (1 - 1 / lastX);
  points.push({ run, x: lastX, percentile: lastPercentile, ms: Math.max(FLOOR_MS, (lastX === count ? h.maxValue : h.getValueAtPercentile(lastPercentile)) / 1000) });
  return { points, decades };
}

export interface LatencyTimePoint {
  run: string;
  t: number;
  phase: string;
  stat: 'p50' | 'p99';
  ms: number;
}

/** p50 and p99 of every interval that saw output. */
export function latencyOverTime(run: string, r: Result): LatencyTimePoint[] {
  const out: LatencyTimePoint[] = [];
  for (const iv of r.intervals) {
    const p = iv.latency.percentiles;
    if (p.count === 0) continue;
    out.push({ run, t: iv.t, phase: iv.phase, stat: 'p50', ms: Math.max(FLOOR_MS, p.p50 / 1000) });
    out.push({ run, t: iv.t, phase: iv.phase, stat: 'p99', ms: Math.max(FLOOR_MS, p.p99 / 1000) });
  }
  return out;
}

export type ThroughputSeries = 'events in' | 'events out' | 'target';
export const THROUGHPUT_SERIES: readonly ThroughputSeries[] = ['events in', 'events out', 'target'];

export interface ThroughputPoint {
  run: string;
  t: number;
  series: ThroughputSeries;
  rate: number;
}

/** Events in and out per second over each interval, and the target rate; a point at each interval's end. */
export function throughputOverTime(run: string, r: Result): ThroughputPoint[] {
  const out: ThroughputPoint[] = [];
  let prevT = 0;
  for (const iv of r.intervals) {
    const dt = iv.t - prevT > 0 ? iv.t - prevT : r.config.load.intervalS;
    const at = (t: number) => {
      out.push({ run, t, series: 'events in', rate: iv.eventsIn / dt });
      out.push({ run, t, series: 'events out', rate: iv.eventsOut / dt });
      out.push({ run, t, series: 'target', rate: iv.targetRate });
    };
    // The first interval also gets a point at its start, so a step line covers it.
    if (out.length === 0) at(Math.max(0, iv.t - dt));
    at(iv.t);
    prevT = iv.t;
  }
  return out;
}

/**
 * The run's cost when something billable was priced. The harness costs every run's ledger, so a
 * local run carries a cost of $0 (its lines, such as `local-process`, have a unit price of 0).
 * That is "not priced", not "free": it shows as — and stays off the cost chart, where $0 would put
 * it on the Pareto front of every comparison.
 */
export function pricedCost(r: Result): NonNullable<Result['cost']> | undefined {
  const c = r.cost;
  return c && (c.totalUsd > 0 || c.lines.some((l) => l.unitPriceUsd > 0)) ? c : undefined;
}

export interface CostPoint {
  run: string;
  sustained: number;
  sustainedSource: Sustained['source'];
  perHourUsd: number;
  perMillionEventsUsd: number;
  pareto: boolean;
}

/**
 * Cost per hour against sustained throughput, for the runs that carry a cost, with the Pareto
 * front marked: a run is on it when no other run sustains at least as much for at most the
 * same price while being strictly better in one of the two.
 */
export function costPoints(runs: readonly { label: string; result: Result }[]): CostPoint[] {
  const pts = runs.flatMap(({ label, result }) => {
    const cost = pricedCost(result);
    if (!cost) return [];
    const s = sustainedRate(result);
    return [{
      run: label,
      sustained: s.rate,
      sustainedSource: s.source,
      perHourUsd: cost.perHourUsd,
      perMillionEventsUsd: cost.perMillionEventsUsd,
      pareto: false,
    }];
  });
  for (const p of pts) {
    p.pareto = !pts.some(
      (o) => o !== p && o.sustained >= p.sustained && o.perHourUsd <= p.perHourUsd && (o.sustained > p.sustained || o.perHourUsd < p.perHourUsd),
    );
  }
  return pts;
}
