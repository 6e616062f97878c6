import { findSustainableRate, runBenchmark } from '@streamscore/harness';
import { type AnyWorkload } from '@streamscore/core';
import { localBackend } from '@streamscore/plugin-local';
import type { BenchRow } from './types.js';

/**
 * The local backend's sustainable rate per query on this machine: the highest rate at which,
 * after a 1 s warm-up, p99 latency stays under the SLO and the backlog does not grow — 100 ms for
 * per-event queries, the watermark delay + 1 s after the window's end for windowed ones.
 * Correctness is checked by the tests and by every `run`; the search trials skip it.
 */
export async function benchLocal(queries = process.env['BENCH_QUERIES']?.split(',') ?? ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q9', 'q11', 'ysb/campaigns']): Promise<BenchRow[]> {
  const nexmark = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const ysb = (await import('@streamscore/workload-ysb')) as unknown as { workloads: AnyWorkload[] };
  const all = [...nexmark.workloads, ...ysb.workloads];
  const rows: BenchRow[] = [];
  for (const q of queries) {
    const workload = all.find((w) => w.id === `nexmark/${q}` || w.id === q);
    if (!workload) continue;
    const params = workload.params.parse({});
    const { watermarkDelayMs, horizonMs } = workload.timing(params);
    const sloMs = horizonMs > 0 ? watermarkDelayMs + 1000 : 100;
    const t0 = Date.now();
    const out = await findSustainableRate({
      startRate: Number(process.env['BENCH_START_RATE'] ?? 62_500),
      maxRate: 4_000_000,
      latencySloMs: sloMs,
      precision: 0.1,
      maxTrials: Number(process.env['BENCH_MAX_TRIALS'] ?? 9),
      runTrial: (rate) =>
        runBenchmark({ backend: localBackend, workload, target: 'local', rate, warmupS: 1, durationS: 4, verifyMaxEvents: 0, toolVersion: 'bench' }),
    });
    const last = out.trials.find((t) => !t.passed);
    rows.push({
      name: `local ${workload.id}: sustained rate (p99 < ${sloMs} ms)`,
      value: out.sustainedRate,
      unit: 'events/s',
      note: `${out.trials.length} trials in ${Math.round((Date.now() - t0) / 1000)} s; p99 at that rate ${((out.trials.filter((t) => t.passed && t.rate === out.sustainedRate)[0]?.p99Us ?? 0) / 1000).toFixed(1)} ms; first failure: ${last ? `${last.rate}/s (${last.reason})` : 'none'}`,
    });
  }
  return rows;
}
