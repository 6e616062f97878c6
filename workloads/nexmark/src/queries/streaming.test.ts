/**
 * Every streaming implementation against its oracle on generated NEXMark events (Beam's
 * generator, the suite's standard configuration), in order and with out-of-order groups, fed the
 * way the local engine feeds them; and proof that the checker catches a corrupted answer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { canonicalRow, compareOutputs, type AnyWorkload, type Row } from '@streamscore/core';
import { driveStreaming } from '@streamscore/streaming';
import { STANDARD_NEXMARK_CONFIG, generateEvents, type NexmarkConfigInput } from '../generator/index.js';
import type { NexmarkEvent } from './common.js';
import { workloads } from '../workload.js';

interface Stream {
  name: string;
  config: NexmarkConfigInput;
  count: number;
  events: NexmarkEvent[];
}

/*
 * Standard configuration (Beam's defaults, one generator): 10,000 events/s of event time. The
 * second stream slows event time to 2,000 events/s so that 150,000 events span 75 s (many
 * windows and sessions) and shuffles groups of 64 events (Beam's outOfOrderGroupSize): 32 ms of
 * disorder, far below the 4 s watermark delay, so nothing is late.
 */
const streams: Stream[] = [
  { name: 'standard, in order', config: { ...STANDARD_NEXMARK_CONFIG }, count: 100_000, events: [] },
  {
    name: '2,000 events/s, out-of-order groups of 64',
    config: { ...STANDARD_NEXMARK_CONFIG, firstEventRate: 2_000, nextEventRate: 2_000, outOfOrderGroupSize: 64 },
    count: 150_000,
    events: [],
  },
];

beforeAll(() => {
  for (const s of streams) s.events = generateEvents(s.config, s.count);
});

function run(w: AnyWorkload, events: readonly NexmarkEvent[]) {
  const p = w.params.parse({});
  const actual = driveStreaming(w.streaming(p), events, { eventTime: w.eventTime, watermarkDelayMs: w.timing(p).watermarkDelayMs, batchSize: 1000 });
  const expected = w.reference(events, p);
  return { p, actual, expected };
}

const checked = workloads.filter((w) => w.kind !== 'processing-time');

describe.each(streams.map((s) => [s.name, s] as const))('streaming = oracle (%s)', (_name, stream) => {
  it.each(checked.map((w) => [w.id, w] as const))('%s', (_id, w) => {
    const { actual, expected } = run(w, stream.events);
    const verdict = compareOutputs(expected, actual, w.output);
    expect(verdict.status, JSON.stringify({ ...verdict, samples: verdict.samples })).toBe('pass');
    expect(verdict.expected).toBeGreaterThan(0);
  });
});

describe('the checker catches a corrupted answer', () => {
  /** Changes one value of a row in a way no correct answer could. */
  function changed(row: Row, w: AnyWorkload): Row {
    const key = new Set(w.output.upsertKey ?? []);
    const col = w.output.columns.find((c) => !key.has(c.name) && c.name !== w.output.dueTimeColumn && c.type !== 'timestamp') ?? w.output.columns[0]!;
    const v = row[col.name];
    return { ...row, [col.name]: typeof v === 'number' ? v + 1 : `${String(v)}~` };
  }

  it.each(checked.map((w) => [w.id, w] as const))('%s: dropped, changed and duplicated records fail', (_id, w) => {
    const stream = streams[1]!;
    const { actual, expected } = run(w, stream.events);
    expect(compareOutputs(expected, actual, w.output).status).toBe('pass');
    const last = actual.length - 1;
    const dropped = actual.filter((_, i) => i !== last);
    const altered = actual.map((r, i) => (i === last ? changed(r, w) : r));
    let duplicated: Row[];
    if (w.output.upsertKey) {
      // An upsert stream shrugs off a repeat of a key's latest value; a superseded value replayed last is wrong.
      const keyOf = (r: Row) => w.output.upsertKey!.map((c) => String(r[c])).join('|');
      const latest = new Map<string, Row>();
      for (const r of actual) latest.set(keyOf(r), r);
      const stale = actual.find((r) => canonicalRow(r, w.output) !== canonicalRow(latest.get(keyOf(r))!, w.output));
      expect(stale, 'a key updated more than once').toBeDefined();
      duplicated = [...actual, stale!];
    } else {
      duplicated = [...actual, actual[0]!];
    }
    for (const [what, rows] of [
      ['dropped', dropped],
      ['changed', altered],
      ['duplicated', duplicated],
    ] as const) {
      const verdict = compareOutputs(expected, rows, w.output);
      expect(verdict.status, what).toBe('fail');
      expect(verdict.missing + verdict.unexpected, what).toBeGreaterThan(0);
    }
  });

  it('nexmark/q12: lost, changed and duplicated windows fail the invariants', () => {
    const w = workloads.find((x) => x.id === 'nexmark/q12')!;
    const p = w.params.parse({});
    const events = streams[0]!.events;
    // Processing time advancing 1 s per 1000 events.
    const q = w.streaming(p);
    const rows: Row[] = [];
    const emit = (r: Row) => rows.push(r);
    const base = 1_700_000_000_000;
    events.forEach((e, i) => {
      if (i % 1000 === 0) q.onProcessingTime!(base + i, emit);
      q.onEvent(e, emit);
    });
    q.onEnd!(emit);
    expect(w.checkInvariants!(events, rows, p).status).toBe('pass');
    const i = rows.length >> 1;
    expect(w.checkInvariants!(events, rows.filter((_, k) => k !== i), p).status).toBe('fail');
    expect(w.checkInvariants!(events, rows.map((r, k) => (k === i ? { ...r, bid_count: Number(r['bid_count']) + 1 } : r)), p).status).toBe('fail');
    expect(w.checkInvariants!(events, [...rows, rows[i]!], p).status).toBe('fail');
  });
});
