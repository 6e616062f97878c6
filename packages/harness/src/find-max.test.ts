import { describe, expect, it } from 'vitest';
import { findSustainableRate, slopeFit, findSustainableRateRepeated, judgeTrial, slope } from './find-max.js';
import type { Result } from '@streamscore/core';

/** A fake system that keeps up to `capacity` events/s: above it, backlog grows and latency explodes. */
function fakeTrial(capacity: number, o: { verdict?: string; scored?: number; engineLag?: boolean } = {}) {
  return async (rate: number): Promise<Result> => {
    const over = Math.max(0, rate - capacity);
    // An engine fed through a transport accepts everything (no driver backlog) and lags instead.
    const intervals = [1, 2, 3, 4, 5].map((t) =>
      o.engineLag
        ? { t, phase: 'measure', sendBacklog: 0, backend: { inputLagRecords: over * t } }
        : { t, phase: 'measure', sendBacklog: over * t, backend: {} },
    );
    return {
      runId: `r${rate}`,
      complete: true,
      intervals,
      summary: { achievedRate: Math.min(rate, capacity + 0.02 * rate), latency: { p99: over > 0 && !o.engineLag ? 5_000_000 : 20_000, count: o.scored ?? 1000 } },
      verdict: { status: o.verdict ?? 'pass' },
    } as unknown as Result;
  };
}

describe('slope', () => {
  it('is the least-squares slope', () => {
    expect(slope([1, 2, 3, 4], [2, 4, 6, 8])).toBeCloseTo(2);
    expect(slope([1, 2, 3], [5, 5, 5])).toBe(0);
    expect(slope([1], [9])).toBe(0);
  });
});

describe('findSustainableRate', () => {
  it('doubles, then bisects to within the precision of the true capacity', async () => {
    const out = await findSustainableRate({ startRate: 1000, maxRate: 1e7, latencySloMs: 100, precision: 0.05, runTrial: fakeTrial(37_000) });
    expect(out.sustainedRate).toBeLessThanOrEqual(37_000);
    expect(out.sustainedRate).toBeGreaterThan(37_000 * 0.95);
    // doubling: 1k 2k 4k 8k 16k 32k pass, 64k fails; then bisection
    expect(out.trials.slice(0, 7).map((t) => [t.rate, t.passed])).toEqual([
      [1000, true], [2000, true], [4000, true], [8000, true], [16000, true], [32000, true], [64000, false],
    ]);
    expect(out.trials[6]!.reason).toMatch(/p99 5000\.0 ms > SLO 100 ms; backlog grows/);
  });

  it('reports 0 when even the start rate fails', async () => {
    const out = await findSustainableRate({ startRate: 1000, maxRate: 1e6, latencySloMs: 100, runTrial: fakeTrial(10) });
    expect(out.sustainedRate).toBe(0);
    expect(out.trials.every((t) => !t.passed)).toBe(true);
  });

  it('stops at an interrupt: no further trial, the finished searches give the median, and the outcome says so', async () => {
    // Capacity 30k, start 10k: the first search runs 10k, 20k pass, 40k fails, then bisects. The
    // interrupt arrives during the second search's second trial (20k): that trial is kept, none follows.
    let trialsRun = 0;
    let stop = false;
    const out = await findSustainableRateRepeated({
      startRate: 10_000,
      maxRate: 1e6,
      latencySloMs: 100,
      repeat: 3,
      stopped: () => stop,
      runTrial: async (rate, k) => {
        trialsRun++;
        if (k === 1 && rate === 20_000) stop = true;
        return fakeTrial(30_000)(rate);
      },
    });
    expect(out.interrupted).toBe(true);
    const first = out.trials.filter((t) => t.repetition === 0);
    expect(out.trials.filter((t) => t.repetition === 1).map((t) => t.rate)).toEqual([10_000, 20_000]);
    expect(out.trials.some((t) => t.repetition === 2)).toBe(false);
    expect(trialsRun).toBe(first.length + 2);
    // Only the finished search counts: its rate, within 10% under 30k.
    expect(out.rates).toHaveLength(1);
    expect(out.sustainedRate).toBe(out.rates[0]);
    expect(out.sustainedRate).toBeGreaterThan(27_000);
    // Interrupted before any trial: nothing run, a lower bound of 0.
    const none = await findSustainableRate({ startRate: 1000, maxRate: 1e6, latencySloMs: 100, stopped: () => true, runTrial: fakeTrial(5000) });
    expect(none).toEqual({ sustainedRate: 0, trials: [], interrupted: true });
  });

  it('repeats the search and reports the median rate with its spread', async () => {
    // Three searches on a machine whose capacity drifts: 20k, 40k, 30k (start 10k, precision 10%).
    const capacities = [20_000, 40_000, 30_000];
    const out = await findSustainableRateRepeated({
      startRate: 10_000,
      maxRate: 1e6,
      latencySloMs: 100,
      repeat: 3,
      runTrial: (rate, k) => fakeTrial(capacities[k]!)(rate),
    });
    expect(out.rates).toHaveLength(3);
    out.rates.forEach((r, k) => {
      expect(r).toBeLessThanOrEqual(capacities[k]!);
      expect(r).toBeGreaterThan(capacities[k]! * 0.85);
    });
    expect(out.sustainedRate).toBe([...out.rates].sort((a, b) => a - b)[1]);
    expect([out.min, out.max]).toEqual([Math.min(...out.rates), Math.max(...out.rates)]);
    expect(new Set(out.trials.map((t) => t.repetition))).toEqual(new Set([0, 1, 2]));
    // The rate per CPU-second of the system under test comes from the Result shown, when measured.
    expect(out.eventsPerSutCpuSecond).toBeUndefined();
    const withCpu = await findSustainableRateRepeated({
      startRate: 10_000,
      maxRate: 20_000,
      latencySloMs: 100,
      repeat: 1,
      runTrial: async (rate) => {
        const r = await fakeTrial(1e9)(rate);
        return { ...r, summary: { ...r.summary, eventsPerSutCpuSecond: rate * 2 } } as Result;
      },
    });
    expect(withCpu.sustainedRate).toBe(20_000);
    expect(withCpu.eventsPerSutCpuSecond).toBe(40_000);
  });

  it('counts only a passing verdict: unchecked, vacuous and incomplete trials fail', async () => {
    for (const verdict of ['unchecked', 'vacuous', 'incomplete']) {
      const out = await findSustainableRate({ startRate: 1000, maxRate: 4000, latencySloMs: 100, runTrial: fakeTrial(1e9, { verdict }) });
      expect(out.sustainedRate).toBe(0);
      expect(out.trials[0]!.reason).toContain(`verdict ${verdict}`);
    }
  });

  it('fails a trial with too few scored answers for a p99', async () => {
    const t = judgeTrial(await fakeTrial(1e9, { scored: 40 })(1000), 1000, { latencySloMs: 100 });
    expect(t.passed).toBe(false);
    expect(t.reason).toMatch(/only 40 scored answers/);
    expect(t.scored).toBe(40);
  });

  it("sees an engine's own input lag (inputLagRecords) when the driver has no backlog", async () => {
    const out = await findSustainableRate({ startRate: 1000, maxRate: 1e6, latencySloMs: 100, runTrial: fakeTrial(5000, { engineLag: true }) });
    expect(out.sustainedRate).toBeLessThanOrEqual(5000);
    expect(out.sustainedRate).toBeGreaterThan(4000);
    expect(out.trials.find((t) => !t.passed)!.reason).toMatch(/backlog grows/);
  });

  it('takes the input lag in events (inputLagEvents) over the Kinesis records it came in', () => {
    // 400 events/s of lag growth in records of ~100 events: 4 records/s, under 1% of 1,000/s.
    const intervals = [1, 2, 3, 4, 5].map((t) => ({ t, phase: 'measure', sendBacklog: 0, backend: { inputLagRecords: 4 * t, inputLagEvents: 400 * t } }));
    const r = { runId: 'r', complete: true, intervals, summary: { achievedRate: 1000, latency: { p99: 20_000, count: 1000 } }, verdict: { status: 'pass' } } as unknown as Result;
    const t = judgeTrial(r, 1000, { latencySloMs: 100 });
    expect(t.passed).toBe(false);
    expect(t.backlogSlope).toBeCloseTo(400, 6);
  });

  it('a lag that only scatters passes; the same scatter on a real climb fails', () => {
    // 12 s at 1,000/s: an engine polled through Kinesis, its position read in steps of hundreds.
    const noise = [300, 900, 200, 800, 100, 700, 400, 1000, 300, 900, 500, 1100];
    const trial = (lag: (t: number, i: number) => number) => {
      const intervals = noise.map((_, i) => ({ t: i + 1, phase: 'measure', sendBacklog: 0, backend: { inputLagEvents: lag(i + 1, i) } }));
      const r = { runId: 'r', complete: true, intervals, summary: { achievedRate: 1000, latency: { p99: 20_000, count: 1000 } }, verdict: { status: 'pass' } } as unknown as Result;
      return judgeTrial(r, 1000, { latencySloMs: 100 });
    };
    // Least squares by hand: slope 35 events/s over the scatter, standard error 28 (> 1% of the rate, < 2 SE).
    const flat = trial((_, i) => noise[i]!);
    expect(flat.backlogSlope).toBeCloseTo(34.97, 1);
    expect(slopeFit(noise.map((_, i) => i + 1), noise).stderr).toBeCloseTo(27.9, 0);
    expect(flat.passed).toBe(true);
    // Falling behind by 10% of the rate, with the same scatter: fails, and says by how much.
    const climbing = trial((t, i) => noise[i]! + 100 * t);
    expect(climbing.passed).toBe(false);
    expect(climbing.reason).toMatch(/backlog grows 135 ± 28 events\/s > 10/);
  });

  it('stops at the ceiling when the system is faster than maxRate', async () => {
    const out = await findSustainableRate({ startRate: 1000, maxRate: 5000, latencySloMs: 100, runTrial: fakeTrial(1e9) });
    expect(out.sustainedRate).toBe(5000);
  });
});
