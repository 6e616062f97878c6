import { describe, expect, it } from 'vitest';
import { percentiles } from './histogram.js';
import { IntervalRecorder } from './recorder.js';

describe('IntervalRecorder, fast (WebAssembly)', () => {
  it('keeps the buckets the JS recorder keeps, interval by interval and in total', () => {
    const js = new IntervalRecorder();
    const fast = new IntervalRecorder({ fast: true });
    let seed = 7;
    const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    for (let interval = 0; interval < 3; interval++) {
      for (let i = 0; i < 20_000; i++) {
        const us = 200 * Math.exp(next() * Math.log(10_000));
        if (i % 10 === 0) {
          js.recordN(us, 5);
          fast.recordN(us, 5);
        } else {
          js.record(us);
          fast.record(us);
        }
      }
      js.record(-3); // clock skew: recorded as 0
      fast.record(-3);
      const a = js.drainInterval();
      const b = fast.drainInterval();
      expect(b.totalCount).toBe(20_000 + 2_000 * 4 + 1);
      // The same buckets; the max of the copy is its bucket's top (within the 3 significant
      // digits), as for every histogram that went through the interchange format.
      const { max: maxB, ...restB } = percentiles(b);
      const { max: maxA, ...restA } = percentiles(a);
      expect(restB).toEqual(restA);
      expect(Math.abs(maxB - maxA) / maxA).toBeLessThan(1e-3);
      expect(b.totalCount).toBe(a.totalCount);
      for (const q of [1, 25, 50, 75, 90, 99, 99.9, 99.99, 100]) expect(b.getValueAtPercentile(q)).toBe(a.getValueAtPercentile(q));
    }
    expect(fast.drainInterval().totalCount).toBe(0);
    expect(percentiles(fast.total).p999).toBe(percentiles(js.total).p999);
    expect(percentiles(fast.total).mean).toBe(percentiles(js.total).mean);
    expect(fast.total.totalCount).toBe(3 * 28_001);
    // What leaves the recorder is the JS build, which adds to other JS histograms.
    const sum = new IntervalRecorder().total;
    sum.add(fast.total);
    expect(sum.totalCount).toBe(3 * 28_001);
  });
});
