import { type Emit, type IncrementalOracle, type Row, type StreamingQuery, type Workload } from '@streamscore/core';
import { isWindowFired, windowStart } from '@streamscore/streaming';
import {
  TumblingParamsSchema,
  flinkSql,
  microbatchSql,
  type NexmarkEvent,
  type TumblingParams,
  nexmarkSuite,
} from './common.js';

interface Q8Window {
  /** People who registered in the window: id → name. */
  people: Map<number, string>;
  /** Sellers of the auctions opened in the window. */
  sellers: Set<number>;
}

/**
 * The window join: per tumbling window, the people who registered and the sellers who opened
 * auctions; when the window fires, the people among the sellers. People and auctions are late,
 * and dropped, once their window has fired.
 */
class Q8Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly size: number;
  private readonly windows = new Map<number, Q8Window>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(p: TumblingParams) {
    this.size = p.windowSizeMs;
  }

  private window(t: number): Q8Window | undefined {
    const start = windowStart(t, this.size);
    if (isWindowFired(start + this.size, this.watermark)) return undefined;
    let w = this.windows.get(start);
    if (w === undefined) {
      w = { people: new Map(), sellers: new Set() };
      this.windows.set(start, w);
    }
    return w;
  }

  onEvent(e: NexmarkEvent, _emit: Emit): void {
    if (e.type === 'person') {
      const w = this.window(e.dateTime);
      // GROUP BY id, name: one row per person (ids are unique in NEXMark).
      if (w !== undefined && !w.people.has(e.id)) w.people.set(e.id, e.name);
    } else if (e.type === 'auction') {
      this.window(e.dateTime)?.sellers.add(e.seller);
    }
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
      for (const [id, name] of w.people) {
        if (w.sellers.has(id)) emit({ id, name, starttime: start, endtime: end });
      }
      this.windows.delete(start);
    }
  }
}

/** Oracle: the distinct (id, name, window) of people and the distinct (seller, window) of auctions, joined. */
export function q8Reference(events: readonly NexmarkEvent[], p: TumblingParams): Row[] {
  const startOf = (t: number) => t - (((t % p.windowSizeMs) + p.windowSizeMs) % p.windowSizeMs);
  const sellerWindows = new Set<string>();
  for (const e of events) if (e.type === 'auction') sellerWindows.add(`${e.seller}@${startOf(e.dateTime)}`);
  const seen = new Set<string>();
  const rows: Row[] = [];
  for (const e of events) {
    if (e.type !== 'person') continue;
    const start = startOf(e.dateTime);
    const key = JSON.stringify([e.id, e.name, start]);
    if (seen.has(key) || !sellerWindows.has(`${e.id}@${start}`)) continue;
    seen.add(key);
    rows.push({ id: e.id, name: e.name, starttime: start, endtime: start + p.windowSizeMs });
  }
  return rows;
}

/**
 * The oracle in streaming form: per window, the distinct (id, name) of the people who registered
 * in it, in arrival order, and the sellers who opened auctions in it; joined and forgotten once
 * event time has passed the window's end (no auction still to come can fall in it).
 */
export function q8Oracle(p: TumblingParams): IncrementalOracle<NexmarkEvent> {
  const startOf = (t: number) => t - (((t % p.windowSizeMs) + p.windowSizeMs) % p.windowSizeMs);
  const windows = new Map<number, { people: Map<string, { id: number; name: string }>; sellers: Set<number> }>();
  const windowAt = (t: number) => {
    const start = startOf(t);
    let w = windows.get(start);
    if (w === undefined) {
      w = { people: new Map(), sellers: new Set() };
      windows.set(start, w);
    }
    return w;
  };
  const answer = (start: number, emit: Emit): void => {
    const w = windows.get(start)!;
    windows.delete(start);
    for (const { id, name } of w.people.values()) {
      if (w.sellers.has(id)) emit({ id, name, starttime: start, endtime: start + p.windowSizeMs });
    }
  };
  return {
    push: (e) => {
      if (e.type === 'auction') windowAt(e.dateTime).sellers.add(e.seller);
      else if (e.type === 'person') {
        const people = windowAt(e.dateTime).people;
        const key = JSON.stringify([e.id, e.name]);
        if (!people.has(key)) people.set(key, { id: e.id, name: e.name });
      }
    },
    advance: (low, emit) => {
      for (const start of windows.keys()) if (start + p.windowSizeMs <= low) answer(start, emit);
    },
    end: (emit) => {
      for (const start of windows.keys()) answer(start, emit);
    },
  };
}

export const q8: Workload<NexmarkEvent, TumblingParams> = {
  id: 'nexmark/q8',
  ...nexmarkSuite,
  title: 'Monitor new users',
  description:
    'For each tumbling window (10 s by event time), the people who registered in it and opened at least one auction in the same window.',
  kind: 'windowed',
  params: TumblingParamsSchema,
  output: {
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'name', type: 'string' },
      { name: 'starttime', type: 'timestamp' },
      { name: 'endtime', type: 'timestamp' },
    ],
    dueTimeColumn: 'endtime',
  },
  reference: (events, p) => q8Reference(events, p),
  incrementalReference: (p) => q8Oracle(p),
  streaming: (p) => new Q8Streaming(p),
  partitioning: { kind: 'key', key: (e) => (e.type === 'person' ? e.id : e.type === 'auction' ? e.seller : e.bidder) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.windowSizeMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': flinkSql('q8'), 'microbatch-sql': microbatchSql('q8') },
};
