import { scheduleTimeline, constantShape, type AnyWorkload } from '@streamscore/core';
import type { BenchRow } from './types.js';

/**
 * How fast each query's oracle (the reference implementation) checks a run: events/s over
 * 1,000,000 generated events. The slowest bounds the cost of verifying a long run.
 */
export async function benchOracle(): Promise<BenchRow[]> {
  const nexmark = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const ysb = (await import('@streamscore/workload-ysb')) as unknown as { workloads: AnyWorkload[] };
  const n = Number(process.env['BENCH_ORACLE_EVENTS'] ?? 1_000_000);
  const rows: BenchRow[] = [];
  // q12's processing-time windows have no record-by-record oracle (its check is invariants).
  for (const w of [...nexmark.workloads, ...ysb.workloads].filter((x) => x.kind !== 'processing-time')) {
    const timeline = scheduleTimeline(constantShape(100_000, n / 100_000), Date.UTC(2026, 0, 1));
    const src = w.generator({ timeline, maxEvents: n });
    const events: unknown[] = [];
    while (src.hasNext()) events.push(src.next());
    const params = w.params.parse({});
    const t0 = performance.now();
    const out = w.reference(events, params);
    const s = (performance.now() - t0) / 1000;
    rows.push({ name: `oracle ${w.id} over ${n.toLocaleString('en-US')} events`, value: n / s, unit: 'events/s', note: `${out.length.toLocaleString('en-US')} expected records in ${s.toFixed(2)} s` });
  }
  rows.sort((a, b) => a.value - b.value);
  return rows;
}
