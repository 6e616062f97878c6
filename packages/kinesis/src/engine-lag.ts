import type { ReaderStats } from './reader.js';

/**
 * The metric names an engine's `Backend.metrics()` uses to say how far it has read the run's
 * input stream. Positions are counted from the stream's start (TRIM_HORIZON) and summed over
 * shards; an engine that restores from a checkpoint restores them with its read position, so
 * they stay positions, not counters of a process's lifetime.
 */
export const CONSUMER_METRICS = {
  /** Kinesis records read from the input stream. */
  records: 'kinesis.consumer.recordsRead',
  /** Events inside those records (from the framing header). */
  events: 'kinesis.consumer.eventsRead',
  /** Kinesis's own MillisBehindLatest of the consumer's last GetRecords (largest over shards). */
  millisBehind: 'kinesis.consumer.millisBehindLatest',
} as const;

/** The metric names the transport reports the engine's input lag under (see `inputLag`). */
export const LAG_METRICS = {
  records: 'inputLagRecords',
  events: 'inputLagEvents',
  ms: 'inputLagMs',
} as const;

/** What the writer has had acknowledged on the input stream. */
export interface WrittenPosition {
  records: number;
  events: number;
}

/**
 * The engine's input backlog: records (and events) written to the input stream and acknowledged
 * by Kinesis, less those the engine reports having read. Empty when the engine reports no
 * position (then nothing is known, which is not the same as no lag). Never negative: the engine's
 * position is sampled just before the writer's, so a write in between cannot make it ahead.
 */
export function inputLag(written: WrittenPosition, engine: Readonly<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {};
  const records = engine[CONSUMER_METRICS.records];
  const events = engine[CONSUMER_METRICS.events];
  const ms = engine[CONSUMER_METRICS.millisBehind];
  if (records !== undefined && Number.isFinite(records)) out[LAG_METRICS.records] = Math.max(0, written.records - records);
  if (events !== undefined && Number.isFinite(events)) out[LAG_METRICS.events] = Math.max(0, written.events - events);
  if (ms !== undefined && Number.isFinite(ms)) out[LAG_METRICS.ms] = Math.max(0, ms);
  return out;
}

/** The position metrics of a consumer built on `KinesisReader` (read from TRIM_HORIZON). */
export function readerPosition(stats: Pick<ReaderStats, 'records' | 'rows' | 'millisBehindLatest'>): Record<string, number> {
  return {
    [CONSUMER_METRICS.records]: stats.records,
    [CONSUMER_METRICS.events]: stats.rows,
    [CONSUMER_METRICS.millisBehind]: stats.millisBehindLatest,
  };
}
