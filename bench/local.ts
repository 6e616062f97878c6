import { findSustainableRate, runBenchmark, type AnyWorkload } from '@streamscore/core';
import { localBackend } from '@streamscore/plugin-local';
import type { BenchRow } from './types.js';

/**
 * The local backend's sustainable rate per query on this machine: the highest rate at which,
 * after a 1 s warm-up, p99 latency stays under the SLO and the backlog does not grow — 100 ms for
 * per-event queries, the watermark delay + 1 s after the window's end for windowed ones.
 * Correctness is checked by the tests and by every `run`; the search trials skip it.
 */
export async function benchLocal(queries = process.env['BENCH_QUERIES']?.split(',') ?? ['q0', 'q1', 'q2']): Promise<BenchRow[]> {
  const mod = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const rows: BenchRow[] = [];
  for (const q of queries) {
    const workload = mod.workloads.find((w) => w.id === `nexmark/${q}` || w.id === q);
    if (!workload) continue;
    const params = workload.params.parse({});
    const { watermarkDelayMs, horizonMs } = workload.timing(params);
    const sloMs = horizonMs > 0 ? watermarkDelayMs + 1000 : 100;
    const t0 = Date.now();
    const out = await findSustainableRate({
      startRate: 62_500,
      maxRate: 4_000_000,
      latencySloMs: sloMs,
      precision: 0.1,
      maxTrials: 9,
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
