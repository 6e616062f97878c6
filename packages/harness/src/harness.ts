import { cpus, totalmem, platform, arch } from 'node:os';
import { randomBytes } from 'node:crypto';
import {
  type Backend,
  type Deployment,
  type KnobValues,
  type RunContext,
  type AnyWorkload,
  type Row,
  Ledger,
  IntervalRecorder,
  encodeHistogram,
  percentiles,
  type Histogram,
  nowMs,
  constantShape,
  followedBy,
  type PiecewiseShape,
  scheduleTimeline,
  dueTimeOf,
  type EncodedHistogram,
  type Interval,
  type Result,
  type Verdict,
  RESULT_SCHEMA_VERSION,
  type HarnessTransport,
  UserError,
} from '@streamscore/core';
import { verifyRun } from './verify.js';
import { MemoryHarnessTransport } from './harness-transport.js';
import { loadPriceBook, type PriceBook, costOfLedger } from '@streamscore/cost';

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
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  log?: (message: string) => void;
  toolVersion: string;
}

export interface Progress {
  phase: 'warmup' | 'measure' | 'drain' | 'verify';
  elapsedS: number;
  totalS: number;
  eventsIn: number;
  eventsOut: number;
  intervalRate: number;
  intervalP99Us: number;
  backlog: number;
}

const BATCH = 2048;

export function newRunId(workloadId: string, backend: string): string {
  const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `${stamp}-${backend}-${workloadId.replace(/\//g, '-')}-${randomBytes(3).toString('hex')}`;
}

function encoded(h: Histogram): EncodedHistogram {
  return { unit: 'us', significantDigits: 3, encoded: encodeHistogram(h), percentiles: percentiles(h) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * Runs one benchmark: plan, provision, start the backend, drive an open-loop load, observe
 * outputs, sample every interval, stop, tear down, verify, and return the Result. Teardown runs
 * on every exit path; an aborted run returns a Result marked incomplete.
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

  const { watermarkDelayMs, horizonMs } = workload.timing(params);
  const measured = o.shape ?? constantShape(o.rate, warmupS + o.durationS);
  const drainS = horizonMs > 0 ? Math.ceil((horizonMs + 1000) / 1000) : 0;
  const drainRate = Math.min(measured.peakRate, 1000);
  const shape = drainS > 0 ? followedBy(measured, { durationS: drainS, rate: drainRate }, { ...measured.describe(), drain: { durationS: drainS, rate: drainRate } }) : measured;
  const scheduleS = warmupS + o.durationS + drainS;

  const request = { runId, workload, params, target: o.target, knobs, rate: measured.peakRate, durationS: scheduleS };
  const transport: HarnessTransport = o.transport ?? new MemoryHarnessTransport();
  if (transport.binding.kind !== o.backend.transportFor(o.target)) {
    throw new UserError(`Backend ${o.backend.name} (target ${o.target}) needs the ${o.backend.transportFor(o.target)} transport, not ${transport.binding.kind}.`);
  }

  let deployment: Deployment | undefined;
  let provisioningMs = 0;
  const latency = new IntervalRecorder();
  const sendDelay = new IntervalRecorder();
  const measuredLatency = new IntervalRecorder();
  const intervals: Interval[] = [];
  const actual: Row[] = [];
  const verifyMax = o.verifyMaxEvents ?? 5_000_000;
  let keepRows = true;
  let sent = 0;
  let out = 0;
  let measureSent = 0;
  let complete = true;
  let incompleteReason: string | undefined;
  let baseTimeMs = 0;
  let lastEventTime = 0;
  let timeline = scheduleTimeline(shape, 0);

  try {
    const plan = await o.backend.plan(request);
    const t0 = nowMs();
    deployment = await o.backend.provision(plan, ctx);
    provisioningMs = deployment.provisioningMs || Math.round(nowMs() - t0);
    await transport.open({ runId, ledger, backend: o.backend.name });
    await o.backend.start(deployment, { workload, params, transport: transport.binding, knobs }, ctx);

    baseTimeMs = Math.floor(nowMs()) + 20;
    timeline = scheduleTimeline(shape, baseTimeMs);
    const source = workload.generator({ timeline, options: o.generatorOptions ?? {} });
    const measureStartMs = baseTimeMs + warmupS * 1000;
    const measureEndMs = measureStartMs + o.durationS * 1000;
    const scoredUntilMs = measureEndMs + horizonMs;
    const scheduleEndMs = baseTimeMs + scheduleS * 1000;

    // Rows observed together with the same due time have the same latency: record them as one
    // value with a count (an HDR record costs ~200 ns; at a million rows/s that matters).
    let runArrival = Number.NaN;
    let runDueMs = Number.NaN;
    let runN = 0;
    const flushRun = () => {
      if (runN === 0) return;
      const us = (runArrival - runDueMs) * 1000;
      latency.recordN(us, runN);
      if (runDueMs >= measureStartMs && runDueMs <= scoredUntilMs) measuredLatency.recordN(us, runN);
      runN = 0;
    };
    const observeRow = (row: Row, arrivalMs: number) => {
      out++;
      const due = dueTimeOf(row, workload.output);
      if (due !== runDueMs || arrivalMs !== runArrival) {
        flushRun();
        runDueMs = due;
        runArrival = arrivalMs;
      }
      runN++;
      if (keepRows) actual.push(row);
    };
    const observe = {
      drain: () => {
        transport.drain(observeRow);
        flushRun();
      },
    };

    let lastTickSent = 0;
    let lastTickOut = 0;
    let nextTick = baseTimeMs + intervalS * 1000;
    const tick = async (now: number) => {
      const tS = (now - baseTimeMs) / 1000;
      // An interval belongs to the phase its middle falls in (the last one may be cut short).
      const mid = Math.max(0, tS - intervalS / 2);
      const phase: Interval['phase'] = mid < warmupS ? 'warmup' : mid < warmupS + o.durationS ? 'measure' : 'drain';
      const lat = latency.drainInterval();
      const sd = sendDelay.drainInterval();
      let backend: Record<string, number> = {};
      try {
        backend = { ...(await o.backend.metrics(deployment!)), ...(transport.metrics?.() ?? {}) };
      } catch (e) {
        errors.push(`metrics: ${(e as Error).message}`);
      }
      const backlog = Math.max(0, Math.floor(shape.eventsBy(Math.min(tS, scheduleS))) - sent);
      const iv: Interval = {
        t: Math.round(tS * 1000) / 1000,
        phase,
        targetRate: shape.rateAt(Math.max(0, tS - intervalS / 2)),
        eventsIn: sent - lastTickSent,
        eventsOut: out - lastTickOut,
        sendBacklog: backlog,
        latency: encoded(lat),
        sendDelay: encoded(sd),
        backend,
      };
      intervals.push(iv);
      lastTickSent = sent;
      lastTickOut = out;
      o.onProgress?.({
        phase,
        elapsedS: tS,
        totalS: scheduleS,
        eventsIn: sent,
        eventsOut: out,
        intervalRate: iv.eventsIn / intervalS,
        intervalP99Us: iv.latency.percentiles.p99,
        backlog,
      });
    };

    // The open-loop driver: every event is due at its event time; nothing waits for the system.
    const batch: unknown[] = [];
    let nextDue = timeline.timestampMs(source.nextEventNumber);
    while (!abort.signal.aborted && source.hasNext()) {
      let now = nowMs();
      if (now >= nextTick) {
        observe.drain();
        await tick(now);
        nextTick += intervalS * 1000;
        continue;
      }
      if (nextDue >= scheduleEndMs) break;
      if (nextDue > now) {
        observe.drain();
        const wait = Math.min(nextDue, nextTick) - now;
        if (wait >= 2) await sleep(wait - 1);
        else await yieldToLoop();
        continue;
      }
      // Send everything due, in batches; send delay is recorded per run of equal due times.
      let runDue = nextDue;
      let runCount = 0;
      while (batch.length < BATCH && nextDue <= now && nextDue < scheduleEndMs && source.hasNext()) {
        batch.push(source.next());
        if (nextDue !== runDue) {
          sendDelay.recordN((now - runDue) * 1000, runCount);
          runDue = nextDue;
          runCount = 0;
        }
        runCount++;
        lastEventTime = nextDue;
        nextDue = timeline.timestampMs(source.nextEventNumber);
      }
      if (runCount > 0) sendDelay.recordN((now - runDue) * 1000, runCount);
      sent += batch.length;
      if (now >= measureStartMs && now < measureEndMs) measureSent += batch.length;
      if (keepRows && sent > verifyMax) keepRows = false;
      await transport.send(batch);
      batch.length = 0;
      observe.drain();
      if (nowMs() - now > 5) await yieldToLoop();
    }
    if (abort.signal.aborted) {
      complete = false;
      incompleteReason = 'interrupted';
    }
    transport.end();
    // Grace period: let in-flight answers arrive before stopping.
    // Settle: let in-flight answers arrive — until the output has been quiet for the
    // transport's quiet period, within a bound (a polled transport needs longer than memory).
    const settle = transport.settle ?? { quietMs: 200, maxMs: 500 };
    const settleStart = nowMs();
    let lastOut = out;
    let quietSince = settleStart;
    while (complete && nowMs() - settleStart < settle.maxMs && nowMs() - quietSince < settle.quietMs) {
      observe.drain();
      if (out !== lastOut) {
        lastOut = out;
        quietSince = nowMs();
      }
      await sleep(20);
    }
    observe.drain();
    await tick(nowMs());
    await o.backend.stop(deployment, ctx);
    observe.drain();
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

  // Verification: the oracle regenerates exactly the events that were sent.
  o.onProgress?.({ phase: 'verify', elapsedS: scheduleS, totalS: scheduleS, eventsIn: sent, eventsOut: out, intervalRate: 0, intervalP99Us: 0, backlog: 0 });
  let verdict: Verdict;
  if (!keepRows) {
    verdict = skipped(`the run sent ${sent} events, more than --verify-max-events ${verifyMax}; the answer was not checked`);
  } else {
    try {
      verdict = verifyRun({
        workload,
        params,
        timeline,
        eventsSent: sent,
        generatorOptions: o.generatorOptions ?? {},
        actual,
        cutoffMs: horizonMs > 0 ? lastEventTime - watermarkDelayMs : undefined,
      });
    } catch (e) {
      verdict = skipped(`verification failed to run: ${(e as Error).message}`);
      errors.push(`verify: ${(e as Error).message}`);
    }
  }

  const measuredS = o.durationS;
  let cost: Result['cost'];
  try {
    const region = typeof deployment?.state['region'] === 'string' ? (deployment.state['region'] as string) : 'us-east-1';
    const book = o.priceBook ?? loadPriceBook(region);
    cost = costOfLedger(ledger.list(), book, { events: sent, runEndMs: Date.now() });
  } catch (e) {
    errors.push(`cost: ${(e as Error).message}`);
  }
  const c = cpus();
  const result: Result = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId,
    tool: { name: 'streamscore', version: o.toolVersion },
    complete,
    ...(incompleteReason ? { incompleteReason } : {}),
    startedAt: startedAt.toISOString(),
    endedAt: new Date().toISOString(),
    config: {
      workload: workload.id,
      params,
      backend: o.backend.name,
      target: o.target,
      transport: transport.binding.kind,
      knobs,
      load: { shape: measured.describe(), rate: measured.peakRate, warmupS, durationS: o.durationS, drainS, intervalS },
      ...(o.latencySloMs !== undefined ? { latencySloMs: o.latencySloMs } : {}),
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
      provisioningMs,
      details: deployment ? { target: deployment.target, ...deployment.state } : {},
    },
    generator: {
      baseTimeMs,
      firstEventNumber: 0,
      eventsSent: sent,
      timeline: timeline.describe() as unknown as Record<string, unknown>,
      options: o.generatorOptions ?? {},
    },
    summary: {
      targetRate: measured.peakRate,
      achievedRate: measureSent / measuredS,
      eventsIn: sent,
      eventsOut: out,
      measuredS,
      latency: percentiles(measuredLatency.total),
      sendDelay: percentiles(sendDelay.total),
    },
    latency: encoded(measuredLatency.total),
    sendDelay: encoded(sendDelay.total),
    intervals,
    verdict,
    ledger: ledger.list(),
    ...(cost ? { cost } : {}),
    errors,
  };
  return result;
}

function skipped(note: string): Verdict {
  return { status: 'skipped', method: 'none', matched: 0, missing: 0, unexpected: 0, expected: 0, covered: 0, samples: { missing: [], unexpected: [] }, notes: [note] };
}
