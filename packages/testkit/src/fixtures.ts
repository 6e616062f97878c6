import { z } from 'zod';
import type { AnyWorkload, Emit, EventSource, GeneratorRequest, Row, StreamingQuery, Workload } from '@streamscore/core';

/**
 * Two tiny workloads for testing a backend before a real suite is at hand, and for the kit's own
 * tests: `pulse/echo` (per event) and `pulse/sum` (a tumbling-window sum per key). Events are
 * `{ n, key, value, dateTime }`; both queries carry an oracle, a streaming implementation for the
 * local engine, and micro-batch SQL over a table `events` (see docs/plugins.md).
 */
export interface Pulse {
  n: number;
  key: number;
  value: number;
  dateTime: number;
}

const KEYS = 4;
const DEFAULT_BASE_MS = Date.UTC(2015, 6, 15);

function pulseAt(n: number, dateTime: number): Pulse {
  return { n, key: n % KEYS, value: (n * 7919) % 1000, dateTime };
}

function generator(request: GeneratorRequest): EventSource<Pulse> {
  const timeline = request.timeline;
  const at = (n: number) => (timeline ? timeline.timestampMs(n) : DEFAULT_BASE_MS + n);
  let next = request.firstEventNumber ?? 0;
  const end = request.maxEvents === undefined ? Number.POSITIVE_INFINITY : next + request.maxEvents;
  return {
    get nextEventNumber() {
      return next;
    },
    hasNext: () => next < end,
    next: () => {
      const e = pulseAt(next, at(next));
      next++;
      return e;
    },
    dueTimeMs: at,
  };
}

const moduleUrl = import.meta.url;

const EchoParams = z.object({});
type EchoParams = z.infer<typeof EchoParams>;

const echo: Workload<Pulse, EchoParams> = {
  id: 'pulse/echo',
  suite: 'pulse',
  title: 'every event, as it is',
  description: 'Emits every event unchanged: the smallest per-event query.',
  kind: 'per-event',
  params: EchoParams,
  output: {
    columns: [
      { name: 'n', type: 'bigint' },
      { name: 'key', type: 'bigint' },
      { name: 'value', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
    ],
    dueTimeColumn: 'dateTime',
  },
  eventTime: (e) => e.dateTime,
  generator,
  reference: (events) => events.map((e) => ({ n: e.n, key: e.key, value: e.value, dateTime: e.dateTime })),
  streaming: (): StreamingQuery<Pulse> => ({
    onEvent: (e, emit) => emit({ n: e.n, key: e.key, value: e.value, dateTime: e.dateTime }),
    onWatermark: () => {},
  }),
  partitioning: { kind: 'any' },
  timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
  sql: { 'microbatch-sql': 'SELECT n, key, value, dateTime FROM events' },
  module: moduleUrl,
};

const SumParams = z.object({ windowMs: z.number().int().positive().default(1000) });
type SumParams = z.infer<typeof SumParams>;

function windowSums(events: readonly Pulse[], windowMs: number): Map<number, Map<number, { total: number; count: number }>> {
  const windows = new Map<number, Map<number, { total: number; count: number }>>();
  for (const e of events) {
    const end = Math.floor(e.dateTime / windowMs) * windowMs + windowMs;
    let keys = windows.get(end);
    if (!keys) windows.set(end, (keys = new Map()));
    const acc = keys.get(e.key) ?? { total: 0, count: 0 };
    acc.total += e.value;
    acc.count++;
    keys.set(e.key, acc);
  }
  return windows;
}

function emitWindow(end: number, keys: Map<number, { total: number; count: number }>, emit: Emit): void {
  for (const [key, acc] of keys) emit({ key, total: acc.total, count: acc.count, windowEnd: end });
}

const sum: Workload<Pulse, SumParams> = {
  id: 'pulse/sum',
  suite: 'pulse',
  title: 'sum of values per key per window',
  description: 'Tumbling event-time windows of windowMs: the sum and count of values per key.',
  kind: 'windowed',
  params: SumParams,
  output: {
    columns: [
      { name: 'key', type: 'bigint' },
      { name: 'total', type: 'bigint' },
      { name: 'count', type: 'bigint' },
      { name: 'windowEnd', type: 'timestamp' },
    ],
    dueTimeColumn: 'windowEnd',
  },
  eventTime: (e) => e.dateTime,
  generator,
  reference: (events, p) => {
    const rows: Row[] = [];
    for (const [end, keys] of windowSums(events, p.windowMs)) emitWindow(end, keys, (r) => rows.push(r));
    return rows;
  },
  streaming: (p): StreamingQuery<Pulse> => {
    const open = new Map<number, Map<number, { total: number; count: number }>>();
    const fire = (upTo: number, emit: Emit) => {
      for (const end of [...open.keys()].sort((a, b) => a - b)) {
        if (end > upTo) break;
        emitWindow(end, open.get(end)!, emit);
        open.delete(end);
      }
    };
    return {
      onEvent: (e) => {
        for (const [end, keys] of windowSums([e], p.windowMs)) {
          let mine = open.get(end);
          if (!mine) open.set(end, (mine = new Map()));
          for (const [key, acc] of keys) {
            const cur = mine.get(key) ?? { total: 0, count: 0 };
            mine.set(key, { total: cur.total + acc.total, count: cur.count + acc.count });
          }
        }
      },
      onWatermark: (wm, emit) => fire(wm, emit),
      onEnd: (emit) => fire(Number.POSITIVE_INFINITY, emit),
    };
  },
  partitioning: { kind: 'key', key: (e) => e.key },
  timing: (p) => ({ watermarkDelayMs: 0, horizonMs: p.windowMs }),
  sql: {
    'microbatch-sql':
      'SELECT key, SUM(value) AS total, COUNT(*) AS count, ${WINDOW_END} AS windowEnd FROM events ' +
      'WHERE dateTime >= ${WINDOW_START} AND dateTime < ${WINDOW_END} GROUP BY key',
  },
  module: moduleUrl,
};

/** The pulse workloads, in the shape the registry holds them. */
export const pulseWorkloads: AnyWorkload[] = [echo as unknown as AnyWorkload, sum as unknown as AnyWorkload];

/** Exported under this name so the local engine's worker threads can load the module. */
export const workloads = pulseWorkloads;
