import { describe, expect, it } from 'vitest';
import { buildShape, parseRate, parseShape } from './shapes.js';

describe('load shapes', () => {
  it('constant: event n falls due at n / rate', () => {
    const s = buildShape({ kind: 'constant', rate: 1000 }, 10);
    expect(s.timeOfEventS(0)).toBe(0);
    expect(s.timeOfEventS(2500)).toBeCloseTo(2.5);
    expect(s.eventsBy(10)).toBe(10_000);
  });

  it('step: 1k for 2 s then 3k; the schedule and its inverse agree', () => {
    const s = buildShape(parseShape('step:1k@2s,3k@2s', 0), 4);
    expect(s.eventsBy(2)).toBe(2000);
    expect(s.eventsBy(3)).toBe(5000); // 2000 + 1 s × 3000
    expect(s.timeOfEventS(5000)).toBeCloseTo(3);
    expect(s.peakRate).toBe(3000);
    for (const n of [0, 1999, 2000, 4321, 7999]) expect(s.eventsBy(s.timeOfEventS(n))).toBeCloseTo(n, 6);
  });

  it('ramp: 1k..5k over 4 s in 1 s steps at the midpoint rates 1.5k 2.5k 3.5k 4.5k', () => {
    const s = buildShape(parseShape('ramp:1k..5k', 0), 4);
    expect([0.5, 1.5, 2.5, 3.5].map((t) => s.rateAt(t))).toEqual([1500, 2500, 3500, 4500]);
    expect(s.eventsBy(4)).toBe(12_000); // the ramp's integral: (1k + 5k) / 2 × 4 s
  });

  it('sine: between low and high, mean (low+high)/2 over whole periods', () => {
    const s = buildShape(parseShape('sine:1k..3k/10s', 0), 20);
    const rates = Array.from({ length: 20 }, (_, i) => s.rateAt(i + 0.5));
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1000);
    expect(Math.max(...rates)).toBeLessThanOrEqual(3000);
    expect(s.eventsBy(20)).toBeCloseTo(2000 * 20, 6);
  });

  it('reads rates with k and M suffixes, and refuses nonsense', () => {
    expect(parseRate('150k')).toBe(150_000);
    expect(parseRate('1.5M')).toBe(1_500_000);
    expect(() => parseRate('fast')).toThrow(/not a rate/);
    expect(() => parseShape('zigzag:1..2', 1)).toThrow(/Unknown load shape "zigzag"/);
    expect(() => parseShape('ramp:1k', 1)).toThrow(/Cannot read the load shape/);
  });
});

describe('file: shapes (a rate profile from a CSV)', () => {
  it('reads RATE or MINUTE,RATE rows after a header, one step each, 60 s unless told', async () => {
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'shape-'));
    const path = join(dir, 'day.csv');
    writeFileSync(path, 'minute,rate\n0,1000\n1,2500\n2,0\n');
    expect(parseShape(`file:${path}`, 1)).toEqual({ kind: 'step', steps: [{ rate: 1000, durationS: 60 }, { rate: 2500, durationS: 60 }, { rate: 1, durationS: 60 }] });
    // /1s compresses each minute to a second: a day of minutes runs in 24 minutes.
    const fast = parseShape(`file:${path}/1s`, 1);
    expect(fast.kind === 'step' && fast.steps.map((s) => s.durationS)).toEqual([1, 1, 1]);
    expect(buildShape(fast, 3).peakRate).toBe(2500);
    writeFileSync(path, '1000\nlots\n');
    expect(() => parseShape(`file:${path}`, 1)).toThrow(/line 2: "lots" is not a rate/);
    expect(() => parseShape(`file:${join(dir, 'missing.csv')}`, 1)).toThrow(/Cannot read the rate profile/);
  });
});
