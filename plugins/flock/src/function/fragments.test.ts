import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { Arena } from './arena.js';
import { HashRing } from './hashring.js';
import { decodeTable, fragmentWindow, learnSchemas, type EventRow, type FragmentPayload } from './payload.js';
import { buildTemplate } from './bundle.js';
import { encodeContext } from './context.js';
import { frameRows } from './sink.js';
import { renderSql } from './sql.js';
import { LocalLambdaService } from '../lambda-local/server.js';
// Core's framing reader, from its sources (core's index does not export the kinesis module yet).
import { unpackRecord } from '@streamscore/kinesis';

function bids(n: number, start = 0): EventRow[] {
  return Array.from({ length: n }, (_, k) => {
    const i = start + k;
    return { type: 'bid', auction: 1000 + (i % 11), bidder: 5000 + (i % 101), price: 100 + ((i * 37) % 1000), dateTime: 1_700_000_000_000 + i, extra: `e${i % 1000}`.padEnd(40, '.') };
  });
}

function shuffle<T>(a: T[], seed = 7): T[] {
  const out = [...a];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

const WINDOW = { id: 'w1700000000000', start: 1_700_000_000_000, end: 1_700_000_010_000 };

describe('fragmenting', () => {
  it('splits a window larger than one payload into fragments that each fit, rows in order', () => {
    const rows = bids(30_000);
    const schemas = learnSchemas({}, rows);
    const frags = fragmentWindow(WINDOW, rows, { maxBytes: 64 * 1024, schemas });
    expect(frags.length).toBeGreaterThan(5);
    for (const f of frags) {
      expect(JSON.stringify(f).length).toBeLessThanOrEqual(64 * 1024);
      expect(f.count).toBe(frags.length);
      expect(f.window).toEqual(WINDOW);
    }
    expect(frags.map((f) => f.seq)).toEqual(frags.map((_, i) => i));
    const back = frags.flatMap((f) => {
      const t = decodeTable(f.tables['bid']!);
      return Array.from({ length: t.rowCount }, (_, i) => t.columns['bidder']![i]);
    });
    expect(back).toEqual(rows.map((r) => r['bidder']));
  });

  it('the arena completes a window once, whatever the order, and drops duplicates and late copies', () => {
    const rows = bids(5_000);
    const frags = fragmentWindow(WINDOW, rows, { maxBytes: 16 * 1024, schemas: learnSchemas({}, rows) });
    const arena = new Arena();
    const deliveries: FragmentPayload[] = shuffle([...frags, ...frags.slice(0, 3), frags[frags.length - 1]!]);
    const statuses = deliveries.map((f) => arena.add(f).status);
    expect(statuses.filter((s) => s === 'complete')).toHaveLength(1);
    expect(statuses.filter((s) => s === 'duplicate' || s === 'late')).toHaveLength(4);
    expect(arena.add(frags[0]!).status).toBe('late');
    expect(arena.pendingWindows).toBe(0);
  });

  it('a consistent hash sends every fragment of a window to one member and moves few windows on resize', () => {
    const ring4 = new HashRing(['m0', 'm1', 'm2', 'm3']);
    const ring5 = new HashRing(['m0', 'm1', 'm2', 'm3', 'm4']);
    const ids = Array.from({ length: 2000 }, (_, i) => `w${i * 1000}`);
    const counts = new Map<string, number>();
    for (const id of ids) counts.set(ring4.get(id), (counts.get(ring4.get(id)) ?? 0) + 1);
    for (const c of counts.values()) expect(c).toBeGreaterThan(300);
    const moved = ids.filter((id) => ring4.get(id) !== ring5.get(id)).length;
    expect(moved / ids.length).toBeLessThan(0.35);
    expect(ids.every((id) => ring4.get(id) === ring4.get(id))).toBe(true);
  });

  it('frames output rows so core reads them back', () => {
    const rows = Array.from({ length: 3000 }, (_, i) => ({ auction: i, num: i * 2, s: 'x'.repeat(i % 50) }));
    const recs = frameRows(rows);
    expect(recs.length).toBeGreaterThan(1);
    expect(recs.flatMap((r) => unpackRecord(r))).toEqual(rows);
  });

  it('renders parameters and leaves the window placeholders for the function', () => {
    const t = 'SELECT ${WINDOW_END} AS e, ${n} AS n, ${interval:sizeMs} AS i FROM bid';
    const once = renderSql(t, { n: 3, sizeMs: 2500 }, {}, ['WINDOW_END']);
    expect(once).toBe("SELECT ${WINDOW_END} AS e, 3 AS n, INTERVAL '2.5' SECOND AS i FROM bid");
    expect(renderSql(once, {}, { WINDOW_END: 10 })).toBe("SELECT 10 AS e, 3 AS n, INTERVAL '2.5' SECOND AS i FROM bid");
  });
});

describe('the function template on the local Lambda service', () => {
  let svc: LocalLambdaService;
  const SQL = 'SELECT auction, count(*) AS num, sum(price) AS total, ${WINDOW_END} AS window_end FROM bid GROUP BY auction ORDER BY auction';

  beforeAll(async () => {
    const nm = dirname(dirname(dirname(createRequire(import.meta.url).resolve('@duckdb/node-api/package.json'))));
    svc = await new LocalLambdaService({ layerNodeModules: nm }).start();
    const pkg = await buildTemplate();
    const ctx = encodeContext({ v: 1, runId: 't', query: 'test', stage: 'window-aggregate', sql: SQL, group: { name: 'g', size: 1, index: 0 }, next: { kind: 'return' } });
    const r = await fetch(`${svc.endpoint}/2015-03-31/functions`, {
      method: 'POST',
      body: JSON.stringify({ FunctionName: 'agg', Role: 'arn:aws:iam::0:role/x', Runtime: pkg.runtime, Handler: pkg.handler, Code: { ZipFile: pkg.zip.toString('base64') }, MemorySize: 1024, Timeout: 60, Environment: { Variables: { FLOCK_CONTEXT: ctx } } }),
    });
    expect(r.status).toBe(201);
  });
  afterAll(async () => {
    await svc.stop();
  });

  async function send(f: FragmentPayload): Promise<Record<string, any>> {
    const r = await fetch(`${svc.endpoint}/2015-03-31/functions/agg/invocations`, { method: 'POST', body: JSON.stringify(f) });
    expect(r.headers.get('x-amz-function-error')).toBeNull();
    return (await r.json()) as Record<string, any>;
  }

  function expected(rows: EventRow[]) {
    const m = new Map<number, { num: number; total: number }>();
    for (const r of rows) {
      const a = r['auction'] as number;
      const e = m.get(a) ?? { num: 0, total: 0 };
      e.num++;
      e.total += r['price'] as number;
      m.set(a, e);
    }
    return [...m.entries()].sort((a, b) => a[0] - b[0]).map(([auction, e]) => ({ auction, num: e.num, total: e.total, window_end: WINDOW.end }));
  }

  it('a window larger than one payload arrives whole — shuffled, with duplicates — and is aggregated once', async () => {
    const rows = bids(40_000);
    const frags = fragmentWindow({ ...WINDOW, id: 'big' }, rows, { maxBytes: 48 * 1024, schemas: learnSchemas({}, rows) });
    expect(frags.length).toBeGreaterThan(8);
    const order = shuffle([...frags, frags[2]!, frags[5]!], 11);
    const answers = [];
    for (const f of order) answers.push(await send(f));
    const complete = answers.filter((a) => a['status'] === 'complete');
    expect(complete).toHaveLength(1);
    expect(answers.filter((a) => a['status'] === 'duplicate' || a['status'] === 'late')).toHaveLength(2);
    expect(complete[0]!['output']).toEqual(expected(rows));
    // A redelivery after completion is dropped too.
    expect((await send(frags[0]!))['status']).toBe('late');
  });

  it('several windows interleaved on one member stay apart', async () => {
    const a = bids(3000, 0);
    const b = bids(2000, 77);
    const schemas = learnSchemas({}, a);
    const fa = fragmentWindow({ ...WINDOW, id: 'A' }, a, { maxBytes: 16 * 1024, schemas });
    const fb = fragmentWindow({ ...WINDOW, id: 'B' }, b, { maxBytes: 16 * 1024, schemas });
    const out: Record<string, unknown> = {};
    for (const f of shuffle([...fa, ...fb], 3)) {
      const r = await send(f);
      if (r['status'] === 'complete') out[r['window']] = r['output'];
    }
    expect(out['A']).toEqual(expected(a));
    expect(out['B']).toEqual(expected(b));
  });
});
