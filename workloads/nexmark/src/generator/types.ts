/**
 * Local structural copies of the harness contracts in packages/core/src/contracts/workload.ts
 * (Timeline, TimelineSpec, EventSource). They are identical in shape, so values typed with these
 * are assignable to core's types; switch to `import type { … } from '@streamscore/core'` once
 * core's index exports them.
 */

export type TimelineSpec =
  | { kind: 'fixed-rate'; baseTimeMs: number; interEventDelayUs: number; numGenerators?: number }
  | { kind: 'shape'; baseTimeMs: number; shape: unknown };

/** Event time for a generated stream: which millisecond event number n is stamped with. */
export interface Timeline {
  /** Event time, ms since the epoch, of event number n (monotone non-decreasing in n). */
  timestampMs(eventNumber: number): number;
  /** Describes the timeline for the Result, so the oracle can rebuild it. */
  describe(): TimelineSpec;
}

/** A deterministic source of events: event n is the same on every machine. */
export interface EventSource<E> {
  /** Number of the event next() returns. */
  readonly nextEventNumber: number;
  /** True once the configured number of events has been produced. */
  hasNext(): boolean;
  next(): E;
  /** The instant (ms since epoch) the event with this number falls due on the wall clock. */
  dueTimeMs(eventNumber: number): number;
}
