import { describe, expect, it } from 'vitest';
import { loadPriceBook } from '@streamscore/cost';
import { loadShippedCalibration, type MeasuredPoint } from './calibration.js';
import { checkPoints, errorPct } from './check.js';
import type { PlannerInputs } from './model.js';
import { findCrossovers, logRates, paretoFront, plan, recommend, type RatePoint } from './sweep.js';
import type { Evaluation, Platform, WorkloadTraits } from './types.js';

const book = loadPriceBook('us-east-1');
const shipped = loadShippedCalibration();
const inputs: PlannerInputs = { book, shipped, points: [] };

const q0: WorkloadTraits = { id: 'nexmark/q0', kind: 'per-event', windowMs: 0, slideMs: 0, watermarkDelayMs: 4000, eventBytes: 195, outputRatio: 0.92, outputBytes: 150, source: 'hand-made' };
const q5: WorkloadTraits = { id: 'nexmark/q5', kind: 'windowed', windowMs: 10_000, slideMs: 2_000, watermarkDelayMs: 4000, eventBytes: 195, outputRatio: 0.007, outputBytes: 77, source: 'hand-made' };

describe('the Pareto front', () => {
  it('keeps the points no other point beats on both cost and latency', () => {
    const pts = [
      { cost: 1, latency: 5 }, // A: cheapest
      { cost: 2, latency: 3 }, // B
      { cost: 3, latency: 4 }, // C: dominated by B (dearer and slower)
      { cost: 4, latency: 1 }, // D: fastest
      { cost: 1, latency: 6 }, // E: dominated by A (same cost, slower)
      { cost: 2, latency: 3 }, // F: equal to B, listed once
    ];
    expect(paretoFront(pts)).toEqual([0, 1, 3]);
  });
});

function fakeEval(family: Platform, cost: number, latency = 500): Evaluation {
  const f = (value: number) => ({ value, basis: 'projected' as const, source: 'test' });
  return {
    config: { family: 'kda', parallelism: 1, parallelismPerKpu: 1 },
    family,
    label: `${family} $${cost}`,
    rate: 1000,
    sustainableRate: f(2000),
    latencyP99Ms: f(latency),
    costPerHourUsd: f(cost),
    costPerMillionEventsUsd: f(0),
    readinessS: f(0),
    sustains: true,
    feasible: true,
    reasons: [],
    costItems: [],
    capacityWork: '',
  };
}

describe('the recommendation', () => {
  it('is the cheapest feasible configuration', () => {
    expect(recommend([fakeEval('flink-ec2', 0.5), fakeEval('kda', 0.8), fakeEval('flock-lambda', 0.6)])!.evaluation.family).toBe('flink-ec2');
  });
  it('breaks a tie (within 1%) by the least operational work: kda < flock < ec2', () => {
    const r = recommend([fakeEval('flink-ec2', 0.5), fakeEval('flock-lambda', 0.504), fakeEval('kda', 0.6)])!;
    expect(r.evaluation.family).toBe('flock-lambda');
    expect(r.why).toMatch(/least operational work/);
    expect(recommend([fakeEval('flink-ec2', 0.5), fakeEval('kda', 0.5049)])!.evaluation.family).toBe('kda');
    expect(recommend([fakeEval('flink-ec2', 0.5), fakeEval('kda', 0.506)])!.evaluation.family).toBe('flink-ec2');
  });
  it('is absent when nothing is feasible', () => {
    expect(recommend([])).toBeUndefined();
  });
});

describe('log-spaced rates', () => {
  it('spans the range with both ends, 4 per decade, 3 significant digits', () => {
    expect(logRates(1000, 100_000, 4)).toEqual([1000, 1780, 3160, 5620, 10_000, 17_800, 31_600, 56_200, 100_000]);
    expect(logRates(1000, 1000)).toEqual([1000]);
  });
});

describe('the crossover finder', () => {
  const flock = (r: number) => 0.01 + 1e-5 * r;
  const ec2 = (r: number) => 0.5 + 1e-6 * r;
  // They cross where 0.01 + 1e-5 r = 0.5 + 1e-6 r: r = 0.49 / 9e-6 = 54,444
  const at = (rate: number): RatePoint => {
    const cheapest = { kda: null, 'flock-lambda': { perHourUsd: flock(rate), perMillionUsd: 0, latencyP99Ms: 0, label: 'f' }, 'flink-ec2': { perHourUsd: ec2(rate), perMillionUsd: 0, latencyP99Ms: 0, label: 'e' } };
    return { rate, cheapest, winner: flock(rate) < ec2(rate) ? 'flock-lambda' : 'flink-ec2' };
  };

  it('finds where two cost lines cross, and where the cheapest platform changes, refined by bisection', () => {
    const xs = findCrossovers([at(1000), at(10_000), at(100_000)], at);
    expect(xs).toHaveLength(2);
    expect(xs[0]).toMatchObject({ below: 'flock-lambda', above: 'flink-ec2', fromRate: 10_000, toRate: 100_000, kind: 'lines' });
    // 8 halvings of the log of a 10× bracket: within 10^(1/512) − 1 = 0.45%
    expect(Math.abs(xs[0]!.rate / (0.49 / 9e-6) - 1)).toBeLessThan(0.0045);
    expect(xs[1]).toMatchObject({ below: 'flock-lambda', above: 'flink-ec2', kind: 'winner' });
  });

  it('without refinement reports the geometric middle of the bracket', () => {
    const xs = findCrossovers([at(10_000), at(100_000)]);
    expect(xs[0]!.rate).toBeCloseTo(Math.sqrt(1e9), 3);
  });

  it('finds nothing where one line stays below', () => {
    expect(findCrossovers([at(1000), at(10_000)], at)).toEqual([]);
  });
});

describe('plan: the sweep over the three platforms with the shipped calibration', () => {
  it('lists configurations of all three platforms with costs for q5 at 100k events/s, and says why none meets 2 s', () => {
    const out = plan(inputs, q5, 100_000, { sloMs: 2000 });
    expect(out.platforms.map((p) => p.platform)).toEqual(['kda', 'flock-lambda', 'flink-ec2']);
    for (const p of out.platforms) {
      expect(p.candidates.length).toBeGreaterThan(0);
      for (const c of p.candidates) {
        expect(c.sustainableRate.value).toBeGreaterThanOrEqual(100_000);
        expect(c.costPerHourUsd.value).toBeGreaterThan(0);
      }
    }
    // Event-time windows fire a watermark delay (4 s) after the window's end on every platform.
    expect(out.recommendation).toBeUndefined();
    expect(out.noRecommendation).toMatch(/no configuration meets p99 ≤ 2000 ms/);
    expect(out.pareto.length).toBeGreaterThan(0);
  });

  it('recommends the cheapest when the SLO allows, and every figure carries its basis and source', () => {
    const out = plan(inputs, q5, 100_000, { sloMs: 8000 });
    const rec = out.recommendation!.evaluation;
    const cheapest = Math.min(...out.platforms.flatMap((p) => p.feasible.map((e) => e.costPerHourUsd.value)));
    expect(rec.costPerHourUsd.value).toBeLessThanOrEqual(cheapest * 1.01);
    for (const f of [rec.sustainableRate, rec.latencyP99Ms, rec.costPerHourUsd, rec.costPerMillionEventsUsd, rec.readinessS]) {
      expect(['measured', 'projected']).toContain(f.basis);
      expect(f.source.length).toBeGreaterThan(5);
    }
  });

  it('prices Flock with its always-on source: at 1,000 events/s of q0 the source alone costs more than the cheapest Flink node', () => {
    const low = plan(inputs, q0, 1000, {});
    const flock = low.platforms.find((p) => p.platform === 'flock-lambda')!.feasible[0]!;
    const source = flock.costItems.find((c) => c.item.startsWith('Flock source'))!;
    // 4,096 MB arm64 all hour: 14,400 GB-s × $0.0000133334 = $0.192
    expect(source.usdPerHour).toBeCloseTo(0.192, 3);
    const ec2 = low.platforms.find((p) => p.platform === 'flink-ec2')!.feasible[0]!;
    const ec2Compute = ec2.costItems.filter((c) => c.item.startsWith('EC2')).reduce((a, c) => a + c.usdPerHour, 0);
    expect(source.usdPerHour).toBeGreaterThan(ec2Compute);
    expect(low.recommendation!.evaluation.family).not.toBe('flock-lambda');
  });
});

describe('--check: projected against measured', () => {
  it('is (projected − measured) ÷ measured in percent', () => {
    expect(errorPct(110, 100)).toBeCloseTo(10, 9);
    expect(errorPct(90, 100)).toBeCloseTo(-10, 9);
    expect(errorPct(5, 0)).toBeUndefined();
  });

  it('projects each run from the others (leave one out) and averages |error|', () => {
    const base = { endedAt: '2026-11-25T00:00:00Z', workload: 'nexmark/q0', backend: 'local', target: 'local', engine: 'local' as const, vcpusPerUnit: 1, provisioningMs: 0, eventsIn: 0, eventsOut: 0, cpus: 2 };
    const points: MeasuredPoint[] = [
      { ...base, runId: 'p1', config: { family: 'local', parallelism: 1, cpus: 2 }, units: 1, rate: 1_300_000, sustainedRate: 1_300_000, latencyP99Ms: 272 },
      { ...base, runId: 'p2', config: { family: 'local', parallelism: 2, cpus: 2 }, units: 2, rate: 250_000, sustainedRate: 250_000, latencyP99Ms: 400 },
    ];
    const out = checkPoints({ book, shipped, points }, () => q0, points);
    // p1 from p2 alone (one size: η = 0.9): 250,000 / (1 + 0.9) = 131,579 → (131,579 − 1,300,000) / 1,300,000 = −89.88%
    expect(out.rows[0]!.projectedRate).toBeCloseTo(250_000 / 1.9, 3);
    expect(out.rows[0]!.rateErrorPct).toBeCloseTo(((250_000 / 1.9 - 1_300_000) / 1_300_000) * 100, 6);
    // p2 from p1: 1,300,000 × 1.9 = 2,470,000 → +888%
    expect(out.rows[1]!.projectedRate).toBeCloseTo(2_470_000, 3);
    expect(out.rows[1]!.rateErrorPct).toBeCloseTo(888, 6);
    expect(out.meanAbsRateErrorPct).toBeCloseTo((Math.abs(out.rows[0]!.rateErrorPct!) + 888) / 2, 6);
    // latency: 100 ms (per-event on the local engine) + queueing 0.5 × 100 ms × ρ/(1 − ρ); p1's rate is 10× the projected
    // capacity, so ρ is capped at 0.99: 100 + 50 × 99 = 5,050 ms against 272 measured (the trial-fitted k needs trials; these points have none)
    expect(out.rows[0]!.projectedP99Ms).toBeCloseTo(100 + 0.5 * 100 * (0.99 / 0.01), 6);
    expect(out.rows[0]!.latencyErrorPct).toBeCloseTo(((5050 - 272) / 272) * 100, 6);
  });

  it('says when a run cannot be projected without itself', () => {
    const p: MeasuredPoint = { endedAt: '2026-11-25T00:00:00Z', workload: 'nexmark/q0', backend: 'local', target: 'local', engine: 'local', vcpusPerUnit: 1, provisioningMs: 0, eventsIn: 0, eventsOut: 0, cpus: 2, runId: 'only', config: { family: 'local', parallelism: 1, cpus: 2 }, units: 1, rate: 1000, sustainedRate: 1000, latencyP99Ms: 10 };
    const out = checkPoints({ book, shipped, points: [p] }, () => q0, [p]);
    expect(out.rows[0]!.projectedRate).toBeUndefined();
    expect(out.rows[0]!.note).toMatch(/no find-max search/);
  });
});

describe('equal guarantees in the recommendation', () => {
  it('says when the cheapest gives less than the exactly-once asked for', () => {
    // Flink has no calibration for this made-up query; Flock (any query) does: it wins, and says it gives none.
    const only: WorkloadTraits = { ...q5, id: 'nexmark/q-unknown' };
    const out = plan(inputs, only, 10_000, { sloMs: 20_000 });
    expect(out.recommendation!.evaluation.family).toBe('flock-lambda');
    expect(out.recommendation!.why).toMatch(/it gives none, not the exactly-once asked for/);
    expect(plan(inputs, only, 10_000, { sloMs: 20_000, guarantee: 'none' }).recommendation!.why).not.toMatch(/asked for/);
  });
});
