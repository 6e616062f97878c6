import type { Emit, Row, StreamingQuery } from '@streamscore/core';

export interface DriveOptions<E> {
  eventTime(event: E): number;
  /** The query's watermark delay: the watermark is the maximum event time seen minus this. */
  watermarkDelayMs: number;
  /** Events per batch; the watermark advances after each (default 1000). */
  batchSize?: number;
  /** Call onEnd after the last batch (default true). */
  end?: boolean;
}

/**
 * Runs a streaming query over a finite list of events the way the local engine does: events in
 * order through onEvent, and after every batch onWatermark(max event time − delay) when that
 * advances; then onEnd. For tests and for checking a streaming implementation against its oracle.
 */
export function driveStreaming<E>(query: StreamingQuery<E>, events: readonly E[], o: DriveOptions<E>): Row[] {
  const rows: Row[] = [];
  const emit: Emit = (r) => {
    rows.push(r);
  };
  const batch = Math.max(1, o.batchSize ?? 1000);
  let max = Number.NEGATIVE_INFINITY;
  let watermark = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < events.length; i += batch) {
    const stop = Math.min(events.length, i + batch);
    for (let j = i; j < stop; j++) {
      const e = events[j]!;
      const t = o.eventTime(e);
      if (t > max) max = t;
      query.onEvent(e, emit);
    }
    const w = max - o.watermarkDelayMs;
    if (w > watermark) {
      watermark = w;
      query.onWatermark(w, emit);
    }
  }
  if (o.end !== false) query.onEnd?.(emit);
  return rows;
}
