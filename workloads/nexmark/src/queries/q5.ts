import { z } from 'zod';
import { type Emit, type IncrementalOracle, type Row, type StreamingQuery, type Workload } from '@streamscore/core';
import { hopShapeProblem, windowStart } from '@streamscore/streaming';
import {
  DEFAULT_Q5_SLIDE_MS,
  flinkSql,
  microbatchSql,
  watermarkDelayMs,
  windowSizeMs,
  type NexmarkEvent,
  nexmarkSuite,
} from './common.js';

export const Q5ParamsSchema = z
  .strictObject({
    watermarkDelayMs,
    windowSizeMs,
    windowSlideMs: z
      .number()
      .int()
      .positive()
      .default(DEFAULT_Q5_SLIDE_MS)
      .describe('hop slide, ms (nexmark/nexmark q5.sql: 2 s; Beam and Flock: 5 s)'),
  })
  .superRefine((p, ctx) => {
    const problem = hopShapeProblem(p.windowSizeMs, p.windowSlideMs);
    if (problem) ctx.addIssue({ code: 'custom', message: problem, path: ['windowSlideMs'] });
  });
export type Q5Params = z.infer<typeof Q5ParamsSchema>;

/**
 * Hopping windows kept as panes ("slices") of one slide each, as Flink's slicing window operator
 * does: a bid increments one counter in its pane; when a window fires, the panes it covers are
 * merged. A bid is late, and dropped, when its pane has fired (the first window holding it has
 * fired), which is Flink's rule for sliced windows.
 */
class Q5Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly size: number;
  private readonly slide: number;
  /** Pane start → auction → bids. */
  private readonly panes = new Map<number, Map<number, number>>();
  /** Pane starts, ascending. */
  private readonly paneStarts: number[] = [];
  /** Start of the next window to fire; every earlier window has fired. */
  private nextWindow = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(p: Q5Params) {
    this.size = p.windowSizeMs;
    this.slide = p.windowSlideMs;
  }

  onEvent(e: NexmarkEvent, _emit: Emit): void {
    if (e.type !== 'bid') return;
    const pane = windowStart(e.dateTime, this.slide);
    if (pane + this.slide - 1 <= this.watermark) return; // late
    let counts = this.panes.get(pane);
    if (counts === undefined) {
      counts = new Map();
      this.panes.set(pane, counts);
      const starts = this.paneStarts;
      let i = starts.length;
      while (i > 0 && starts[i - 1]! > pane) i--;
      starts.splice(i, 0, pane);
    }
    counts.set(e.auction, (counts.get(e.auction) ?? 0) + 1);
  }

  onWatermark(watermarkMs: number, emit: Emit): void {
    this.watermark = watermarkMs;
    this.fire(watermarkMs, emit);
  }

  onEnd(emit: Emit): void {
    this.fire(Number.POSITIVE_INFINITY, emit);
  }

  private fire(limit: number, emit: Emit): void {
    const { size, slide, panes, paneStarts } = this;
    while (paneStarts.length > 0) {
      // The earliest unfired window holding data holds the first pane.
      const firstPane = paneStarts[0]!;
      const start = Math.max(this.nextWindow, firstPane - size + slide);
      const end = start + size;
      if (end - 1 > limit) return;
      const counts = new Map<number, number>();
      for (let i = 0; i < paneStarts.length && paneStarts[i]! < end; i++) {
        for (const [auction, n] of panes.get(paneStarts[i]!)!) counts.set(auction, (counts.get(auction) ?? 0) + n);
      }
      let max = 0;
      for (const n of counts.values()) if (n > max) max = n;
      for (const [auction, n] of counts) {
        if (n === max) emit({ auction, num: n, starttime: start, endtime: end });
      }
      this.nextWindow = start + slide;
      while (paneStarts.length > 0 && paneStarts[0]! < this.nextWindow) panes.delete(paneStarts.shift()!);
    }
  }
}

/**
 * Oracle: count every bid in every hop window holding it (per window and auction), then keep,
 * per window, the auctions whose count is the window's maximum.
 */
export function q5Reference(events: readonly NexmarkEvent[], p: Q5Params): Row[] {
  const counts = new Map<number, Map<number, number>>(); // window start → auction → count
  for (const e of events) {
    if (e.type !== 'bid') continue;
    // Windows [s, s + size) with s a multiple of the slide and s <= t < s + size.
    for (let s = windowStart(e.dateTime, p.windowSlideMs); s > e.dateTime - p.windowSizeMs; s -= p.windowSlideMs) {
      const w = counts.get(s) ?? new Map<number, number>();
      w.set(e.auction, (w.get(e.auction) ?? 0) + 1);
      counts.set(s, w);
    }
  }
  const rows: Row[] = [];
  for (const [start, w] of counts) {
    let max = 0;
    for (const n of w.values()) max = Math.max(max, n);
    for (const [auction, num] of w) {
      if (num === max) rows.push({ auction, num, starttime: start, endtime: start + p.windowSizeMs });
    }
  }
  return rows;
}

/**
 * The oracle in streaming form: the same per-window counts (every window holding the bid, not
 * panes), each window answered and forgotten once event time has passed its end.
 */
export function q5Oracle(p: Q5Params): IncrementalOracle<NexmarkEvent> {
  const counts = new Map<number, Map<number, number>>(); // window start → auction → count
  const answer = (start: number, w: Map<number, number>, emit: Emit): void => {
    let max = 0;
    for (const n of w.values()) max = Math.max(max, n);
    for (const [auction, num] of w) if (num === max) emit({ auction, num, starttime: start, endtime: start + p.windowSizeMs });
  };
  return {
    push: (e) => {
      if (e.type !== 'bid') return;
      for (let s = windowStart(e.dateTime, p.windowSlideMs); s > e.dateTime - p.windowSizeMs; s -= p.windowSlideMs) {
        let w = counts.get(s);
        if (w === undefined) {
          w = new Map();
          counts.set(s, w);
        }
        w.set(e.auction, (w.get(e.auction) ?? 0) + 1);
      }
    },
    advance: (low, emit) => {
      for (const [start, w] of counts) {
        if (start + p.windowSizeMs > low) continue;
        answer(start, w, emit);
        counts.delete(start);
      }
    },
    end: (emit) => {
      for (const [start, w] of counts) answer(start, w, emit);
      counts.clear();
    },
  };
}

export const q5: Workload<NexmarkEvent, Q5Params> = {
  id: 'nexmark/q5',
  ...nexmarkSuite,
  title: 'Hot items',
  description:
    'For each sliding window (10 s, every 2 s, by event time), the auctions with the most bids in it and their bid count; several on a tie.',
  kind: 'windowed',
  params: Q5ParamsSchema,
  output: {
    columns: [
      { name: 'auction', type: 'bigint' },
      { name: 'num', type: 'bigint' },
      { name: 'starttime', type: 'timestamp' },
      { name: 'endtime', type: 'timestamp' },
    ],
    dueTimeColumn: 'endtime',
  },
  reference: (events, p) => q5Reference(events, p),
  incrementalReference: (p) => q5Oracle(p),
  streaming: (p) => new Q5Streaming(p),
  partitioning: { kind: 'single' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.windowSizeMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': flinkSql('q5'), 'microbatch-sql': microbatchSql('q5') },
};
