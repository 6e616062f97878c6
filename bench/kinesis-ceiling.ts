/**
 * `npm run bench -- kinesis-ceiling`: the events/s one harness process sustains into the Kinesis
 * transport on a local target — kinesalite in its own process, as `run` starts it — with a
 * pass-through (`transportEchoBackend`: reads the input stream and writes every event back to
 * the output stream, in the harness process), and the p99 of that pass-through. The rate doubles
 * from 5k/s until the driver falls behind (achieved < 97% of the target, or send delay p99 over
 * 50 ms). Verification is opted out (`verifyMaxEvents: 0`): the figure is the instrument's. The
 * CPU each process used comes from the Result (`summary.cpu`).
 */
import { cpus, loadavg } from 'node:os';
import type { AnyWorkload, Result } from '@streamscore/core';
import { harnessTransportFor, newRunId, passThroughWorkload, runBenchmark, transportEchoBackend } from '@streamscore/harness';
import { q0 } from '@streamscore/workload-nexmark';
import type { BenchRow } from './types.js';

const DURATION_S = 3;
const WARMUP_S = 1;

async function trial(rate: number): Promise<Result> {
  const backend = transportEchoBackend('kinesis');
  const workload = passThroughWorkload(q0 as unknown as AnyWorkload);
  const runId = newRunId('kinesis-ceiling', 'echo');
  const transport = await harnessTransportFor(backend, 'local', { runId });
  return runBenchmark({ backend, workload, target: 'local', rate, durationS: DURATION_S, warmupS: WARMUP_S, verifyMaxEvents: 0, transport, runId, toolVersion: 'bench' });
}

const kept = (r: Result) => r.summary.achievedRate >= 0.97 * r.summary.targetRate && r.summary.sendDelay.p99 <= 50_000;

/** CPU seconds per second of the run, by role. */
function cpuShare(r: Result): string {
  const s = r.intervals.at(-1)?.t ?? DURATION_S + WARMUP_S;
  const c = r.summary.cpu;
  if (!c) return 'CPU not measured';
  return `harness ${(c.harnessS / s).toFixed(2)} core, kinesalite ${((c.transportS ?? 0) / s).toFixed(2)} core over ${s.toFixed(1)} s`;
}

export async function benchKinesisCeiling(): Promise<BenchRow[]> {
  const trials: Result[] = [];
  let best: Result | undefined;
  for (let rate = 5_000; rate <= 2_560_000; rate *= 2) {
    const r = await trial(rate);
    trials.push(r);
    if (!kept(r)) break;
    best = r;
  }
  const k = (v: number) => `${Math.round(v / 1000).toLocaleString('en-US')}k`;
  const tried = trials.map((r) => `${k(r.summary.targetRate)}→${k(r.summary.achievedRate)} (send delay p99 ${(r.summary.sendDelay.p99 / 1000).toFixed(1)} ms; ${cpuShare(r)})`).join(', ');
  const first = trials[0]!;
  return [
    {
      name: 'driver ceiling: one harness process into the Kinesis transport (kinesalite in its own process; echo pass-through)',
      value: best?.summary.targetRate ?? 0,
      unit: 'events/s',
      note: `highest doubling step kept (achieved ≥ 97%, send delay p99 ≤ 50 ms); ${DURATION_S} s trials after ${WARMUP_S} s warm-up, target→achieved: ${tried}; machine load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores`,
    },
    ...(best
      ? [{ name: `Kinesis pass-through p99 latency at the ceiling (${k(best.summary.targetRate)} events/s)`, value: best.summary.latency.p99 / 1000, unit: 'ms', note: `p99 of ${best.summary.latency.count.toLocaleString('en-US')} answers; ${cpuShare(best)}` }]
      : []),
    { name: `Kinesis pass-through p99 latency at ${k(first.summary.targetRate)} events/s`, value: first.summary.latency.p99 / 1000, unit: 'ms', note: `p99 of ${first.summary.latency.count.toLocaleString('en-US')} answers; ${cpuShare(first)}` },
  ];
}
