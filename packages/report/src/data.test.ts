import { describe, expect, it } from 'vitest';
import { decodeHistogram } from '@streamscore/core';
import { costPoints, percentileCurve, throughputOverTime } from './data.js';
import { formatMs, formatPercentile, formatRateShort, formatUsd } from './format.js';
import { runLabel, runLabels } from './labels.js';
import { findMaxRate, readTrials, sustainedRate } from './trials.js';
import { buildResult } from './testing/fixtures.js';

describe('run labels', () => {
  it('leave out a local target and make repeats unique', () => {
    const a = buildResult({ seed: 1, backend: 'local', rate: 50_000 });
    const b = buildResult({ seed: 2, backend: 'flink', target: 'ec2', workload: 'nexmark/q5', rate: 1_500 });
    expect(runLabel(a)).toBe('local nexmark/q1 @50k');
    expect(runLabel(b)).toBe('flink/ec2 nexmark/q5 @1.5k');
    expect(runLabels([a, b, a, a])).toEqual(['local nexmark/q1 @50k', 'flink/ec2 nexmark/q5 @1.5k', 'local nexmark/q1 @50k #2', 'local nexmark/q1 @50k #3']);
  });
});

describe('formatting', () => {
  it('shows latency in ms with about three significant digits', () => {
    expect([412, 4_123, 41_234, 412_345, 4_123_456].map(formatMs)).toEqual(['0.412', '4.12', '41.2', '412', '4123']);
  });
  it('names percentiles the HdrHistogram way', () => {
    expect([0, 0.9, 0.99, 0.999, 0.9999, 0.99999].map(formatPercentile)).toEqual(['0%', '90%', '99%', '99.9%', '99.99%', '99.999%']);
  });
  it('shortens rates and prices', () => {
    expect([500, 1_000, 100_000, 2_500_000].map(formatRateShort)).toEqual(['500', '1k', '100k', '2.5M']);
    expect([undefined, 0, 0.0123456, 1.5].map(formatUsd)).toEqual(['—', '$0', '$0.0123', '$1.50']);
  });
});

describe('chart data', () => {
  it('samples the percentile curve on x = 1/(1-q) up to what the sample count supports', () => {
    const r = buildResult({ seed: 4, samplesPerInterval: 500, durationS: 20 }); // 10,000 measured values
    const { points, decades } = percentileCurve('run', r);
    expect(decades).toBe(4);
    expect(points).toHaveLength(41);
    expect(points[0]).toMatchObject({ x: 1, percentile: 0 });
    expect(points.at(-1)).toMatchObject({ x: 10_000, ms: decodeHistogram(r.latency.encoded).maxValue / 1000 });
    const h = decodeHistogram(r.latency.encoded);
    const at99 = points.find((p) => Math.abs(p.x - 100) < 1e-9)!;
    expect(at99.ms).toBe(h.getValueAtPercentile(99) / 1000);
    // Non-decreasing, as a distribution must be.
    for (let i = 1; i < points.length; i++) expect(points[i]!.ms).toBeGreaterThanOrEqual(points[i - 1]!.ms);
  });

  it('ends the curve where the sample count runs out, at the maximum', () => {
    const r = buildResult({ seed: 4, samplesPerInterval: 750, durationS: 20 }); // 15,000 measured values
    const { points, decades } = percentileCurve('run', r);
    expect(decades).toBe(5);
    expect(points.at(-1)!.x).toBe(15_000);
    expect(points.at(-2)!.x).toBeLessThan(15_000);
    expect(points.at(-1)!.ms).toBe(decodeHistogram(r.latency.encoded).maxValue / 1000);
  });

  it('gives no curve for a run without output', () => {
    const r = buildResult({ seed: 4 });
    const empty = { ...r, latency: { ...r.latency, encoded: 'HISTFAAAABp4nJNpmSzMwMDACMXMDBDACKWZ4HwAMzIBUA==' } };
    expect(percentileCurve('run', empty).points).toEqual([]);
  });

  it('turns interval counts into rates, with a point at the start of the first interval', () => {
    const r = buildResult({ seed: 4, rate: 1000, intervalS: 2, warmupS: 2, durationS: 4, drainS: 2, achievedFraction: 1 });
    const pts = throughputOverTime('run', r);
    expect(pts.filter((p) => p.series === 'events in').map((p) => p.t)).toEqual([0, 2, 4, 6, 8]);
    const inRates = pts.filter((p) => p.series === 'events in' && p.t > 0 && p.t <= 6).map((p) => p.rate);
    for (const x of inRates) expect(x).toBeGreaterThan(990);
    expect(pts.filter((p) => p.series === 'target').map((p) => p.rate)).toEqual([1000, 1000, 1000, 1000, 10]);
  });

  it('marks the Pareto front on cost per hour against sustained throughput', () => {
    const mk = (label: string, seed: number, cost: number | undefined, achievedFraction: number) =>
      ({ label, result: buildResult({ seed, rate: 1000, costPerHourUsd: cost, achievedFraction }) });
    const pts = costPoints([mk('r1', 1, 1, 0.5), mk('r2', 2, 2, 1), mk('r3', 3, 3, 0.9), mk('r4', 4, undefined, 1), mk('r5', 1, 1, 0.5)]);
    expect(pts.map((p) => [p.run, p.pareto])).toEqual([
      ['r1', true], // cheapest
      ['r2', true], // fastest
      ['r3', false], // dearer and slower than r2
      ['r5', true], // ties r1 exactly: neither beats the other
    ]);
  });
});

describe('find-max trials', () => {
  const trials = [
    { rate: 1000, passed: true, p99Us: 1, backlogSlope: 0, reason: 'ok' },
    { rate: 2000, passed: true, p99Us: 1, backlogSlope: 0, reason: 'ok' },
    { rate: 2000, passed: false, p99Us: 1, backlogSlope: 0, reason: 'repetition 2 failed' },
    { rate: 1500, passed: true, p99Us: 1, backlogSlope: 0, reason: 'ok' },
  ];
  it('sustain the highest rate at which every repetition passed', () => {
    expect(findMaxRate(trials)).toBe(1500);
    expect(findMaxRate([{ ...trials[2]! }])).toBeUndefined();
  });
  it('come from findMax, whose rate is the sustained rate', () => {
    const r = buildResult({ seed: 1, findMax: { trials } });
    expect(r.findMax!.sustainedRate).toBe(1500);
    expect(readTrials(r)).toHaveLength(4);
    expect(sustainedRate({ ...r, findMax: { ...r.findMax!, sustainedRate: 1400 } })).toEqual({ rate: 1400, source: 'find-max' });
  });
  it('are also read loosely from a bare trials array and drive the sustained rate', () => {
    const r = buildResult({ seed: 1, trials });
    expect(readTrials(r)).toHaveLength(4);
    expect(sustainedRate(r)).toEqual({ rate: 1500, source: 'find-max' });
    const plain = buildResult({ seed: 1 });
    expect(readTrials(plain)).toBeUndefined();
    expect(sustainedRate(plain)).toEqual({ rate: plain.summary.achievedRate, source: 'achieved' });
    expect(readTrials({ ...plain, trials: 'no' } as unknown as typeof plain)).toBeUndefined();
  });
});
