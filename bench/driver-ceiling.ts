/**
 * `npm run bench -- driver-ceiling`: the events/s one harness core sustains into the in-process
 * memory transport, with the query a pass-through (nexmark/q0 on the local engine, inline in the
 * same thread: the cheapest system under test there is), and the p99 latency of that pass-through.
 * The rate doubles from 50k/s until the driver falls behind (achieved < 97% of the target, or
 * send delay p99 over 50 ms); the ceiling is the last rate it kept. Verification is opted out
 * (`verifyMaxEvents: 0`): the figure is the instrument's, not the answer's.
 */
import { cpus, loadavg } from 'node:os';
import { runBenchmark } from '@streamscore/harness';
import { localBackend } from '@streamscore/plugin-local';
import { q0 } from '@streamscore/workload-nexmark';
import type { BenchRow } from './types.js';

const DURATION_S = 3;

interface Trial {
  rate: number;
  achieved: number;
  sendDelayP99Us: number;
  p99Us: number;
  answers: number;
}

async function trial(rate: number): Promise<Trial> {
  const r = await runBenchmark({ backend: localBackend, workload: q0, target: 'local', rate, durationS: DURATION_S, warmupS: 1, verifyMaxEvents: 0, toolVersion: 'bench' });
  return { rate, achieved: r.summary.achievedRate, sendDelayP99Us: r.summary.sendDelay.p99, p99Us: r.summary.latency.p99, answers: r.summary.latency.count };
}

const kept = (t: Trial) => t.achieved >= 0.97 * t.rate && t.sendDelayP99Us <= 50_000;

export async function benchDriverCeiling(): Promise<BenchRow[]> {
  const trials: Trial[] = [];
  let best: Trial | undefined;
  for (let rate = 50_000; rate <= 12_800_000; rate *= 2) {
    const t = await trial(rate);
    trials.push(t);
    if (!kept(t)) break;
    best = t;
  }
  const tried = trials.map((t) => `${(t.rate / 1000).toLocaleString('en-US')}k→${Math.round(t.achieved / 1000).toLocaleString('en-US')}k (send delay p99 ${(t.sendDelayP99Us / 1000).toFixed(1)} ms)`).join(', ');
  const first = trials[0]!;
  return [
    {
      name: 'driver ceiling: one harness core into the memory transport (q0 pass-through inline)',
      value: best?.rate ?? 0,
      unit: 'events/s',
      note: `highest doubling step kept (achieved ≥ 97%, send delay p99 ≤ 50 ms); ${DURATION_S} s trials, target→achieved: ${tried}; machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    },
    ...(best
      ? [{ name: `pass-through p99 latency at the ceiling (${(best.rate / 1000).toLocaleString('en-US')}k events/s)`, value: best.p99Us / 1000, unit: 'ms', note: `p99 of ${best.answers.toLocaleString('en-US')} answers; send delay p99 ${(best.sendDelayP99Us / 1000).toFixed(2)} ms` }]
      : []),
    { name: `pass-through p99 latency at ${(first.rate / 1000).toLocaleString('en-US')}k events/s`, value: first.p99Us / 1000, unit: 'ms', note: `p99 of ${first.answers.toLocaleString('en-US')} answers` },
  ];
}
