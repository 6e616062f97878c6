import type { ColumnSpec, Emit, OutputSpec, Row, StreamingQuery, Verdict, Workload } from '@streamscore/core';
import { dueTimeOf } from '@streamscore/core';
import { windowStart } from '@streamscore/streaming';
import {
  TumblingParamsSchema,
  flinkSql,
  microbatchSql,
  type NexmarkEvent,
  type TumblingParams,
  nexmarkSuite,
} from './common.js';

/**
 * Processing-time tumbling windows per bidder. The engine's clock reaches the query through
 * onProcessingTime ticks: bids count towards the window open at the last tick, and a tick at or
 * past the window's end emits it and opens the window holding the tick (epoch-aligned, as
 * Flink's). Before the first tick the window is the one holding the first bid's arrival.
 */
class Q12Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly size: number;
  private counts = new Map<number, number>();
  private start = Number.NaN;

  constructor(p: TumblingParams) {
    this.size = p.windowSizeMs;
  }

  onEvent(e: NexmarkEvent, _emit: Emit): void {
    if (e.type !== 'bid') return;
    if (this.start !== this.start) this.start = windowStart(Date.now(), this.size);
    this.counts.set(e.bidder, (this.counts.get(e.bidder) ?? 0) + 1);
  }

  onWatermark(): void {}

  onProcessingTime(nowMs: number, emit: Emit): void {
    if (this.start !== this.start) {
      this.start = windowStart(nowMs, this.size);
      return;
    }
    if (nowMs < this.start + this.size) return;
    this.flush(emit);
    this.start = windowStart(nowMs, this.size);
  }

  onEnd(emit: Emit): void {
    this.flush(emit);
  }

  private flush(emit: Emit): void {
    const start = this.start;
    const end = start + this.size;
    for (const [bidder, n] of this.counts) emit({ bidder, bid_count: n, starttime: start, endtime: end });
    this.counts = new Map();
  }
}

const COLUMNS = [
  { name: 'bidder', type: 'bigint' },
  { name: 'bid_count', type: 'bigint' },
  { name: 'starttime', type: 'timestamp' },
  { name: 'endtime', type: 'timestamp' },
] as const satisfies readonly ColumnSpec[];
/** Specs that read a window bound as a time, whatever form the backend wrote it in. */
const START: OutputSpec = { columns: [...COLUMNS], dueTimeColumn: 'starttime' };
const END: OutputSpec = { columns: [...COLUMNS], dueTimeColumn: 'endtime' };

/**
 * The oracle of a processing-time query cannot say which window a bid fell into, so it says
 * what must hold whatever the timing: every bid is counted exactly once (the counts of each
 * bidder add up to that bidder's bids), and every record is a well-formed window (aligned, one
 * window long, positive count, at most one record per bidder and window). Expects the backend to
 * have emitted every window, including the last (flushed at the end of the input).
 */
export function q12CheckInvariants(events: readonly NexmarkEvent[], actual: readonly Row[], p: TumblingParams): Verdict {
  const expected = new Map<number, number>();
  let bids = 0;
  for (const e of events) {
    if (e.type !== 'bid') continue;
    bids++;
    expected.set(e.bidder, (expected.get(e.bidder) ?? 0) + 1);
  }
  const got = new Map<number, number>();
  const malformed: Row[] = [];
  const seen = new Set<string>();
  const windows = new Set<number>();
  let counted = 0;
  for (const r of actual) {
    const bidder = Number(r['bidder']);
    const n = Number(r['bid_count']);
    const start = dueTimeOf(r, START);
    const end = dueTimeOf(r, END);
    const key = `${bidder}@${start}`;
    const ok =
      Number.isInteger(bidder) &&
      Number.isInteger(n) &&
      n > 0 &&
      end - start === p.windowSizeMs &&
      windowStart(start, p.windowSizeMs) === start &&
      !seen.has(key);
    if (!ok) {
      malformed.push(r);
      continue;
    }
    seen.add(key);
    windows.add(start);
    counted += n;
    got.set(bidder, (got.get(bidder) ?? 0) + n);
  }
  let matched = 0;
  let missing = 0;
  let unexpected = malformed.length;
  const missingSamples: Row[] = [];
  const unexpectedSamples: Row[] = malformed.slice(0, 5);
  for (const [bidder, want] of expected) {
    const have = got.get(bidder) ?? 0;
    if (have === want) matched++;
    else if (have < want) {
      missing++;
      if (missingSamples.length < 5) missingSamples.push({ bidder, expected_bids: want, counted_bids: have });
    } else {
      unexpected++;
      if (unexpectedSamples.length < 5) unexpectedSamples.push({ bidder, expected_bids: want, counted_bids: have });
    }
  }
  for (const [bidder, have] of got) {
    if (expected.has(bidder)) continue;
    unexpected++;
    if (unexpectedSamples.length < 5) unexpectedSamples.push({ bidder, expected_bids: 0, counted_bids: have });
  }
  const notes = [
    `processing-time windows: checked invariants only (per-bidder totals and well-formed windows); ${counted} of ${bids} bids counted over ${windows.size} window(s)`,
  ];
  if (malformed.length > 0) notes.push(`${malformed.length} record(s) malformed or repeating a (bidder, window)`);
  if (counted < bids) {
    notes.push(
      `${bids - counted} bid(s) were counted in no window: a backend must emit its last processing-time window when the input ends (Flink does not fire an open processing-time window at the end of a bounded input)`,
    );
  }
  if (bids === 0) notes.push('no bids were sent: the check is vacuous for this run');
  return {
    status: missing === 0 && unexpected === 0 && counted === bids ? 'pass' : 'fail',
    method: 'invariants',
    matched,
    missing,
    unexpected,
    expected: expected.size,
    covered: windows.size,
    samples: { missing: missingSamples, unexpected: unexpectedSamples },
    notes,
  };
}

/** What the oracle can give for q12: nothing per record (see q12CheckInvariants). */
function q12Reference(): Row[] {
  return [];
}

export const q12: Workload<NexmarkEvent, TumblingParams> = {
  id: 'nexmark/q12',
  ...nexmarkSuite,
  title: 'Processing-time windows',
  description:
    'For each bidder, the number of bids per tumbling window of processing time (10 s of wall clock). Checked by invariants: each bidder’s counts add up to their bids.',
  kind: 'processing-time',
  params: TumblingParamsSchema,
  output: {
    columns: [...COLUMNS],
    dueTimeColumn: 'endtime',
  },
  reference: q12Reference,
  checkInvariants: (events, actual, p) => q12CheckInvariants(events, actual, p),
  streaming: (p) => new Q12Streaming(p),
  partitioning: { kind: 'key', key: (e) => (e.type === 'bid' ? e.bidder : e.id) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.windowSizeMs }),
  sql: { 'flink-sql': flinkSql('q12'), 'microbatch-sql': microbatchSql('q12') },
};
