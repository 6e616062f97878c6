import { cpus, totalmem, platform, arch } from 'node:os';
import {
  type AnyWorkload,
  type Backend,
  type Deployment,
  type Interval,
  type KnobValues,
  type Ledger,
  type Result,
  type Timeline,
  type Verdict,
  type IntervalRecorder,
  RESULT_SCHEMA_VERSION,
  percentiles,
} from '@streamscore/core';
import { loadPriceBook, type PriceBook, costOfLedger } from '@streamscore/cost';
import type { Schedule } from './schedule.js';
import { encoded } from './score.js';
import { cpuTotals } from './cpu.js';

/**
 * The run's cost from its ledger; the price book defaults to the shipped snapshot of the region
 * the deployment reports (us-east-1 otherwise).
 */
export function costOfRun(ledger: Ledger, deployment: Deployment | undefined, priceBook: PriceBook | undefined, events: number, errors: string[]): Result['cost'] {
  try {
    const region = typeof deployment?.state['region'] === 'string' ? (deployment.state['region'] as string) : 'us-east-1';
    const book = priceBook ?? loadPriceBook(region);
    return costOfLedger(ledger.list(), book, { events, runEndMs: Date.now() });
  } catch (e) {
    errors.push(`cost: ${(e as Error).message}`);
    return undefined;
  }
}

export interface ResultParts {
  runId: string;
  toolVersion: string;
  complete: boolean;
  incompleteReason: string | undefined;
  startedAt: Date;
  workload: AnyWorkload;
  params: Record<string, unknown>;
  backend: Backend;
  target: string;
  transportKind: Result['config']['transport'];
  knobs: KnobValues;
  schedule: Schedule;
  intervalS: number;
  latencySloMs: number | undefined;
  deployment: Deployment | undefined;
  provisioningMs: number;
  baseTimeMs: number;
  timeline: Timeline;
  generatorOptions: Record<string, unknown>;
  eventsSent: number;
  eventsOut: number;
  measureSent: number;
  /** Seconds of the measured phase actually run. */
  ranS: number;
  measuredLatency: IntervalRecorder;
  sendDelay: IntervalRecorder;
  intervals: Interval[];
  verdict: Verdict;
  ledger: Ledger;
  cost: Result['cost'];
  errors: string[];
}

/** Assembles the Result document from what the phases measured. */
export function assembleResult(r: ResultParts): Result {
  const { schedule, deployment } = r;
  const measured = schedule.measured;
  const measuredS = schedule.durationS;
  const c = cpus();
  return {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId: r.runId,
    tool: { name: 'streamscore', version: r.toolVersion },
    complete: r.complete,
    ...(r.incompleteReason ? { incompleteReason: r.incompleteReason } : {}),
    startedAt: r.startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    config: {
      workload: r.workload.id,
      params: r.params,
      backend: r.backend.name,
      target: r.target,
      transport: r.transportKind,
      knobs: r.knobs,
      load: {
        shape: measured.describe(),
        rate: measured.peakRate,
        warmupS: schedule.warmupS,
        durationS: schedule.durationS,
        postMeasureS: schedule.postMeasureS,
        // The load stops after the post-measure phase: no drain load is sent any more.
        drainS: 0,
        intervalS: r.intervalS,
      },
      ...(r.latencySloMs !== undefined ? { latencySloMs: r.latencySloMs } : {}),
    },
    environment: {
      os: platform(),
      arch: arch(),
      cpus: c.length,
      cpuModel: c[0]?.model ?? 'unknown',
      memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
    },
    deployment: {
      ...(typeof deployment?.state['mode'] === 'string' ? { mode: deployment.state['mode'] as string } : {}),
      provisioningMs: r.provisioningMs,
      details: deployment ? { target: deployment.target, ...deployment.state } : {},
    },
    generator: {
      baseTimeMs: r.baseTimeMs,
      firstEventNumber: 0,
      eventsSent: r.eventsSent,
      timeline: r.timeline.describe() as unknown as Record<string, unknown>,
      options: r.generatorOptions,
    },
    summary: {
      targetRate: measured.peakRate,
      // Over the time actually run: an interrupted run is not divided by the planned duration.
      achievedRate: r.ranS > 0 ? r.measureSent / r.ranS : 0,
      eventsIn: r.eventsSent,
      eventsOut: r.eventsOut,
      measuredS,
      ranS: Math.round(r.ranS * 1000) / 1000,
      latency: percentiles(r.measuredLatency.total),
      sendDelay: percentiles(r.sendDelay.total),
      ...eventsPerCpu(r.intervals),
      ...cpuSummary(r.intervals),
    },
    latency: encoded(r.measuredLatency.total),
    sendDelay: encoded(r.sendDelay.total),
    intervals: r.intervals,
    verdict: r.verdict,
    ledger: r.ledger.list(),
    ...(r.cost ? { cost: r.cost } : {}),
    errors: r.errors,
  };
}

function cpuSummary(intervals: readonly Interval[]): { cpu?: NonNullable<ReturnType<typeof cpuTotals>> } {
  const cpu = cpuTotals(intervals);
  return cpu ? { cpu } : {};
}

/**
 * Events per CPU-second of the system under test over the measured phase, when the intervals
 * carry its CPU time (`cpu.sutS`, known where the backend names its processes).
 */
function eventsPerCpu(intervals: readonly Interval[]): { eventsPerSutCpuSecond?: number } {
  let sutS = 0;
  let events = 0;
  for (const iv of intervals) {
    if (iv.phase !== 'measure' || iv.cpu?.sutS === undefined) continue;
    sutS += iv.cpu.sutS;
    events += iv.eventsIn;
  }
  return sutS > 0 ? { eventsPerSutCpuSecond: events / sutS } : {};
}
