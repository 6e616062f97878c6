import { harnessTransportFor, judgeTrial, newRunId, runBenchmark } from '@streamscore/harness';
import { type AnyWorkload, type Backend } from '@streamscore/core';
import type { BenchRow } from './types.js';

/**
 * The same query at the same rates on every engine that runs on this machine — the local
 * backend (in process), a real local Flink cluster, and the Flock architecture on the local
 * Lambda service (both fed through kinesalite) — side by side: p99 at each rate and the highest
 * rate of the ladder each one sustained (Theodolite's test: p99 under the SLO, no growing backlog).
 * BENCH_ENGINE_RATES and BENCH_ENGINE_QUERIES override the ladder and the queries.
 */
export async function benchEngines(): Promise<BenchRow[]> {
  const rates = (process.env['BENCH_ENGINE_RATES'] ?? '1000,4000,16000').split(',').map(Number);
  const queries = (process.env['BENCH_ENGINE_QUERIES'] ?? 'q0,q5').split(',');
  const engines = (process.env['BENCH_ENGINES'] ?? 'local,flink,flock').split(',');
  const nexmark = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const backends: Record<string, () => Promise<Backend>> = {
    local: async () => (await import('@streamscore/plugin-local')).localBackend,
    flink: async () => (await import('@streamscore/plugin-flink')).flinkBackend,
    flock: async () => (await import('@streamscore/plugin-flock')).flockBackend,
  };
  const rows: BenchRow[] = [];
  for (const q of queries) {
    const workload = nexmark.workloads.find((w) => w.id === `nexmark/${q}`);
    if (!workload) continue;
    const { watermarkDelayMs, horizonMs } = workload.timing(workload.params.parse({}));
    // Per-event: 2 s (two polled Kinesis hops cost ~0.5-1 s); windowed: the watermark delay + 2 s.
    const sloMs = horizonMs > 0 ? watermarkDelayMs + 2000 : 2000;
    for (const name of engines) {
      const make = backends[name];
      if (!make) continue;
      let backend: Backend;
      try {
        backend = await make();
      } catch (e) {
        rows.push({ name: `${name} ${workload.id}`, value: Number.NaN, unit: '', note: `not available: ${(e as Error).message}` });
        continue;
      }
      let sustained = 0;
      const notes: string[] = [];
      for (const rate of rates) {
        const runId = newRunId(workload.id, name);
        try {
          const r = await runBenchmark({
            backend,
            workload,
            target: 'local',
            rate,
            warmupS: 2,
            durationS: 8,
            runId,
            transport: await harnessTransportFor(backend, 'local', { runId }),
            toolVersion: 'bench',
          });
          const t = judgeTrial(r, rate, { latencySloMs: sloMs });
          notes.push(`${rate}/s: p99 ${(t.p99Us / 1000).toFixed(0)} ms ${t.passed ? 'ok' : 'FAIL'} (${r.verdict.status})`);
          if (t.passed) sustained = rate;
          else break;
        } catch (e) {
          notes.push(`${rate}/s: error ${(e as Error).message.split('\n')[0]}`);
          break;
        }
      }
      rows.push({ name: `${name} ${workload.id}: highest rate of the ladder within p99 < ${sloMs} ms`, value: sustained, unit: 'events/s', note: notes.join('; ') });
    }
  }
  return rows;
}
