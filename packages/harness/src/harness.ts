import { randomBytes } from 'node:crypto';
import {
  type Backend,
  type Deployment,
  type KnobValues,
  type RunContext,
  type AnyWorkload,
  Ledger,
  IntervalRecorder,
  nowMs,
  type PiecewiseShape,
  scheduleTimeline,
  type Result,
  type HarnessTransport,
  type FaultSpec,
  type FaultRecord,
  UserError,
  semanticsLine,
} from '@streamscore/core';
import { type PriceBook } from '@streamscore/cost';
import { CONSUMER_METRICS } from '@streamscore/kinesis';
import { MemoryHarnessTransport } from './harness-transport.js';
import { planSchedule, phaseClock, type Schedule } from './schedule.js';
import { Collector } from './collect.js';
import { IntervalSampler, type Progress } from './intervals.js';
import { Driver } from './drive.js';
import { PooledDriver } from './drivers/pooled-driver.js';
import type { DriverPool } from './drivers/pool.js';
import { compareWithTrueQuery } from './semantics.js';
import { settle } from './settle.js';
import { judgeRun } from './judge.js';
import { assembleResult, costOfRun } from './result.js';
import { FaultSchedule, assignFaults } from './faults.js';
import { withRecovery } from './recovery.js';
import type { PinSpec } from './pin.js';

export type { Progress } from './intervals.js';

export interface RunOptions {
  backend: Backend;
  workload: AnyWorkload;
  /** Raw query parameters; validated by the workload's schema. */
  params?: Record<string, unknown>;
  target: string;
  knobs?: KnobValues;
  /** Target rate, events/s (constant shape) — or a shape covering warm-up and measurement. */
  rate: number;
  shape?: PiecewiseShape;
  warmupS?: number;
  durationS: number;
  intervalS?: number;
  latencySloMs?: number;
  generatorOptions?: Record<string, unknown>;
  /** Driver processes generating the load, each its slice of the one stream (default 1: this process). */
  drivers?: number;
  runId?: string;
  /** Journal of the resource ledger (JSONL); kept for `streamscore cleanup`. */
  ledgerPath?: string;
  /** Above this many events the verdict is skipped (the oracle holds every event in memory). */
  verifyMaxEvents?: number;
  /**
   * Price book the run's ledger is costed with; default: the shipped us-east-1 snapshot (or the
   * region a deployment reports in its state as `region`).
   */
  priceBook?: PriceBook;
  /** Transport for backends that need more than memory (kinesis); defaults to in-process. */
  transport?: HarnessTransport;
  /** Faults fired during the load (docs/faults.md); refused before anything starts when nobody injects one. */
  faults?: readonly FaultSpec[];
  /** `--pin`: CPUs for the harness, the transport's stand-in and the system under test (taskset). */
  pin?: PinSpec;
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  log?: (message: string) => void;
  toolVersion: string;
}

export function newRunId(workloadId: string, backend: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${backend}-${workloadId.replace(/\//g, '-')}-${randomBytes(3).toString('hex')}`;
}

/**
 * Runs one benchmark: plan, provision, start the backend, drive an open-loop load, observe
 * outputs, sample every interval, stop, tear down, verify, and return the Result. Teardown runs
 * on every exit path; an aborted run returns a Result marked incomplete.
 *
 * The phases live in their own modules: schedule (shape and drain), drive (the open-loop
 * driver), collect (answers and their latency), intervals (per-interval records), settle,
 * judge (the verdict) and result (the Result document).
 */
export async function runBenchmark(o: RunOptions): Promise<Result> {
  const log = o.log ?? (() => {});
  const workload = o.workload;
  const parsedParams = workload.params.safeParse(o.params ?? {});
  if (!parsedParams.success) {
    throw new UserError(
      `Invalid parameters for ${workload.id}: ${parsedParams.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
      'See `streamscore workloads` for each query’s parameters.',
    );
  }
  const params = parsedParams.data;
  if (!(o.rate > 0) || !Number.isFinite(o.rate)) throw new UserError(`The rate must be a positive number of events/s (got ${o.rate}).`);
  if (!(o.durationS > 0)) throw new UserError(`The duration must be positive (got ${o.durationS}s).`);
  const warmupS = o.warmupS ?? 0;
  const intervalS = o.intervalS ?? 1;
  const knobs = o.knobs ?? {};
  const runId = o.runId ?? newRunId(workload.id, o.backend.name);
  const ledger = new Ledger(runId, o.ledgerPath);
  const abort = new AbortController();
  const onAbort = () => abort.abort();
  o.signal?.addEventListener('abort', onAbort);
  const ctx: RunContext = { runId, ledger, log, signal: abort.signal };
  const errors: string[] = [];
  const startedAt = new Date();

  // A backend may answer by semantics of its own (opt-in): the run is scored and judged against
  // the query it answers, and compared with the workload's true query after.
  const answered = o.backend.answers?.({ workload, params, knobs });
  const judged = answered?.workload ?? workload;
  const { watermarkDelayMs, horizonMs } = judged.timing(params);
  const schedule = planSchedule({ rate: o.rate, ...(o.shape ? { shape: o.shape } : {}), warmupS, durationS: o.durationS, horizonMs });
  const { measured, shape, scheduleS } = schedule;

  const request = { runId, workload, params, target: o.target, knobs, rate: measured.peakRate, durationS: scheduleS, ...(o.faults?.length ? { faults: o.faults } : {}) };
  const transport: HarnessTransport = o.transport ?? new MemoryHarnessTransport();
  if (transport.binding.kind !== o.backend.transportFor(o.target)) {
    throw new UserError(`Backend ${o.backend.name} (target ${o.target}) needs the ${o.backend.transportFor(o.target)} transport, not ${transport.binding.kind}.`);
  }
  const faultSpecs = o.faults ?? [];
  const faultsBy = assignFaults(faultSpecs, { backend: o.backend, target: o.target, transport, loadS: warmupS + o.durationS });
  let faults: FaultSchedule | undefined;
  let faultRecords: FaultRecord[] | undefined;

  let deployment: Deployment | undefined;
  let provisioningMs = 0;
  const collector = new Collector(judged, transport);
  let sampler: IntervalSampler | undefined;
  let driver: Driver | PooledDriver | undefined;
  let pool: DriverPool | undefined;
  // Streaming verification has no size limit: the flag is then only an explicit opt-out.
  const verifyMax = o.verifyMaxEvents ?? (collector.answers ? Number.POSITIVE_INFINITY : 5_000_000);
  let complete = true;
  let incompleteReason: string | undefined;
  let baseTimeMs = 0;
  let timeline = scheduleTimeline(shape, 0);

  try {
    PooledDriver.check(o.drivers ?? 1, transport); // before anything is created; the transport is closed on the way out
    const plan = await o.backend.plan(request);
    const t0 = nowMs();
    deployment = await o.backend.provision(plan, ctx);
    provisioningMs = deployment.provisioningMs || Math.round(nowMs() - t0);
    await transport.open({ runId, ledger, backend: o.backend.name });
    await o.backend.start(deployment, { workload, params, transport: transport.binding, knobs }, ctx);

    // Driver processes are forked and ready before the load's clock is set.
    if ((o.drivers ?? 1) > 1) pool = await PooledDriver.fork({ drivers: o.drivers!, workload, generatorOptions: o.generatorOptions ?? {}, shape, transport, signal: abort.signal });
    baseTimeMs = Math.floor(nowMs()) + 20;
    timeline = scheduleTimeline(shape, baseTimeMs);
    const source = workload.generator({ timeline, options: o.generatorOptions ?? {} });
    const clock = phaseClock(schedule, baseTimeMs);
    collector.start(clock);
    if (faultSpecs.length) faults = new FaultSchedule(faultSpecs, faultsBy, { backend: o.backend, deployment, ctx, transport, baseTimeMs });
    // The driver samples an interval whenever one is due; the sampler reads the driver's counts.
    const d: Driver | PooledDriver = pool
      ? new PooledDriver({ pool, workload, clock, intervalS, transport, collector, tick: (now: number): Promise<void> => {
          faults?.poll(now);
          return s.tick(now);
        }, verifyMax, signal: abort.signal })
      : new Driver({ source, timeline, clock, intervalS, transport, collector, tick: (now: number): Promise<void> => {
      faults?.poll(now); // faults fire on the interval clock: at whole seconds of the load
      return s.tick(now);
    }, verifyMax, signal: abort.signal });
    const s: IntervalSampler = new IntervalSampler({
      schedule,
      intervalS,
      baseTimeMs,
      backend: o.backend,
      deployment,
      transport,
      collector,
      driver: d,
      errors,
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
      ...(o.pin ? { pin: o.pin } : {}),
    });
    sampler = s;
    driver = d;

    await d.run();
    // The load is over: lasting faults (throttles, delays) end before the output settles.
    if (faults) faultRecords = await faults.finish(nowMs());
    if (abort.signal.aborted) {
      complete = false;
      incompleteReason = 'interrupted';
    }
    transport.end();
    // A processing-time window still open when the input ends closes on the wall clock.
    // A backend that holds answers (a transactional sink) gets that long too.
    const held = o.backend.holdsAnswersMs?.(deployment) ?? 0;
    const dep = deployment;
    const enginePosition = async (): Promise<number | undefined> => {
      const m = await o.backend.metrics(dep);
      return m[CONSUMER_METRICS.events] ?? m[CONSUMER_METRICS.records];
    };
    if (complete) await settle(transport, collector, judged.kind === 'processing-time' ? horizonMs + 250 : 0, held, enginePosition);
    else collector.drain();
    await s.tick(nowMs());
    await o.backend.stop(deployment, ctx);
    collector.drain();
  } catch (e) {
    complete = false;
    incompleteReason = (e as Error).message;
    if (!(e instanceof UserError) || deployment) errors.push(String((e as Error).message));
    // Interrupted before the backend was up (e.g. while a cluster starts): no error, an
    // incomplete Result like any other interrupted run, so the caller can write it.
    if (abort.signal.aborted) incompleteReason = 'interrupted';
    if (!deployment) {
      await safeTeardown();
      if (!abort.signal.aborted) {
        o.signal?.removeEventListener('abort', onAbort);
        throw e;
      }
    }
  } finally {
    if (faults && !faultRecords) faultRecords = await faults.finish(nowMs());
    pool?.kill();
    if (deployment) await safeTeardown();
    o.signal?.removeEventListener('abort', onAbort);
  }

  async function safeTeardown(): Promise<void> {
    try {
      if (deployment) await o.backend.teardown(deployment, ctx);
      await transport.close();
    } catch (e) {
      errors.push(`teardown: ${(e as Error).message}; leftovers are in the ledger, remove them with \`streamscore cleanup --backend ${o.backend.name}\``);
    }
  }

  const sent = driver?.sent ?? 0;
  const out = collector.out;
  o.onProgress?.({ phase: 'verify', elapsedS: scheduleS, totalS: scheduleS, eventsIn: sent, eventsOut: out, intervalRate: 0, intervalP99Us: 0, backlog: 0 });
  const verdict = judgeRun({
    workload: judged,
    params,
    timeline,
    eventsSent: sent,
    generatorOptions: o.generatorOptions ?? {},
    actual: collector.actual,
    answers: collector.answers,
    keptRows: collector.keepRows,
    verifyMax,
    watermarkDelayMs,
    horizonMs,
    lastEventTime: driver?.lastEventTime ?? 0,
    interrupted: !complete,
    ...(incompleteReason ? { reason: incompleteReason } : {}),
  });
  const cost = costOfRun(ledger, deployment, o.priceBook, sent, errors);
  const result = assembleResult({
    runId,
    toolVersion: o.toolVersion,
    complete,
    incompleteReason,
    startedAt,
    workload,
    params,
    backend: o.backend,
    target: o.target,
    transportKind: transport.binding.kind,
    knobs,
    schedule,
    intervalS,
    latencySloMs: o.latencySloMs,
    deployment,
    provisioningMs,
    baseTimeMs,
    timeline,
    generatorOptions: o.generatorOptions ?? {},
    eventsSent: sent,
    eventsOut: out,
    measureSent: driver?.measureSent ?? 0,
    ranS: measuredSecondsRun(schedule, baseTimeMs, driver?.stoppedAtMs),
    measuredLatency: collector.measuredLatency,
    sendDelay: driver?.sendDelay ?? new IntervalRecorder(),
    intervals: sampler?.intervals ?? [],
    verdict,
    ledger,
    cost,
    errors,
  });
  const pooled = driver instanceof PooledDriver ? driver.merged : undefined;
  const withDrivers = pooled
    ? { ...result, drivers: { count: pooled.drivers, where: pooled.where, maxClockOffsetMs: pooled.maxClockOffsetMs, clock: 'every driver on the collector\'s host (one system clock); offsets estimated by IPC round trips before the load, the best of 8, ± half its round trip' } }
    : result;
  const semantics = answered
    ? compareWithTrueQuery({
        answered,
        workload,
        params,
        timeline,
        eventsSent: sent,
        generatorOptions: o.generatorOptions ?? {},
        actual: collector.keepRows ? collector.actual : undefined,
        cutoffMs: verdict.judgedOn?.cutoffMs ?? undefined,
      })
    : undefined;
  if (semantics) log(semanticsLine(semantics));
  const withSemantics = semantics ? { ...withDrivers, semantics } : withDrivers;
  return faultRecords ? { ...withSemantics, faults: withRecovery(faultRecords, withSemantics.intervals, verdict) } : withSemantics;
}

/** Seconds of the measured phase the load actually ran (all of it, unless the run stopped early). */
function measuredSecondsRun(s: Schedule, baseTimeMs: number, stoppedAtMs: number | undefined): number {
  if (stoppedAtMs === undefined || Number.isNaN(stoppedAtMs) || baseTimeMs === 0) return 0;
  const ranS = (stoppedAtMs - baseTimeMs) / 1000 - s.warmupS;
  return Math.min(s.durationS, Math.max(0, ranS));
}
