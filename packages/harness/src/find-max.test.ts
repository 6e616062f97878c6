import { describe, expect, it } from 'vitest';
import { findSustainableRate, slope } from './find-max.js';
import type { Result } from '@streamscore/core';

/** A fake system that keeps up to `capacity` events/s: above it, backlog grows and latency explodes. */
function fakeTrial(capacity: number) {
  return async (rate: number): Promise<Result> => {
    const over = Math.max(0, rate - capacity);
    const intervals = [1, 2, 3, 4, 5].map((t) => ({ t, phase: 'measure', sendBacklog: over * t, backend: {} }));
    return {
      runId: `r${rate}`,
      complete: true,
      intervals,
      summary: { achievedRate: Math.min(rate, capacity + 0.02 * rate), latency: { p99: over > 0 ? 5_000_000 : 20_000, count: 10 } },
      verdict: { status: 'pass' },
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

  it('requires every repetition to pass', async () => {
    let calls = 0;
    const flaky = async (rate: number) => {
      calls++;
      return fakeTrial(calls % 2 === 0 ? 0 : 1e9)(rate);
    };
    const out = await findSustainableRate({ startRate: 1000, maxRate: 4000, latencySloMs: 100, repetitions: 2, runTrial: flaky });
    expect(out.trials[0]!.passed).toBe(true);
    expect(out.trials[1]!.passed).toBe(false);
    expect(out.sustainedRate).toBeLessThan(1000);
  });

  it('stops at the ceiling when the system is faster than maxRate', async () => {
    const out = await findSustainableRate({ startRate: 1000, maxRate: 5000, latencySloMs: 100, runTrial: fakeTrial(1e9) });
    expect(out.sustainedRate).toBe(5000);
  });
});
