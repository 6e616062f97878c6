/**
 * One output record, in the one schema every backend shares: a flat JSON object whose columns
 * are named by the workload's OutputSpec. Backends serialise it as JSON (one object per line or
 * per Kinesis record), so only JSON scalar values are allowed.
 */
export type Scalar = string | number | boolean | null;
export type Row = Record<string, Scalar>;

export type ColumnType = 'bigint' | 'decimal' | 'string' | 'timestamp' | 'boolean';

export interface ColumnSpec {
  name: string;
  type: ColumnType;
}

/** How an output record is matched to the expected one and timed. */
export interface OutputSpec {
  columns: ColumnSpec[];
  /**
   * The column holding the instant the record became due (ms since epoch): the triggering
   * event's time for per-event queries, the window's end for windowed ones.
   */
  dueTimeColumn: string;
  /**
   * For updating queries (q4, q9): the columns naming what a record updates. The checker
   * compares the final state per key; latency is measured on the update that made a key final.
   */
  upsertKey?: string[];
  /**
   * Decimal columns are compared after rounding to this many places (default 3, the scale of
   * NEXMark's DECIMAL(23,3)): the documented tolerance for engines that use binary floats.
   */
  decimalPlaces?: number;
}
