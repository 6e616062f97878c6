import type { Timeline, TimelineSpec } from '../contracts/workload.js';
import type { RateShape } from './shape.js';

/**
 * Event time from the harness's schedule: event n is stamped with the millisecond it falls due.
 * Because event time *is* the due time, latency measured from an output's time column is
 * measured from when the event was due (no coordinated omission).
 */
export function scheduleTimeline(shape: RateShape, baseTimeMs: number): Timeline {
  const base = Math.floor(baseTimeMs);
  return {
    timestampMs: (n: number) => base + Math.floor(shape.timeOfEventS(n) * 1000 + 1e-9),
    describe: (): TimelineSpec => ({ kind: 'shape', baseTimeMs: base, shape: shape.describe() }),
  };
}
