import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AnyWorkload, Row } from '@streamscore/core';
import { workloads as nexmark } from '@streamscore/workload-nexmark';
import { workloads as ysb } from '@streamscore/workload-ysb';

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-verify-'));
const EVENTS = 20_000;

function verify(workload: string, file: string) {
  const r = spawnSync(process.execPath, [BIN, 'verify', '--workload', workload, '--results', file, '--events', String(EVENTS), '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, verdict: JSON.parse(r.stdout) as { status: string; missing: number; unexpected: number } };
}

function write(name: string, rows: Row[]): string {
  const f = join(tmp, name);
  writeFileSync(f, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
  return f;
}

/** The answer a correct engine gives: the oracle over the events `generate` writes. */
function expectedRows(w: AnyWorkload): Row[] {
  const src = w.generator({ maxEvents: EVENTS, options: {} });
  const events: unknown[] = [];
  while (src.hasNext()) events.push(src.next());
  const params = w.params.parse({});
  if (w.kind !== 'processing-time') return w.reference(events, params);
  // Processing-time windows have no record-by-record answer: take what the streaming
  // implementation emits when every event falls in one processing-time window.
  const rows: Row[] = [];
  const q = w.streaming(params);
  for (const e of events) q.onEvent(e, (r) => rows.push(r));
  q.onProcessingTime?.(Date.now() + 3_600_000, (r) => rows.push(r));
  q.onEnd?.((r) => rows.push(r));
  return rows;
}

/** Corrupts one record the way a faulty engine would: a changed value in a non-key column. */
function corrupt(w: AnyWorkload, rows: Row[]): Row[] {
  const keyish = new Set([w.output.dueTimeColumn, ...(w.output.upsertKey ?? [])]);
  const col = w.output.columns.find((c) => !keyish.has(c.name) && (c.type === 'bigint' || c.type === 'decimal')) ?? w.output.columns[0]!;
  const i = Math.floor(rows.length / 2);
  const changed = { ...rows[i]!, [col.name]: Number(rows[i]![col.name]) + 1 };
  return [...rows.slice(0, i), changed, ...rows.slice(i + 1)];
}

describe('streamscore verify', () => {
  for (const w of [...nexmark, ...ysb]) {
    it(`${w.id}: passes the oracle's own answer and catches a corrupted one`, () => {
      const rows = expectedRows(w);
      expect(rows.length).toBeGreaterThan(0);
      const good = verify(w.id, write(`${w.id.replace('/', '-')}.jsonl`, rows));
      expect(good.verdict.status).toBe('pass');
      expect(good.code).toBe(0);

      const bad = verify(w.id, write(`${w.id.replace('/', '-')}-bad.jsonl`, corrupt(w, rows)));
      expect(bad.verdict.status).toBe('fail');
      expect(bad.code).toBe(1);

      // A dropped record (the last one) is caught too.
      if (rows.length > 1) {
        const dropped = verify(w.id, write(`${w.id.replace('/', '-')}-drop.jsonl`, rows.slice(0, -1)));
        expect(dropped.verdict.status).toBe('fail');
      }
    });
  }
});
