import { z } from 'zod';
import { SessionWindows, type Emit, type Row, type StreamingQuery, type Workload } from '@streamscore/core';
import {
  DEFAULT_WINDOW_MS,
  flinkSql,
  microbatchSql,
  watermarkDelayMs,
  type NexmarkEvent,
  nexmarkSuite,
} from './common.js';

export const Q11ParamsSchema = z.strictObject({
  watermarkDelayMs,
  sessionGapMs: z
    .number()
    .int()
    .positive()
    .default(DEFAULT_WINDOW_MS)
    .describe('session gap, ms (nexmark/nexmark q11.sql: 10 s)'),
});
export type Q11Params = z.infer<typeof Q11ParamsSchema>;

/** Session windows per bidder (core's SessionWindows: Flink's merging rules, late = session already closed). */
class Q11Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly sessions: SessionWindows;
  private watermark = Number.NEGATIVE_INFINITY;
  private out: Emit = () => {};
  private readonly sink = (bidder: number, start: number, end: number, count: number): void => {
    this.out({ bidder, bid_count: count, starttime: start, endtime: end });
  };

  constructor(p: Q11Params) {
    this.sessions = new SessionWindows(p.sessionGapMs);
  }

  onEvent(e: NexmarkEvent, _emit: Emit): void {
    if (e.type === 'bid') this.sessions.add(e.bidder, e.dateTime, this.watermark);
  }

  onWatermark(watermarkMs: number, emit: Emit): void {
    this.watermark = watermarkMs;
    this.out = emit;
    this.sessions.advance(watermarkMs, this.sink);
  }

  onEnd(emit: Emit): void {
    this.out = emit;
    this.sessions.flush(this.sink);
  }
}

/**
 * Oracle: each bidder's bids in time order, cut wherever two consecutive bids are more than a gap
 * apart (bids exactly a gap apart share a session, as Flink's session windows touch and merge);
 * a session runs from its first bid to its last bid plus the gap.
 */
export function q11Reference(events: readonly NexmarkEvent[], p: Q11Params): Row[] {
  const byBidder = new Map<number, number[]>();
  for (const e of events) {
    if (e.type !== 'bid') continue;
    const times = byBidder.get(e.bidder);
    if (times) times.push(e.dateTime);
    else byBidder.set(e.bidder, [e.dateTime]);
  }
  const rows: Row[] = [];
  for (const [bidder, times] of byBidder) {
    times.sort((a, b) => a - b);
    let first = times[0]!;
    let count = 0;
    for (let i = 0; i < times.length; i++) {
      const t = times[i]!;
      if (count > 0 && t - times[i - 1]! > p.sessionGapMs) {
        rows.push({ bidder, bid_count: count, starttime: first, endtime: times[i - 1]! + p.sessionGapMs });
        first = t;
        count = 0;
      }
      count++;
    }
    rows.push({ bidder, bid_count: count, starttime: first, endtime: times[times.length - 1]! + p.sessionGapMs });
  }
  return rows;
}

export const q11: Workload<NexmarkEvent, Q11Params> = {
  id: 'nexmark/q11',
  ...nexmarkSuite,
  title: 'User sessions',
  description:
    'For each bidder’s session (bids at most 10 s apart, by event time), the number of bids, with the session’s start (first bid) and end (last bid + 10 s).',
  kind: 'windowed',
  params: Q11ParamsSchema,
  output: {
    columns: [
      { name: 'bidder', type: 'bigint' },
      { name: 'bid_count', type: 'bigint' },
      { name: 'starttime', type: 'timestamp' },
      { name: 'endtime', type: 'timestamp' },
    ],
    dueTimeColumn: 'endtime',
  },
  reference: (events, p) => q11Reference(events, p),
  streaming: (p) => new Q11Streaming(p),
  partitioning: { kind: 'key', key: (e) => (e.type === 'bid' ? e.bidder : e.id) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.sessionGapMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': flinkSql('q11'), 'microbatch-sql': microbatchSql('q11') },
};
