import type { Result } from '@streamscore/core';

/**
 * Sustainable throughput, Theodolite's way: a rate passes when, after warm-up, the backlog's
 * trend (slope of a least-squares line through lag over time) stays under a threshold and the
 * latency p99 stays under the SLO. The search doubles the rate until a trial fails, then
 * bisects between the last pass and the first failure; each rate is tried `repetitions` times
 * and passes only if every repetition passes.
 */
export interface FindMaxOptions {
  startRate: number;
  maxRate: number;
  latencySloMs: number;
  /** Backlog growth allowed, as a fraction of the rate per second (default 1%). */
  backlogSlopeFraction?: number;
  /** Achieved rate must reach this fraction of the target (default 0.95). */
  minAchievedFraction?: number;
  repetitions?: number;
  /** Stop bisecting when the bracket is narrower than this fraction of the lower bound (default 10%). */
  precision?: number;
  /** Upper bound on trials, whatever else happens (default 16). */
  maxTrials?: number;
  runTrial(rate: number, repetition: number): Promise<Result>;
  onTrial?(t: Trial): void;
}

export interface Trial {
  rate: number;
  repetition: number;
  passed: boolean;
  achievedRate: number;
  p99Us: number;
  /** events/s by which the backlog grew over the measured intervals */
  backlogSlope: number;
  reason: string;
  runId: string;
  verdict: string;
}

export interface FindMaxOutcome {
  sustainedRate: number;
  trials: Trial[];
  /** The Result of the best passing trial, if any. */
  best?: Result;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  if (n < 2) return 0;
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/**
 * Lag of an interval: events due but not yet sent by the driver, plus what the backend reports
 * as its own backlog (metric `backlog`), so a system that accepts input but falls behind counts.
 */
export function lagSeries(r: Result): { t: number[]; lag: number[] } {
  const measured = r.intervals.filter((i) => i.phase === 'measure');
  return { t: measured.map((i) => i.t), lag: measured.map((i) => i.sendBacklog + (i.backend['backlog'] ?? 0)) };
}

export function judgeTrial(r: Result, rate: number, o: Pick<FindMaxOptions, 'latencySloMs' | 'backlogSlopeFraction' | 'minAchievedFraction'>): Omit<Trial, 'repetition'> {
  const { t, lag } = lagSeries(r);
  const s = slope(t, lag);
  const p99Us = r.summary.latency.p99;
  const threshold = (o.backlogSlopeFraction ?? 0.01) * rate;
  const reasons: string[] = [];
  if (!r.complete) reasons.push(`incomplete: ${r.incompleteReason ?? ''}`);
  if (r.summary.latency.count === 0) reasons.push('no output observed');
  if (p99Us > o.latencySloMs * 1000) reasons.push(`p99 ${(p99Us / 1000).toFixed(1)} ms > SLO ${o.latencySloMs} ms`);
  if (s > threshold) reasons.push(`backlog grows ${Math.round(s)} events/s > ${Math.round(threshold)}`);
  if (r.summary.achievedRate < (o.minAchievedFraction ?? 0.95) * rate) reasons.push(`achieved ${Math.round(r.summary.achievedRate)} events/s`);
  if (r.verdict.status === 'fail') reasons.push('wrong answer');
  return {
    rate,
    passed: reasons.length === 0,
    achievedRate: r.summary.achievedRate,
    p99Us,
    backlogSlope: s,
    reason: reasons.join('; ') || 'within SLO',
    runId: r.runId,
    verdict: r.verdict.status,
  };
}

export async function findSustainableRate(o: FindMaxOptions): Promise<FindMaxOutcome> {
  const reps = o.repetitions ?? 1;
  const precision = o.precision ?? 0.1;
  const maxTrials = o.maxTrials ?? 16;
  const trials: Trial[] = [];
  let best: Result | undefined;
  const results = new Map<number, Result>();

  const tryRate = async (rate: number): Promise<boolean> => {
    for (let rep = 0; rep < reps; rep++) {
      if (trials.length >= maxTrials) return false;
      const r = await o.runTrial(rate, rep);
      const t = { ...judgeTrial(r, rate, o), repetition: rep };
      trials.push(t);
      o.onTrial?.(t);
      if (!t.passed) return false;
      results.set(rate, r);
    }
    return true;
  };

  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let rate = o.startRate;
  while (rate <= o.maxRate && trials.length < maxTrials) {
    if (await tryRate(rate)) {
      lo = rate;
      rate *= 2;
    } else {
      hi = rate;
      break;
    }
  }
  if (!Number.isFinite(hi) && lo > 0 && lo < o.maxRate && trials.length < maxTrials) {
    // Doubling overshot the ceiling: try the ceiling itself.
    if (await tryRate(o.maxRate)) lo = o.maxRate;
    else hi = o.maxRate;
  }
  while (Number.isFinite(hi) && hi - lo > precision * Math.max(lo, o.startRate / 2) && trials.length < maxTrials) {
    const mid = Math.round(lo === 0 ? hi / 2 : (lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if (await tryRate(mid)) lo = mid;
    else hi = mid;
  }
  best = results.get(lo);
  return { sustainedRate: lo, trials, ...(best ? { best } : {}) };
}
