import { type Emit, type IncrementalOracle, type Row, type StreamingQuery, type Workload } from '@streamscore/core';
import { isWindowFired, windowStart } from '@streamscore/streaming';
import {
  TumblingParamsSchema,
  flinkSql,
  microbatchSql,
  type Bid,
  type NexmarkEvent,
  type TumblingParams,
  nexmarkSuite,
} from './common.js';

function row(b: Bid, start: number, end: number): Row {
  return { auction: b.auction, bidder: b.bidder, price: b.price, dateTime: b.dateTime, extra: b.extra, starttime: start, endtime: end };
}

interface Q7Window {
  max: number;
  /** The bids at the maximum price so far, in arrival order. */
  top: Bid[];
}

/** Per tumbling window, the running maximum and the bids at it; a window fires at watermark ≥ end − 1. */
class Q7Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly size: number;
  private readonly windows = new Map<number, Q7Window>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(p: TumblingParams) {
    this.size = p.windowSizeMs;
  }

  onEvent(e: NexmarkEvent, _emit: Emit): void {
    if (e.type !== 'bid') return;
    const start = windowStart(e.dateTime, this.size);
    if (isWindowFired(start + this.size, this.watermark)) return; // late
    const w = this.windows.get(start);
    if (w === undefined) this.windows.set(start, { max: e.price, top: [e] });
    else if (e.price > w.max) {
      w.max = e.price;
      w.top = [e];
    } else if (e.price === w.max) w.top.push(e);
  }

  onWatermark(watermarkMs: number, emit: Emit): void {
    this.watermark = watermarkMs;
    this.fire(watermarkMs, emit);
  }

  onEnd(emit: Emit): void {
    this.fire(Number.POSITIVE_INFINITY, emit);
  }

  private fire(limit: number, emit: Emit): void {
    for (const [start, w] of this.windows) {
      const end = start + this.size;
      if (!isWindowFired(end, limit)) continue;
      for (const b of w.top) emit(row(b, start, end));
      this.windows.delete(start);
    }
  }
}

/** Oracle: group the bids by tumbling window; per window, every bid whose price equals the window's highest. */
export function q7Reference(events: readonly NexmarkEvent[], p: TumblingParams): Row[] {
  const byWindow = new Map<number, Bid[]>();
  for (const e of events) {
    if (e.type !== 'bid') continue;
    const start = e.dateTime - (((e.dateTime % p.windowSizeMs) + p.windowSizeMs) % p.windowSizeMs);
    const list = byWindow.get(start);
    if (list) list.push(e);
    else byWindow.set(start, [e]);
  }
  const rows: Row[] = [];
  for (const [start, bids] of byWindow) {
    const max = bids.reduce((m, b) => Math.max(m, b.price), 0);
    for (const b of bids) if (b.price === max) rows.push(row(b, start, start + p.windowSizeMs));
  }
  return rows;
}

/**
 * The oracle in streaming form. Holding a window's bids as the array oracle does would not be
 * bounded (a 10 s window at a million events/s is nine million bids), so it keeps the window's
 * top price (from 0, as the array oracle's reduce) and the bids at it; answered once event time
 * has passed the window's end.
 */
export function q7Oracle(p: TumblingParams): IncrementalOracle<NexmarkEvent> {
  const windows = new Map<number, { max: number; at: Bid[] }>();
  const answer = (start: number, w: { at: Bid[] }, emit: Emit): void => {
    for (const b of w.at) emit(row(b, start, start + p.windowSizeMs));
  };
  return {
    push: (e) => {
      if (e.type !== 'bid') return;
      const start = e.dateTime - (((e.dateTime % p.windowSizeMs) + p.windowSizeMs) % p.windowSizeMs);
      let w = windows.get(start);
      if (w === undefined) {
        w = { max: 0, at: [] };
        windows.set(start, w);
      }
      if (e.price > w.max) {
        w.max = e.price;
        w.at = [e];
      } else if (e.price === w.max) w.at.push(e);
    },
    advance: (low, emit) => {
      for (const [start, w] of windows) {
        if (start + p.windowSizeMs > low) continue;
        answer(start, w, emit);
        windows.delete(start);
      }
    },
    end: (emit) => {
      for (const [start, w] of windows) answer(start, w, emit);
      windows.clear();
    },
  };
}

export const q7: Workload<NexmarkEvent, TumblingParams> = {
  id: 'nexmark/q7',
  ...nexmarkSuite,
  title: 'Highest bid',
  description:
    'For each tumbling window (10 s by event time), the bids at the window’s highest price, with the window’s bounds.',
  kind: 'windowed',
  params: TumblingParamsSchema,
  output: {
    columns: [
      { name: 'auction', type: 'bigint' },
      { name: 'bidder', type: 'bigint' },
      { name: 'price', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
      { name: 'extra', type: 'string' },
      { name: 'starttime', type: 'timestamp' },
      { name: 'endtime', type: 'timestamp' },
    ],
    dueTimeColumn: 'endtime',
  },
  reference: (events, p) => q7Reference(events, p),
  incrementalReference: (p) => q7Oracle(p),
  streaming: (p) => new Q7Streaming(p),
  partitioning: { kind: 'single' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.windowSizeMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': flinkSql('q7'), 'microbatch-sql': microbatchSql('q7') },
};
