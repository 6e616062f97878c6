import type { LambdaClient } from '@aws-sdk/client-lambda';
import { newHistogram, encodeHistogram, decodeHistogram, percentiles, type Histogram } from '@streamscore/core';
import { HashRing } from '../function/hashring.js';
import {
  ASYNC_MAX_FRAGMENT_BYTES,
  SYNC_MAX_FRAGMENT_BYTES,
  encodeStatics,
  fragmentWindow,
  learnSchemas,
  tableOf,
  type EncodedStatics,
  type EventRow,
  type FragmentPayload,
  type FragmentResponse,
  type Schemas,
} from '../function/payload.js';
import { errorName, loadLambdaSdk, reportFromLogResult, type ParsedReport } from '../lambda-client.js';
import type { FlockQueryPlan } from '../query.js';
import { Windower, type ClosedWindow } from './windows.js';
import { CONSUMER_METRICS, type KinesisReader } from '@streamscore/kinesis';

type CoreReader = KinesisReader<object>;

/**
 * The source stage, run as a loop in the plugin (the "driver"): it reads the run's Kinesis input,
 * cuts it into epochs of `epochMs`, forms the query's windows, splits each batch into fragments
 * that fit an Invoke payload, and invokes the next stage — the plain function for per-event
 * queries, or the group member a consistent hash of the window id picks. Flock's own source was a
 * Lambda function fed by an in-function generator; a Kinesis-fed source has to run continuously,
 * which a function (15 minutes at most) cannot, so here it runs on the harness's machine, in a
 * process of its own (./process.ts, driven by ./remote.ts).
 */
export interface DriverOptions {
  lambda: LambdaClient;
  plan: FlockQueryPlan;
  /** Per-event: one function. Windowed: the group's members, in order. */
  functions: string[];
  invocation: 'sync' | 'async';
  epochMs: number;
  /** Largest payload; defaults to the invocation type's limit less a margin. */
  maxFragmentBytes?: number;
  eventTime: (e: EventRow) => number;
  /** Per-event stage: invocations in flight at once. Default 16. */
  maxInFlight?: number;
  /** Sync retries of a throttled or failed call (Flock: up to 200, backoff ≤ 500 ms). Default 200. */
  maxRetries?: number;
  /** Rows of the plan's static tables (loadStatics), shipped with each window's first fragment. */
  statics?: Record<string, readonly EventRow[]>;
  /** Backoff before retry `attempt` (0-based) of a throttled call; default Flock's min(50·(k+1) + rand·100, 500) ms. */
  backoffMs?: (attempt: number) => number;
  log?: (m: string) => void;
}

export interface DriverStats {
  eventsIn: number;
  epochs: number;
  windowsSent: number;
  fragmentsSent: number;
  payloadBytes: number;
  invocations: number;
  /** Invoke calls the service accepted (each leaves one REPORT line). */
  accepted: number;
  throttles: number;
  retries: number;
  functionErrors: number;
  failedFragments: number;
  lateEvents: number;
  /** Events of tables the stage's SQL does not read (dropped at the source), or without a session key. */
  eventsSkipped: number;
  duplicatesReported: number;
  inFlight: number;
  /** From REPORT lines. */
  reports: number;
  billedMs: number;
  durationMs: number;
  coldStarts: number;
  initMs: number;
  maxMemoryUsedMB: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** What a driver run in another process hands back when it stops (./process.ts): its accounts. */
export interface DriverSnapshot {
  stats: DriverStats;
  /** Request ids of the REPORT lines counted, so a late copy of one is not counted twice. */
  seen: string[];
  initHistogram: string;
  invokeHistogram: string;
  errors: string[];
}

export class FlockDriver {
  readonly stats: DriverStats = {
    eventsIn: 0,
    epochs: 0,
    windowsSent: 0,
    fragmentsSent: 0,
    payloadBytes: 0,
    invocations: 0,
    accepted: 0,
    throttles: 0,
    retries: 0,
    functionErrors: 0,
    failedFragments: 0,
    lateEvents: 0,
    eventsSkipped: 0,
    duplicatesReported: 0,
    inFlight: 0,
    reports: 0,
    billedMs: 0,
    durationMs: 0,
    coldStarts: 0,
    initMs: 0,
    maxMemoryUsedMB: 0,
  };
  /** Init Duration of every cold start (µs, HDR). */
  readonly initHistogram: Histogram = newHistogram();
  /** Client-observed Invoke round trip (µs, HDR). */
  readonly invokeHistogram: Histogram = newHistogram();
  readonly errors: string[] = [];
  private buffer: EventRow[] = [];
  private readonly schemas: Schemas = {};
  private readonly windower: Windower | undefined;
  private readonly ring: HashRing | undefined;
  private readonly memberChains = new Map<string, Promise<void>>();
  private readonly inFlight = new Set<Promise<void>>();
  private timer: NodeJS.Timeout | undefined;
  private epochSeq = 0;
  private running = false;
  private ticking: Promise<void> = Promise.resolve();
  private reader: CoreReader | undefined;
  private readonly seenReports = new Set<string>();
  private lastRowAt = 0;
  private readonly defaultTable: string;
  private readonly statics: EncodedStatics | undefined;
  private readonly wantedTables = new Map<string, boolean>();
  /** Events cut into fragments whose invocations have not all been accepted yet. */
  private awaitingInvocation = 0;

  constructor(private readonly o: DriverOptions) {
    this.defaultTable = o.plan.eventTable ?? 'events';
    if (o.statics && Object.keys(o.statics).length > 0) this.statics = encodeStatics(o.statics, this.schemas);
    if (o.plan.stage === 'window-aggregate') {
      this.windower = new Windower(o.plan.window!, o.plan.watermarkDelayMs, o.eventTime);
      this.ring = new HashRing(o.functions);
    }
  }

  /** Whether the stage's SQL names this table (events of other tables need not travel). */
  private wanted(table: string): boolean {
    let w = this.wantedTables.get(table);
    if (w === undefined) {
      const re = new RegExp(`(^|[^A-Za-z0-9_])${table.replace(/[^A-Za-z0-9_]/g, '')}([^A-Za-z0-9_]|$)`, 'i');
      w = re.test(this.o.plan.sql);
      this.wantedTables.set(table, w);
    }
    return w;
  }

  get maxFragmentBytes(): number {
    return this.o.maxFragmentBytes ?? (this.o.invocation === 'async' ? ASYNC_MAX_FRAGMENT_BYTES : SYNC_MAX_FRAGMENT_BYTES);
  }

  /** Events read from the input stream (the reader's onRows). */
  push(rows: readonly object[]): void {
    for (const r of rows) this.buffer.push(r as EventRow);
    this.stats.eventsIn += rows.length;
    if (rows.length > 0) this.lastRowAt = Date.now();
  }

  attachReader(r: CoreReader): void {
    this.reader = r;
  }

  /**
   * How far this engine has taken in its input, as the Kinesis transport's consumer metrics. The
   * reader reads eagerly, so Flock's backlog is not in the stream but here: events read and not yet
   * cut into an epoch, and events of fragments still waiting for an accepted invocation. Events held
   * in open windows have been taken in (as a Flink source's are once read); an event of hopping
   * windows counts once per window waiting to be sent, so there the lag reads high by up to the
   * windows' overlap — its trend, what find-max tests, is unaffected. Only the event count is
   * a position here: the records the backlog came in are no longer known, so no records position
   * (the transport then reports `inputLagEvents` and `inputLagMs`, not `inputLagRecords`).
   */
  position(): Record<string, number> {
    const r = this.reader?.stats;
    const out: Record<string, number> = { [CONSUMER_METRICS.events]: Math.max(0, this.stats.eventsIn - this.buffer.length - this.awaitingInvocation) };
    if (r) out[CONSUMER_METRICS.millisBehind] = r.millisBehindLatest;
    return out;
  }

  start(): void {
    this.running = true;
    this.timer = setInterval(() => {
      this.ticking = this.ticking.then(() => this.epoch()).catch((e: unknown) => this.error(`epoch: ${(e as Error).message}`));
    }, this.o.epochMs);
  }

  /**
   * Lets the input reader catch up (until no event has arrived for `quietMs`, bounded), stops
   * cutting epochs, sends what is buffered, and waits for every invocation in flight (bounded).
   */
  async stop(timeoutMs = 60_000, quietMs = 600): Promise<void> {
    const catchUpUntil = Date.now() + Math.min(timeoutMs, 15_000);
    while (this.running && this.lastRowAt > 0 && Date.now() - this.lastRowAt < quietMs && Date.now() < catchUpUntil) await sleep(50);
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.running) {
      this.running = false;
      await this.ticking;
      await this.epoch();
    }
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await Promise.race([Promise.allSettled([...this.inFlight]), sleep(100)]);
  }

  /** Records a REPORT (from a Tail log, or the async path's log reader); idempotent per request id. */
  addReport(r: ParsedReport): void {
    if (r.requestId && this.seenReports.has(r.requestId)) return;
    if (r.requestId) this.seenReports.add(r.requestId);
    this.stats.reports++;
    this.stats.billedMs += r.billedMs;
    this.stats.durationMs += r.durationMs;
    if (r.maxMemoryUsedMB !== undefined) this.stats.maxMemoryUsedMB = Math.max(this.stats.maxMemoryUsedMB, r.maxMemoryUsedMB);
    if (r.initMs !== undefined) {
      this.stats.coldStarts++;
      this.stats.initMs += r.initMs;
      this.initHistogram.recordValue(Math.max(1, Math.round(r.initMs * 1000)));
    }
  }

  snapshot(): DriverSnapshot {
    return {
      stats: { ...this.stats },
      seen: [...this.seenReports],
      initHistogram: encodeHistogram(this.initHistogram),
      invokeHistogram: encodeHistogram(this.invokeHistogram),
      errors: [...this.errors],
    };
  }

  /** Takes over the accounts of a driver that ran elsewhere (REPORT lines may still come in). */
  restore(s: DriverSnapshot): void {
    Object.assign(this.stats, s.stats);
    for (const id of s.seen) this.seenReports.add(id);
    this.initHistogram.add(decodeHistogram(s.initHistogram));
    this.invokeHistogram.add(decodeHistogram(s.invokeHistogram));
    this.errors.push(...s.errors.slice(0, 100 - this.errors.length));
  }

  summary(): Record<string, unknown> {
    return {
      ...this.stats,
      initDurationUs: { unit: 'us', significantDigits: 3, encoded: encodeHistogram(this.initHistogram), percentiles: percentiles(this.initHistogram) },
      invokeRoundTripUs: { unit: 'us', significantDigits: 3, encoded: encodeHistogram(this.invokeHistogram), percentiles: percentiles(this.invokeHistogram) },
    };
  }

  private error(m: string): void {
    if (this.errors.length < 100) this.errors.push(m);
    this.o.log?.(`flock: ${m}`);
  }

  /** One epoch: take what was read, form windows, send what is due. */
  async epoch(): Promise<void> {
    if (this.reader?.error) this.error(`input: ${this.reader.error.message}`);
    const all = this.buffer;
    this.buffer = [];
    this.stats.epochs++;
    const epoch = this.epochSeq++;
    // Every table seen so far exists in the function (empty if need be); only rows of the tables
    // the SQL reads travel.
    if (all.length > 0) learnSchemas(this.schemas, all, this.defaultTable);
    const events = all.filter((e) => this.wanted(tableOf(e, this.defaultTable)));
    this.stats.eventsSkipped += all.length - events.length;
    if (this.o.plan.stage === 'per-event') {
      if (events.length === 0) return;
      const frags = fragmentWindow({ id: `e${epoch}`, start: 0, end: 0 }, events, this.fragmentOptions());
      this.stats.windowsSent++;
      this.awaitingInvocation += all.length;
      const sent: Promise<void>[] = [];
      for (const f of frags) sent.push((await this.dispatch(this.o.functions[0]!, f, this.o.maxInFlight ?? 16)).done);
      void Promise.allSettled(sent).then(() => (this.awaitingInvocation -= all.length));
      return;
    }
    const w = this.windower!;
    const keyless = w.keylessEvents;
    w.observe(all);
    w.add(events);
    this.stats.lateEvents = w.lateEvents;
    this.stats.eventsSkipped += w.keylessEvents - keyless;
    for (const win of w.advance()) this.sendWindow(win);
  }

  private fragmentOptions() {
    return { maxBytes: this.maxFragmentBytes, schemas: this.schemas, defaultTable: this.defaultTable, ...(this.statics ? { statics: this.statics } : {}) };
  }

  private sendWindow(win: ClosedWindow): void {
    const member = this.ring!.get(win.ref.id);
    // Session rows carry window_start / window_end: add them to the tables' schemas.
    if (this.o.plan.window?.kind === 'session') learnSchemas(this.schemas, win.rows, this.defaultTable);
    const frags = fragmentWindow(win.ref, win.rows, this.fragmentOptions());
    this.stats.windowsSent++;
    this.awaitingInvocation += win.rows.length;
    // Fragments of one member go one after another (it has one environment); members run in parallel.
    const prev = this.memberChains.get(member) ?? Promise.resolve();
    const next = prev.then(async () => {
      for (const f of frags) await this.invokeWithRetry(member, f);
    });
    const tracked = next
      .catch((e: unknown) => this.error(`window ${win.ref.id}: ${(e as Error).message}`))
      .finally(() => (this.awaitingInvocation -= win.rows.length));
    this.memberChains.set(member, tracked);
    this.track(tracked);
  }

  /** Waits for room in flight and starts the invocation; `done` settles when it has. */
  private async dispatch(fn: string, f: FragmentPayload, maxInFlight: number): Promise<{ done: Promise<void> }> {
    // Slow start: at most one more invocation in flight than have completed, so the first epochs
    // do not each cold-start an environment while the first one is still initializing.
    const allowed = () => Math.min(maxInFlight, 1 + this.stats.accepted);
    while (this.inFlight.size >= allowed()) await Promise.race(this.inFlight);
    const p = this.invokeWithRetry(fn, f).catch((e: unknown) => this.error(`fragment ${f.window.id}/${f.seq}: ${(e as Error).message}`));
    this.track(p);
    return { done: p };
  }

  private track(p: Promise<void>): void {
    this.inFlight.add(p);
    this.stats.inFlight = this.inFlight.size;
    void p.finally(() => {
      this.inFlight.delete(p);
      this.stats.inFlight = this.inFlight.size;
    });
  }

  /** One fragment: Invoke, retrying throttles (429) and service errors with Flock's backoff. */
  private async invokeWithRetry(fn: string, f: FragmentPayload): Promise<void> {
    const { InvokeCommand } = await loadLambdaSdk();
    const body = Buffer.from(JSON.stringify(f));
    const sync = this.o.invocation === 'sync';
    const maxRetries = this.o.maxRetries ?? 200;
    this.stats.fragmentsSent++;
    this.stats.payloadBytes += body.length;
    for (let attempt = 0; ; attempt++) {
      const t0 = performance.now();
      try {
        this.stats.invocations++;
        const r = await this.o.lambda.send(
          new InvokeCommand({ FunctionName: fn, InvocationType: sync ? 'RequestResponse' : 'Event', ...(sync ? { LogType: 'Tail' } : {}), Payload: body }),
        );
        this.invokeHistogram.recordValue(Math.max(1, Math.round((performance.now() - t0) * 1000)));
        this.stats.accepted++;
        if (sync) {
          const rep = reportFromLogResult(r.LogResult);
          if (rep) this.addReport(rep);
        }
        if (r.FunctionError) {
          this.stats.functionErrors++;
          const text = r.Payload ? Buffer.from(r.Payload).toString('utf8') : '';
          if (attempt < 2) {
            this.stats.retries++;
            await sleep(100 * (attempt + 1));
            continue;
          }
          this.stats.failedFragments++;
          throw new Error(`${fn} failed on fragment ${f.seq}/${f.count} of window ${f.window.id}: ${text.slice(0, 300)}`);
        }
        if (sync && r.Payload) {
          const resp = JSON.parse(Buffer.from(r.Payload).toString('utf8')) as FragmentResponse;
          if (resp.status === 'duplicate' || resp.status === 'late') this.stats.duplicatesReported++;
        }
        return;
      } catch (e) {
        const name = errorName(e);
        const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        const throttled = name === 'TooManyRequestsException' || status === 429;
        const transient = throttled || (status !== undefined && status >= 500) || /ECONNRESET|ECONNREFUSED|socket hang up|TimeoutError/.test(`${name} ${(e as Error).message}`);
        if (throttled) this.stats.throttles++;
        if (!transient || attempt >= maxRetries) {
          if (name !== 'Error' || status !== undefined) this.stats.failedFragments++;
          throw e;
        }
        this.stats.retries++;
        // Flock's sync retry: min(50·k + rand(0..100), 500) ms.
        await sleep(this.o.backoffMs ? this.o.backoffMs(attempt) : Math.min(50 * (attempt + 1) + Math.random() * 100, 500));
      }
    }
  }
}
