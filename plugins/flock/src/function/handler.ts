import { performance } from 'node:perf_hooks';
import { Arena } from './arena.js';
import { CONTEXT_ENV, decodeContext, type FlockContext } from './context.js';
import { preloadEngine, runStage } from './engine.js';
import { decodeTable, isFragment, type DecodedTable, type FragmentPayload, type FragmentResponse } from './payload.js';
import { putRows } from './sink.js';
import { renderSql } from './sql.js';

/**
 * The function template: the one handler every flock function is created from. Its stage, SQL,
 * group and next hop come from FLOCK_CONTEXT. Per invocation it receives one fragment:
 *
 * - per-event stage: runs the SQL over the fragment at once and sends the rows on;
 * - window-aggregate stage (a group member, reserved concurrency 1): keeps the fragment in its
 *   arena until every fragment of the window has arrived, then runs the SQL over the whole
 *   window once and sends the rows on. Duplicates and fragments of finished windows are dropped.
 */

let ctx: FlockContext | undefined;
const arena = new Arena();

function context(): FlockContext {
  if (!ctx) {
    const raw = process.env[CONTEXT_ENV];
    if (!raw) throw new Error(`${CONTEXT_ENV} is not set: this function was not created by the flock backend`);
    ctx = decodeContext(raw);
  }
  return ctx;
}

// INIT: decode the context and load the engine once per execution environment.
try {
  if (process.env[CONTEXT_ENV]) context();
  preloadEngine();
} catch {
  // Reported on the first invocation instead.
}

async function runWindow(c: FlockContext, fragments: FragmentPayload[]): Promise<{ rows: Record<string, unknown>[]; queryMs: number }> {
  const first = fragments[0]!;
  const parts: Record<string, DecodedTable[]> = {};
  for (const f of fragments) for (const [t, b64] of Object.entries(f.tables)) (parts[t] ??= []).push(decodeTable(b64));
  // Static tables (YSB's campaigns) come once per window, with its first fragment.
  const statics = fragments.find((f) => f.statics)?.statics ?? {};
  for (const [t, b64] of Object.entries(statics)) parts[t] = [decodeTable(b64)];
  const sql = renderSql(c.sql, {}, { WINDOW_START: first.window.start, WINDOW_END: first.window.end, WINDOW_ID: `'${first.window.id.replace(/'/g, "''")}'`, ...first.vars });
  const t0 = performance.now();
  const rows = await runStage(first.schemas, parts, sql);
  return { rows, queryMs: performance.now() - t0 };
}

async function deliver(c: FlockContext, rows: Record<string, unknown>[], windowId: string): Promise<Record<string, unknown>[] | undefined> {
  if (c.next.kind === 'return') return rows;
  if (c.next.kind === 'kinesis') {
    await putRows(c.next, rows, windowId);
    return undefined;
  }
  throw new Error(`next hop ${c.next.kind} is not implemented (every query here has one stage after the source)`);
}

export async function handler(event: unknown): Promise<FragmentResponse> {
  const c = context();
  if (!isFragment(event)) throw new Error('expected a flock fragment payload');
  const id = event.window.id;
  if (c.stage === 'per-event') {
    const { rows, queryMs } = await runWindow(c, [event]);
    const output = await deliver(c, rows, id);
    return { status: 'complete', window: id, have: 1, count: 1, rows: rows.length, queryMs, ...(output ? { output } : {}) };
  }
  const r = arena.add(event);
  if (r.status !== 'complete') {
    if (r.status === 'duplicate' || r.status === 'late') console.log(`dropped ${r.status} fragment ${event.seq}/${event.count} of window ${id}`);
    return { status: r.status, window: id, have: r.have, count: r.count };
  }
  const { rows, queryMs } = await runWindow(c, r.fragments);
  const output = await deliver(c, rows, id);
  console.log(`window ${id}: ${r.count} fragment(s), ${r.fragments.reduce((s, f) => s + f.rows, 0)} rows in, ${rows.length} out, query ${queryMs.toFixed(1)} ms`);
  return { status: 'complete', window: id, have: r.count, count: r.count, rows: rows.length, queryMs, ...(output ? { output } : {}) };
}
