import { z } from 'zod';
import { type Emit, type IncrementalOracle, type Row, type StreamingQuery, type Workload } from '@streamscore/core';
import { SessionWindows, TimerQueue } from '@streamscore/streaming';
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

/** A bidder's session being built by the oracle: first and last bid time, and the bids in it. */
interface OracleSession {
  first: number;
  last: number;
  count: number;
}

/**
 * The oracle in streaming form: per bidder, the sessions still open, kept disjoint and ordered by
 * start (a bid within a gap of a session joins it, and may bridge two). A session is answered
 * once event time has passed its last bid plus the gap (no bid still to come can join it).
 * Written apart from core's SessionWindows, which the engine uses.
 */
export function q11Oracle(p: Q11Params): IncrementalOracle<NexmarkEvent> {
  const gap = p.sessionGapMs;
  const open = new Map<number, OracleSession[]>();
  // One timer per session at most (pushed when it starts, re-pushed when found extended), so the
  // queue grows with the open sessions, not with the bids.
  const timers = new TimerQueue(1024);
  const emitSession = (bidder: number, s: OracleSession, emit: Emit) =>
    emit({ bidder, bid_count: s.count, starttime: s.first, endtime: s.last + gap });
  return {
    push: (e) => {
      if (e.type !== 'bid') return;
      const t = e.dateTime;
      let list = open.get(e.bidder);
      if (list === undefined) {
        list = [];
        open.set(e.bidder, list);
      }
      // Sessions this bid touches: first - gap <= t <= last + gap.
      let i = 0;
      while (i < list.length && list[i]!.last + gap < t) i++;
      const joined: OracleSession = { first: t, last: t, count: 1 };
      let j = i;
      while (j < list.length && list[j]!.first - gap <= t) {
        const s = list[j]!;
        joined.first = Math.min(joined.first, s.first);
        joined.last = Math.max(joined.last, s.last);
        joined.count += s.count;
        j++;
      }
      list.splice(i, j - i, joined);
      if (j === i) timers.push(joined.last + gap, e.bidder);
    },
    advance: (low, emit) => {
      while (timers.size > 0 && timers.peekTime() < low) {
        const bidder = timers.peekKey();
        timers.pop();
        const list = open.get(bidder);
        if (list === undefined) continue;
        let closed = 0;
        while (closed < list.length && list[closed]!.last + gap < low) emitSession(bidder, list[closed++]!, emit);
        if (closed === list.length) {
          open.delete(bidder);
          continue;
        }
        list.splice(0, closed);
        timers.push(list[0]!.last + gap, bidder);
      }
    },
    end: (emit) => {
      for (const [bidder, list] of open) for (const s of list) emitSession(bidder, s, emit);
      open.clear();
    },
  };
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
  incrementalReference: (p) => q11Oracle(p),
  streaming: (p) => new Q11Streaming(p),
  partitioning: { kind: 'key', key: (e) => (e.type === 'bid' ? e.bidder : e.id) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.sessionGapMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': flinkSql('q11'), 'microbatch-sql': microbatchSql('q11') },
};
