import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnsweredQuery, AnyWorkload, Row, Timeline } from '@streamscore/core';
import { compareWithTrueQuery } from './semantics.js';

/**
 * A hand-worked case. Event n has event time n × 100 ms (so epochs of 1 s hold ten events each).
 * True query: for every odd n, the pair (n, n+1) — rows {first: n, dateTime: (n+1) × 100}.
 * Answered query ("within an epoch"): only pairs whose two events share an epoch, so (9, 10),
 * (19, 20), … are never given.
 */
interface Ev {
  n: number;
  t: number;
}
const timeline: Timeline = { timestampMs: (n) => n * 100, describe: () => ({ kind: 'fixed-rate', baseTimeMs: 0, interEventDelayUs: 100_000 }) };
const pairs = (events: readonly Ev[]): Row[] => {
  const byN = new Map(events.map((e) => [e.n, e]));
  return events.filter((e) => e.n % 2 === 1 && byN.has(e.n + 1)).map((e) => ({ first: e.n, dateTime: (e.n + 1) * 100 }));
};
const trueQuery = {
  id: 'test/pairs',
  suite: 'test',
  title: 'pairs',
  description: 'odd n with n + 1',
  kind: 'per-event',
  params: z.object({}),
  output: { columns: [{ name: 'first', type: 'bigint' }, { name: 'dateTime', type: 'timestamp' }], dueTimeColumn: 'dateTime' },
  eventTime: (e: Ev) => e.t,
  generator: (req: { maxEvents?: number; timeline?: Timeline }) => {
    let n = 0;
    return { get nextEventNumber() { return n; }, hasNext: () => n < (req.maxEvents ?? 0), next: () => ({ n: n, t: timeline.timestampMs(n++) }), dueTimeMs: (k: number) => timeline.timestampMs(k) };
  },
  reference: (events: readonly Ev[]) => pairs(events),
  streaming: () => ({ onEvent() {}, onWatermark() {} }),
  partitioning: { kind: 'any' },
  timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
  module: import.meta.url,
} as unknown as AnyWorkload;

const answered: AnsweredQuery = {
  name: 'within-epoch',
  description: 'pairs within one second',
  workload: {
    ...trueQuery,
    kind: 'windowed',
    output: { columns: [{ name: 'first', type: 'bigint' }, { name: 'dateTime', type: 'timestamp' }, { name: 'epoch_end', type: 'timestamp' }], dueTimeColumn: 'epoch_end' },
  },
  asTrueRows: (rows) => rows.map(({ epoch_end: _e, ...r }) => r),
  answeredBeforeMs: (cutoffMs) => cutoffMs - (cutoffMs % 1000),
};

/** What a correct within-epoch engine gives for events 0 … n−1. */
function epochAnswers(n: number): Row[] {
  const rows: Row[] = [];
  for (let i = 1; i + 1 < n; i += 2) if (Math.floor(i / 10) === Math.floor((i + 1) / 10)) rows.push({ first: i, dateTime: (i + 1) * 100, epoch_end: (Math.floor(i / 10) + 1) * 1000 });
  return rows;
}

describe('compareWithTrueQuery', () => {
  it('counts the true answers an epoch-scoped engine missed (hand-worked: 3 s of events, cut-off at 3.25 s)', () => {
    // 35 events (0 … 3.4 s); cut-off 3,250 ms → epochs ending by then: the first three (before 3,000).
    // True pairs over events 0 … 29: (1,2) … (29,30)? 30 is not before 3,000, so 14 pairs (1 … 27).
    // The epoch engine gives those not straddling 1 s or 2 s: (9,10) and (19,20) missed → 12.
    const s = compareWithTrueQuery({ answered, workload: trueQuery, params: {}, timeline, eventsSent: 35, generatorOptions: {}, actual: epochAnswers(35), cutoffMs: 3250 });
    expect(s.trueQuery).toEqual({ expected: 14, matched: 12, missing: 2, wrong: 0, beforeMs: 3000, method: 'multiset' });
  });

  it('a wrong answer counts as wrong, and answers of epochs after the cut-off are left out', () => {
    const given = [...epochAnswers(35), { first: 3, dateTime: 999, epoch_end: 1000 }];
    const s = compareWithTrueQuery({ answered, workload: trueQuery, params: {}, timeline, eventsSent: 35, generatorOptions: {}, actual: given, cutoffMs: 3250 });
    expect(s.trueQuery).toMatchObject({ expected: 14, matched: 12, missing: 2, wrong: 1 });
  });

  it('by final state for an updating query: a key given a wrong value is wrong, a key never given is missed', () => {
    // True query: per key n % 3, the largest n (events 0 … 29 before the 3 s cut-off): 27, 28, 29.
    const latest = {
      ...trueQuery,
      kind: 'updating',
      output: { columns: [{ name: 'k', type: 'bigint' }, { name: 'last', type: 'bigint' }], dueTimeColumn: 'last', upsertKey: ['k'] },
      reference: (events: readonly Ev[]) => [0, 1, 2].map((k) => ({ k, last: Math.max(...events.filter((e) => e.n % 3 === k).map((e) => e.n)) })),
    } as unknown as AnyWorkload;
    const a: AnsweredQuery = { ...answered, workload: { ...latest, kind: 'windowed', output: { ...latest.output, dueTimeColumn: 'epoch_end', columns: [...latest.output.columns, { name: 'epoch_end', type: 'timestamp' }] } } };
    // Key 0 right (27, its last row wins over an earlier one), key 1 wrong (25), key 2 never given.
    const given = [{ k: 0, last: 3, epoch_end: 1000 }, { k: 0, last: 27, epoch_end: 3000 }, { k: 1, last: 25, epoch_end: 3000 }];
    const s = compareWithTrueQuery({ answered: a, workload: latest, params: {}, timeline, eventsSent: 35, generatorOptions: {}, actual: given, cutoffMs: 3250 });
    expect(s.trueQuery).toEqual({ expected: 3, matched: 1, missing: 1, wrong: 1, beforeMs: 3000, method: 'final-state' });
  });

  it('says why there is no comparison when the answers were not kept', () => {
    const s = compareWithTrueQuery({ answered, workload: trueQuery, params: {}, timeline, eventsSent: 35, generatorOptions: {}, actual: undefined, cutoffMs: 3250 });
    expect(s.trueQuery).toBeUndefined();
    expect(s.note).toMatch(/did not keep its answers/);
  });
});
