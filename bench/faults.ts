import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { type AnyWorkload, type Backend, type FaultSpec, type Result, readResult, writeResult } from '@streamscore/core';
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
 * - Flock local, a group member's environment crashing mid-invocation at 30 s, one recycled
 *   mid-window (windows cut into 64 KB fragments, the environment dies 200 ms after taking one),
 *   and 20% of its synchronous invocations throttled from the start;
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
    // Windows cut into 64 KB fragments; the member's environment dies 200 ms after taking one,
    // i.e. recycled mid-window with the window's earlier fragments in its arena.
    out.push({ name: `flock local ${query}, 64 KB fragments, member recycled mid-window@${half}s`, backend: flockBackend, query, knobs: { 'fragment-bytes': 65536 }, faults: [`function-crash@${half}s:fn=agg,after-ms=200`] });
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

/** The table's rows for one run: recovery figures, peak p99, lost and duplicated. */
export function faultRows(name: string, r: Result): BenchRow[] {
  const f = r.faults?.[0];
  const rec = f?.recovery;
  const v = r.verdict;
  const delivery = `${v.status}, ${v.delivery ?? 'delivery not told'}, ${v.matched}/${v.expected} records`;
  const lasting = f?.kind === 'kinesis-throttle' || f?.kind === 'function-throttle';
  const s = (x: number | null | undefined) => x ?? Number.NaN;
  if (!r.complete) return [{ name, value: Number.NaN, unit: '', note: `incomplete: ${r.incompleteReason ?? ''}`.slice(0, 200) }];
  return [
    {
      name: `${name}: recovery`,
      value: s(rec?.recoveredS),
      unit: 's',
      note: lasting
        ? `a lasting fault from the start: no pre-fault level to recover to; ${delivery}`
        : rec?.recoveredS === null
          ? `not all back by the end (${[rec.lagRecoveredS === null ? 'input lag' : '', rec.latencyRecoveredS === null ? 'p99' : '', rec.outputResumedS === null && rec.detectionS !== null ? 'output' : ''].filter(Boolean).join(', ')}); ${delivery}`
          : delivery,
    },
    ...(lasting ? [] : [
      { name: `${name}: detected`, value: s(rec?.detectionS), unit: 's' },
      { name: `${name}: output back`, value: s(rec?.outputResumedS), unit: 's' },
      {
        name: `${name}: lag back`,
        value: s(rec?.lagRecoveredS),
        unit: 's',
        // Read through a stale gauge, the figure is a bound (or unknown): say which.
        note: rec?.lagRecoveredAtLatest
          ? 'at the latest: the position gauge was stale just before (docs/faults.md)'
          : rec?.lagRecoveredS === null && rec.notes.some((n) => n.includes('stale gauge'))
            ? 'unknown: the position gauge stayed stale'
            : rec?.notes.some((n) => n.includes('stale gauge'))
              ? 'stale readings of the position gauge skipped (docs/faults.md)'
              : '',
      },
      { name: `${name}: p99 back`, value: s(rec?.latencyRecoveredS), unit: 's' },
    ]),
    { name: `${name}: peak p99`, value: (rec?.latencyPeakP99Us ?? r.summary.latency.p99) / 1000, unit: 'ms', note: r.summary.latency.count < 100 ? `overall max ${(r.summary.latency.max / 1000).toFixed(0)} ms of ${r.summary.latency.count} answers (too few for a p99)` : `overall p99 ${(r.summary.latency.p99 / 1000).toFixed(0)} ms of ${r.summary.latency.count} answers` },
    { name: `${name}: lost`, value: v.missing, unit: 'records' },
    { name: `${name}: duplicated`, value: v.duplicated ?? 0, unit: 'records', note: f ? `${f.kind}: ${f.effect}` : '' },
  ];
}

export async function benchFaults(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const only = process.env['BENCH_FAULTS_ONLY'];
  const outDir = process.env['BENCH_FAULTS_OUT'] ?? join('results', 'bench-faults');
  // BENCH_FAULTS_FROM=DIR: tabulate the Results a run of this section wrote, without running again.
  const from = process.env['BENCH_FAULTS_FROM'];
  if (from) {
    for (const file of readdirSync(from).filter((n) => n.endsWith('.json')).sort()) {
      const r = readResult(join(from, file));
      // A scenario is its backend, query, faults and guarantee: a run by hand with another
      // checkpointing mode (the at-least-once counterpart) is named by its own knobs.
      const sameKnobs = (sc: Scenario) => Object.entries(sc.knobs).every(([k, v]) => String(r.config.knobs[k]) === String(v)) && (sc.knobs['checkpointing'] ?? 'none') === (r.config.knobs['checkpointing'] ?? 'none');
      const name = scenarios().find((sc) => sc.backend.name === r.config.backend && `nexmark/${sc.query}` === r.config.workload && sameKnobs(sc) && sc.faults.join(' ') === (r.faults ?? []).map((f) => `${f.kind}@${f.atS}s${Object.keys(f.options).length ? `:${Object.entries(f.options).map(([k, v]) => `${k}=${k === 'share' ? `${Math.round(Number(v) * 100)}%` : String(v)}`).join(',')}` : ''}`).join(' '))?.name;
      const knobs = Object.entries(r.config.knobs).map(([k, v]) => `${k}=${String(v)}`).join(', ');
      rows.push(...faultRows(name ?? `${r.config.backend} ${r.config.target} ${r.config.workload}${knobs ? ` (${knobs})` : ''}, ${(r.faults ?? []).map((f) => `${f.kind}@${f.atS}s`).join(' + ')}`, r));
    }
    return rows;
  }
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
    rows.push(...faultRows(s.name, r));
  }
  return rows;
}
