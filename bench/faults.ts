import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AnyWorkload, type Backend, type FaultSpec, type Result, writeResult } from '@streamscore/core';
import { harnessTransportFor, parseFaultFlag, runBenchmark, WIRE_FAULTS } from '@streamscore/harness';
import * as nexmark from '@streamscore/workload-nexmark';
import { flinkBackend } from '@streamscore/plugin-flink';
import { flockBackend } from '@streamscore/plugin-flock';
import type { BenchRow } from './types.js';

/**
 * Recovery under faults on this machine (`npm run bench -- faults`), q5 and q11 at a rate both
 * local targets sustain (BENCH_FAULTS_RATE, default 1,000 events/s), BENCH_FAULTS_DURATION s
 * (default 60) with the fault at half time:
 *
 * - Flink local, exactly-once checkpoints every 10 s, TaskManager killed at 30 s;
 * - Flock local, a group member's environment crashing mid-invocation at 30 s, and 20% of its
 *   synchronous invocations throttled from the start;
 * - both with 10% of Kinesis PutRecords entries and GetRecords calls throttled (the fault proxy).
 *
 * Per run: recovery time (s after the fault; docs/faults.md), peak interval p99, records lost and
 * duplicated, and the delivery the verdict observed. Every Result is written to
 * BENCH_FAULTS_OUT (default results/bench-faults/), for `streamscore report`.
 */

interface Scenario {
  name: string;
  backend: Backend;
  query: 'q5' | 'q11';
  knobs: Record<string, string | number>;
  faults: string[];
}

const rate = Number(process.env['BENCH_FAULTS_RATE'] ?? 1000);
const durationS = Number(process.env['BENCH_FAULTS_DURATION'] ?? 60);
const half = Math.round(durationS / 2);
const eo = { checkpointing: 'exactly-once', 'checkpoint-interval-s': 10 };

function scenarios(): Scenario[] {
  const out: Scenario[] = [];
  for (const query of ['q5', 'q11'] as const) {
    out.push({ name: `flink local ${query}, exactly-once/10 s, kill-taskmanager@${half}s`, backend: flinkBackend, query, knobs: eo, faults: [`kill-taskmanager@${half}s`] });
    out.push({ name: `flink local ${query}, exactly-once/10 s, kinesis-throttle 10%`, backend: flinkBackend, query, knobs: eo, faults: ['kinesis-throttle@0s:share=10%'] });
    out.push({ name: `flock local ${query}, function-crash@${half}s (group member)`, backend: flockBackend, query, knobs: {}, faults: [`function-crash@${half}s:fn=agg`] });
    out.push({ name: `flock local ${query}, function-throttle 20%`, backend: flockBackend, query, knobs: {}, faults: ['function-throttle@0s:share=20%'] });
    out.push({ name: `flock local ${query}, kinesis-throttle 10%`, backend: flockBackend, query, knobs: {}, faults: ['kinesis-throttle@0s:share=10%'] });
  }
  return out;
}

async function runScenario(s: Scenario): Promise<Result> {
  const faults: FaultSpec[] = s.faults.map(parseFaultFlag);
  const runId = `bench-faults-${s.backend.name}-${s.query}-${Date.now().toString(36)}`;
  const faultProxy = faults.some((f) => (WIRE_FAULTS as readonly string[]).includes(f.kind));
  return runBenchmark({
    backend: s.backend,
    workload: (nexmark as unknown as Record<string, AnyWorkload>)[s.query]!,
    target: 'local',
    knobs: s.knobs,
    rate,
    durationS,
    faults,
    transport: await harnessTransportFor(s.backend, 'local', { runId, ...(faultProxy ? { faultProxy } : {}) }),
    runId,
    toolVersion: 'bench',
  });
}

export async function benchFaults(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const only = process.env['BENCH_FAULTS_ONLY'];
  const outDir = process.env['BENCH_FAULTS_OUT'] ?? join('results', 'bench-faults');
  mkdirSync(outDir, { recursive: true });
  for (const s of scenarios()) {
    if (only && !s.name.includes(only)) continue;
    process.stderr.write(`  ${s.name}…\n`);
    let r: Result;
    try {
      r = await runScenario(s);
      writeResult(join(outDir, `${r.runId}.json`), r);
    } catch (e) {
      rows.push({ name: s.name, value: Number.NaN, unit: '', note: `not run: ${(e as Error).message.split('\n')[0]}` });
      continue;
    }
    const f = r.faults?.[0];
    const rec = f?.recovery;
    const v = r.verdict;
    const delivery = `${v.status}, ${v.delivery ?? 'delivery not told'}, ${v.matched}/${v.expected} records`;
    const wire = f?.kind === 'kinesis-throttle' || f?.kind === 'function-throttle';
    rows.push({
      name: `${s.name}: recovery`,
      value: rec?.recoveredS ?? Number.NaN,
      unit: 's',
      note: wire ? `a lasting fault from 0 s: no pre-fault level to recover to; ${delivery}` : rec?.recoveredS === null ? `not recovered (${rec.notes.join('; ')})` : delivery,
    });
    rows.push({ name: `${s.name}: peak p99`, value: (rec?.latencyPeakP99Us ?? r.summary.latency.p99) / 1000, unit: 'ms', note: `overall p99 ${(r.summary.latency.p99 / 1000).toFixed(0)} ms of ${r.summary.latency.count} answers` });
    rows.push({ name: `${s.name}: lost`, value: v.missing, unit: 'records' });
    rows.push({ name: `${s.name}: duplicated`, value: v.duplicated ?? 0, unit: 'records', note: f ? `${f.kind}: ${f.effect}` : '' });
  }
  return rows;
}
