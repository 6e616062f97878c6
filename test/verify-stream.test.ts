/**
 * The streaming verifier against the array verifier, query by query, on the same records: the
 * streaming oracle gives the array oracle's answer, and the two verdicts agree when the answer is
 * right, when one record is changed, when one is dropped, and under a cut-off.
 */
import { describe, expect, it } from 'vitest';
import { type AnyWorkload, type Row, canonicalRow, compareOutputs, constantShape, scheduleTimeline, type Verdict } from '@streamscore/core';
import { AnswerDigest, MemoryHarnessTransport, runBenchmark, verifyRun, verifyStream } from '@streamscore/harness';
import { localBackend } from '@streamscore/plugin-local';
import { workloads as nexmark } from '@streamscore/workload-nexmark';
import { workloads as ysb } from '@streamscore/workload-ysb';

const EVENTS = 40_000;
// 1,000 events/s: 40 s of event time, four 10 s windows and their hops; NEXMark events shuffled in groups of 64.
const timeline = scheduleTimeline(constantShape(1_000, EVENTS / 1_000), Date.UTC(2026, 0, 1));
const generatorOptions = { outOfOrderGroupSize: 64 };

function optionsFor(w: AnyWorkload): Record<string, unknown> {
  return w.suite === 'nexmark' ? generatorOptions : {};
}

function arrayOracle(w: AnyWorkload, params: Record<string, unknown>): Row[] {
  const src = w.generator({ timeline, maxEvents: EVENTS, options: optionsFor(w) });
  const events: unknown[] = [];
  while (src.hasNext()) events.push(src.next());
  return w.reference(events, params);
}

function streamingOracle(w: AnyWorkload, params: Record<string, unknown>): Row[] {
  const rows: Row[] = [];
  const emit = (r: Row) => rows.push(r);
  const oracle = w.incrementalReference!(params);
  const src = w.generator({ timeline, maxEvents: EVENTS, options: optionsFor(w) });
  while (src.hasNext()) {
    const low = src.watermarkMs?.(src.nextEventNumber);
    if (low !== undefined) oracle.advance(low, emit);
    oracle.push(src.next(), emit);
  }
  oracle.end(emit);
  return rows;
}

/** A record changed in a value column (not its due time or key), as a faulty engine would. */
function corrupt(w: AnyWorkload, rows: Row[]): Row[] {
  const keyish = new Set([w.output.dueTimeColumn, ...(w.output.upsertKey ?? [])]);
  const col = w.output.columns.find((c) => !keyish.has(c.name) && (c.type === 'bigint' || c.type === 'decimal')) ?? w.output.columns[0]!;
  const i = Math.floor(rows.length / 2);
  return rows.map((r, j) => (j === i ? { ...r, [col.name]: Number(r[col.name]) + 1 } : r));
}

function both(w: AnyWorkload, params: Record<string, unknown>, rows: Row[], cutoffMs?: number): [Verdict, Verdict] {
  const base = { workload: w, params, timeline, eventsSent: EVENTS, generatorOptions: optionsFor(w), cutoffMs };
  const array = verifyRun({ ...base, actual: rows });
  const digest = new AnswerDigest(w.output);
  try {
    for (const r of rows) digest.add(r);
    return [array, verifyStream({ ...base, actual: digest })];
  } finally {
    digest.dispose();
  }
}

/** The verdicts agree on everything but the streaming verifier's own note; samples as sets. */
function expectSame(w: AnyWorkload, array: Verdict, stream: Verdict): void {
  const samples = (rs: Row[]) => rs.map((r) => canonicalRow(r, w.output)).sort();
  const { samples: as, notes: an, ...a } = array;
  const { samples: ss, notes: sn, ...s } = stream;
  expect(s).toEqual(a);
  expect(samples(ss.missing)).toEqual(samples(as.missing));
  expect(samples(ss.unexpected)).toEqual(samples(as.unexpected));
  expect(sn.filter((n) => !n.startsWith('verified in bounded memory'))).toEqual(an);
}

const checked = [...nexmark, ...ysb].filter((w) => w.kind !== 'processing-time');

describe('the streaming oracle', () => {
  it('exists for every query with a record-by-record answer', () => {
    expect(checked.length).toBeGreaterThanOrEqual(10);
    for (const w of checked) expect(typeof w.incrementalReference, w.id).toBe('function');
  });

  for (const w of checked) {
    it(`${w.id}: gives the array oracle's answer over shuffled events`, () => {
      const params = w.params.parse({});
      const want = arrayOracle(w, params);
      const got = streamingOracle(w, params);
      expect(want.length).toBeGreaterThan(0);
      const v = compareOutputs(want, got, w.output);
      expect(v, JSON.stringify(v.samples)).toMatchObject({ status: 'pass', matched: v.expected, unexpected: 0 });
      expect(got.length).toBe(want.length);
    });
  }
});

describe('the streaming verifier agrees with the array verifier', () => {
  for (const w of checked) {
    it(`${w.id}: right answer, one record changed, one dropped, and under a cut-off`, () => {
      const params = w.params.parse({});
      const rows = arrayOracle(w, params).reverse(); // arrival order must not matter
      const [goodA, goodS] = both(w, params, rows);
      expect(goodS.status).toBe('pass');
      expectSame(w, goodA, goodS);

      const [badA, badS] = both(w, params, corrupt(w, rows));
      expect(badS.status).toBe('fail');
      expect(badS.samples.unexpected.length).toBeGreaterThan(0);
      expectSame(w, badA, badS);

      const [dropA, dropS] = both(w, params, rows.slice(1));
      expect(dropS.status).toBe('fail');
      expect(dropS.missing).toBe(1);
      expectSame(w, dropA, dropS);

      // A cut-off inside a bucket: the records due after it are not judged on either side.
      const cutoff = Date.UTC(2026, 0, 1) + 25_500;
      const [cutA, cutS] = both(w, params, rows.slice(1), cutoff);
      expectSame(w, cutA, cutS);
    });
  }
});

describe('the streaming verifier when it cannot be exact', () => {
  const q0 = nexmark.find((w) => w.id === 'nexmark/q0')!;
  const params = q0.params.parse({});

  it('an event earlier than the oracle was told had passed is an oracle failure, never a silent difference', () => {
    // A generator without its own bound whose disorder (10 s back) exceeds the declared watermark delay (4 s).
    const jumpy: AnyWorkload = {
      ...q0,
      generator: (req) => {
        const src = q0.generator(req);
        let n = 0;
        return {
          get nextEventNumber() {
            return src.nextEventNumber;
          },
          hasNext: () => src.hasNext(),
          dueTimeMs: (k) => src.dueTimeMs(k),
          next: () => {
            const e = src.next() as { dateTime: number };
            return n++ === 30_000 ? { ...e, dateTime: e.dateTime - 10_000 } : e;
          },
        };
      },
    };
    const digest = new AnswerDigest(q0.output);
    try {
      const v = verifyStream({ workload: jumpy, params, timeline, eventsSent: EVENTS, generatorOptions: {}, actual: digest, cutoffMs: undefined });
      expect(v.status).toBe('fail');
      expect(v.notes.join(' ')).toMatch(/oracle failed: event 30000 has event time .* watermark delay \(4000 ms\)/);
    } finally {
      digest.dispose();
    }
  });

  it('beyond its record-by-record limit it gives lower bounds and says so', () => {
    const rows = arrayOracle(q0, params);
    const digest = new AnswerDigest(q0.output);
    try {
      // Every record of the first 10 s changed: ten 1 s buckets differ, each of 920 expected and
      // 920 actual records, so the limit of 4,000 compares two of them record by record.
      for (const r of rows) digest.add(Number(r['dateTime']) < Date.UTC(2026, 0, 1) + 10_000 ? { ...r, price: Number(r['price']) + 1 } : r);
      const v = verifyStream({ workload: q0, params, timeline, eventsSent: EVENTS, generatorOptions, actual: digest, cutoffMs: undefined, resolveLimit: 4_000 });
      expect(v.status).toBe('fail');
      const changed = rows.filter((r) => Number(r['dateTime']) < Date.UTC(2026, 0, 1) + 10_000).length;
      expect(changed).toBe(9_200);
      // Two buckets are exact (all 920 of each wrong); the other eight count one changed record each at least.
      expect([v.missing, v.unexpected]).toEqual([2 * 920 + 8, 2 * 920 + 8]);
      expect(v.matched).toBe(rows.length - changed);
      expect(v.notes.join(' ')).toMatch(/8 differing bucket\(s\) held more records than the 4,000 compared record by record: .* lower bounds/);
      expect(v.delivery).toBeUndefined();
    } finally {
      digest.dispose();
    }
  });
});

/** The in-process transport, changing the price of the 1,000th answer when asked (a faulty engine). */
class TamperingTransport extends MemoryHarnessTransport {
  private seen = 0;
  constructor(private readonly tamper: boolean) {
    super();
  }
  override drain(visit: (row: Row, arrivalMs: number) => void): void {
    super.drain((row, at) => visit(this.tamper && ++this.seen === 1_000 ? { ...row, price: Number(row['price']) + 1 } : row, at));
  }
}

describe('a run is verified by the streaming verifier', () => {
  const q0 = nexmark.find((w) => w.id === 'nexmark/q0')!;
  const run = (tamper: boolean) =>
    runBenchmark({ backend: localBackend, workload: q0, target: 'local', rate: 5_000, durationS: 2, transport: new TamperingTransport(tamper), toolVersion: 'test' });

  it('nexmark/q0 on the local backend: a right answer passes, one changed answer fails, with the record shown', async () => {
    const good = await run(false);
    expect(good.verdict.status).toBe('pass');
    expect(good.verdict.expected).toBeGreaterThan(5_000);
    expect(good.verdict.notes.join(' ')).toMatch(/verified in bounded memory: \d+ due-time bucket\(s\) of 1000 ms compared by digest, 0 differed/);

    const bad = await run(true);
    expect([bad.verdict.status, bad.verdict.missing, bad.verdict.unexpected]).toEqual(['fail', 1, 1]);
    expect(bad.verdict.samples.unexpected).toHaveLength(1);
    expect(bad.verdict.samples.missing[0]!['price']).toBe(Number(bad.verdict.samples.unexpected[0]!['price']) - 1);
  }, 60_000);
});
