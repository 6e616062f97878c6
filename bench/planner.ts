import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readResult, type AnyWorkload } from '@streamscore/core';
import { instanceSpec, loadPriceBook } from '@streamscore/cost';
import { checkPoints, loadShippedCalibration, logRates, plan, planRatesBand, pointFromResult, workloadTraits, type MeasuredPoint, type PlannerInputs, type WorkloadTraits } from '@streamscore/planner';
import type { BenchRow } from './types.js';

/**
 * The planner's speed and accuracy:
 * - a full sweep of one query over 1 K–1 M events/s (4 rates per decade, crossovers refined), one profile and the band of all;
 * - the published profile reproduced: nexmark/q8 at 1 M/s with GUIDE_V2 sizes EC2 at 1,000,000 ÷ 162,120 per core ÷ 0.8;
 * - `plan --check` over the find-max Results in `BENCH_CHECK_RESULTS` (default `results/`): mean and p99 of
 *   |projected − measured| ÷ measured of the sustainable rate and of p99 latency, each run projected without itself.
 */
export async function benchPlanner(): Promise<BenchRow[]> {
  const nexmark = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const ysb = (await import('@streamscore/workload-ysb')) as unknown as { workloads: AnyWorkload[] };
  const all = [...nexmark.workloads, ...ysb.workloads];
  const traitsCache = new Map<string, WorkloadTraits>();
  const traitsOf = (id: string, params: Record<string, unknown> = {}): WorkloadTraits => {
    const key = `${id} ${JSON.stringify(params)}`;
    let t = traitsCache.get(key);
    if (!t) {
      t = workloadTraits(all.find((w) => w.id === id)!, params);
      traitsCache.set(key, t);
    }
    return t;
  };
  const book = loadPriceBook('us-east-1');
  const inputs: PlannerInputs = { book, shipped: loadShippedCalibration(), points: [] };
  const rows: BenchRow[] = [];
  const rates = logRates(1000, 1_000_000, 4);
  for (const q of ['nexmark/q0', 'nexmark/q5']) {
    const t = traitsOf(q);
    planRatesBand(inputs, t, [1000], { sloMs: 20_000 }, 'nexmark-v2'); // warm caches
    let t0 = performance.now();
    const one = planRatesBand(inputs, t, rates, { sloMs: 20_000 }, 'nexmark-v2');
    rows.push({ name: `${q}: sweep 1 K–1 M/s, ${rates.length} rates, one profile`, value: performance.now() - t0, unit: 'ms', note: `target ≤ 2,000 ms; ${one.crossovers.length} crossover(s)` });
    t0 = performance.now();
    const band = planRatesBand(inputs, t, rates, { sloMs: 20_000 }, 'all');
    rows.push({ name: `${q}: the same over the band (${band.scenarios.length} scenarios)`, value: performance.now() - t0, unit: 'ms' });
  }
  const q8 = plan({ ...inputs, scenario: { id: 'nexmark-v2', flink: 'nexmark-v2', flock: 'mean' } }, traitsOf('nexmark/q8'), 1_000_000, { platforms: ['flink-ec2'] });
  const rec = q8.recommendation?.evaluation.config;
  if (rec?.family === 'flink-ec2') {
    const vcpus = rec.nodes * instanceSpec(book, rec.instanceType).vcpu;
    const expected = 1_000_000 / (2_080_000 / 12.83) / 0.8;
    rows.push({ name: 'nexmark/q8 at 1 M/s, GUIDE_V2: EC2 vCPUs ÷ (1 M ÷ 162,120 ÷ 0.8)', value: vcpus / expected, unit: 'ratio', note: `${rec.nodes} × ${rec.instanceType} = ${vcpus} vCPUs vs ${expected.toFixed(2)}; target within ±20%` });
  }
  const dir = process.env['BENCH_CHECK_RESULTS'] ?? 'results';
  const points: MeasuredPoint[] = [];
  if (existsSync(dir)) {
    for (const f of readdirSync(dir).filter((x) => x.endsWith('.json'))) {
      try {
        const p = pointFromResult(readResult(join(dir, f)), book, join(dir, f)).point;
        if (p?.sustainedRate !== undefined) points.push(p);
      } catch {
        // not a Result
      }
    }
  }
  if (points.length === 0) {
    rows.push({ name: 'plan --check: mean |error| of sustainable rate', value: Number.NaN, unit: '%', note: `no find-max Result in ${dir} (set BENCH_CHECK_RESULTS)` });
    return rows;
  }
  const check = checkPoints({ ...inputs, points }, traitsOf, points);
  const p99 = (xs: number[]): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.ceil(0.99 * s.length) - 1)] ?? Number.NaN;
  };
  const rateErrs = check.rows.filter((r) => r.rateErrorPct !== undefined).map((r) => Math.abs(r.rateErrorPct!));
  const latErrs = check.rows.filter((r) => r.latencyErrorPct !== undefined).map((r) => Math.abs(r.latencyErrorPct!));
  const n = `${rateErrs.length} of ${points.length} find-max searches projected (leave-one-out)`;
  rows.push({ name: 'plan --check: mean |error| of sustainable rate', value: check.meanAbsRateErrorPct ?? Number.NaN, unit: '%', note: `target ≤ 25%; ${n}` });
  rows.push({ name: 'plan --check: p99 |error| of sustainable rate', value: p99(rateErrs), unit: '%', note: 'target ≤ 30%' });
  rows.push({ name: 'plan --check: mean |error| of p99 latency', value: check.meanAbsLatencyErrorPct ?? Number.NaN, unit: '%', note: `${latErrs.length} runs` });
  rows.push({ name: 'plan --check: p99 |error| of p99 latency', value: p99(latErrs), unit: '%', note: 'target ≤ 30%' });
  return rows;
}
