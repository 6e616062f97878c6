import { newHistogram, type Histogram } from './histogram.js';

/**
 * Two recorders per metric, as OpenMessaging Benchmark keeps them: an interval histogram
 * drained every period and a cumulative one drained at the end.
 */
export class IntervalRecorder {
  private interval: Histogram = newHistogram();
  readonly total: Histogram = newHistogram();

  /** Records a value in microseconds; negative values (clock skew) are recorded as 0. */
  record(valueUs: number): void {
    const v = valueUs > 0 ? Math.round(valueUs) : 0;
    this.interval.recordValue(v);
    this.total.recordValue(v);
  }

  /** Records the same value n times (events that fell due in the same millisecond). */
  recordN(valueUs: number, n: number): void {
    const v = valueUs > 0 ? Math.round(valueUs) : 0;
    this.interval.recordValueWithCount(v, n);
    this.total.recordValueWithCount(v, n);
  }

  /** Returns the interval histogram and starts a new one. */
  drainInterval(): Histogram {
    const h = this.interval;
    this.interval = newHistogram();
    return h;
  }
}
