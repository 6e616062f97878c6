import { performance } from 'node:perf_hooks';
import type { KinesisClient, PutRecordsRequestEntry } from '@aws-sdk/client-kinesis';
import { UserError } from '@streamscore/core';
import { putPayloadUnits, recordEventCount } from './framing.js';
import { describeError, errorName, isRetryable, isThrottle, loadKinesisSdk, type KinesisSdk } from './client.js';

/** PutRecords limits: 500 records and 5 MiB (data + partition keys) per call. */
export const PUT_RECORDS_MAX_RECORDS = 500;
export const PUT_RECORDS_MAX_BYTES = 5 * 1024 * 1024;
/** Per-shard write limits. */
export const SHARD_WRITE_RECORDS_PER_S = 1_000;
export const SHARD_WRITE_BYTES_PER_S = 1024 * 1024;

export interface WriterOptions {
  /** PutRecords calls in flight at once. Default 4. */
  concurrency?: number;
  /**
   * Explicit hash keys to cycle through (one per shard: see `shardHashKeys`), spreading records
   * evenly. Without them, partition keys are a counter and Kinesis's MD5 spreads them.
   */
  hashKeys?: readonly string[];
  /** Retries of one record before the writer gives up with an error. Default 10. */
  maxRetries?: number;
  /** Backoff after a failure: base·2^(attempt−1), capped, with jitter. Defaults 50 ms, 2 s. */
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** write() waits while more records than this are queued (bounds memory). Default concurrency·500. */
  highWaterRecords?: number;
  /**
   * Client-side pacing to the shards' write capacity (1,000 records/s and 1 MiB/s per shard,
   * one second of burst), so the writer does not provoke throttling. Give the shard count to
   * enable it; off when undefined.
   */
  paceShards?: number;
  maxRecordsPerCall?: number;
  maxBytesPerCall?: number;
  /**
   * Where partial records come from (a RecordPacker's pending events, as the transport uses):
   * the writer takes them only when it could send them at once and fewer than
   * `partialBelowInFlight` calls are in flight, so events sent in many small batches still
   * travel in few, well-filled records.
   */
  source?: RecordSource;
  /** Default 1: partial records are cut only when no call is in flight. */
  partialBelowInFlight?: number;
}

/** A supplier of records cut on demand (see WriterOptions.source). */
export interface RecordSource {
  /** True while it holds something take() would return. */
  readonly pending: boolean;
  take(): Buffer[];
}

export interface WriterStats {
  /** Records acknowledged by Kinesis. */
  records: number;
  /** Events inside those records (from the framing header). */
  events: number;
  /** Data bytes of those records (partition keys excluded). */
  bytes: number;
  /** PUT payload units billed for them (25 KB each, rounded up per record). */
  putPayloadUnits: number;
  /** PutRecords calls sent, and those that failed as a whole. */
  calls: number;
  failedCalls: number;
  /** Record re-sends. */
  retries: number;
  /** Records (or whole calls) refused with ProvisionedThroughputExceeded or another throttle. */
  throttles: number;
  /** Records waiting to be sent, and calls in flight, now. */
  queued: number;
  inFlight: number;
}

interface Pending {
  data: Buffer;
  pk: string;
  ehk: string | undefined;
  size: number;
  attempts: number;
  lastError?: string;
}

/** A queue with O(1) push/shift, compacted as it drains. */
class Queue<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(x: T): void {
    this.items.push(x);
  }
  peek(): T | undefined {
    return this.items[this.head];
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const x = this.items[this.head]!;
    this.head++;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return x;
  }
  clear(): void {
    this.items = [];
    this.head = 0;
  }
}

export class KinesisWriteError extends UserError {
  constructor(
    message: string,
    nextStep: string | undefined,
    readonly code: string,
  ) {
    super(message, nextStep);
  }
}

/**
 * Writes records to one stream with PutRecords: batches of ≤ 500 records and ≤ 5 MiB, several
 * calls in flight, partition keys spread over the shards, and every failed record retried with
 * exponential backoff and jitter up to a bound. write() returns at once unless the queue is past
 * its high-water mark, so an open-loop driver is never held up by acknowledgements it does not
 * need to wait for. A permanent failure is raised by the next write() or flush().
 */
export class KinesisWriter {
  private readonly concurrency: number;
  private readonly maxRetries: number;
  private readonly baseBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly highWater: number;
  private readonly maxRecords: number;
  private readonly maxBytes: number;
  private readonly hashKeys: readonly string[];
  private readonly source: RecordSource | undefined;
  private readonly partialBelow: number;
  private readonly queue = new Queue<Pending>();
  /** Retried records go ahead of new ones. */
  private readonly retryQueue = new Queue<Pending>();
  private inFlight = 0;
  private pausedUntil = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = 0;
  private failure: Error | undefined;
  private closed = false;
  private seq = 0;
  private spaceWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private idleWaiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  private sdk: KinesisSdk | undefined;
  private sdkLoading: Promise<void> | undefined;
  // Pacing (token buckets, refilled continuously, one second of burst).
  private readonly pace: { records: number; bytes: number } | undefined;
  private recordTokens = 0;
  private byteTokens = 0;
  private tokensAt = performance.now();
  private readonly s: Omit<WriterStats, 'queued' | 'inFlight'> = {
    records: 0,
    events: 0,
    bytes: 0,
    putPayloadUnits: 0,
    calls: 0,
    failedCalls: 0,
    retries: 0,
    throttles: 0,
  };

  constructor(
    private readonly client: KinesisClient,
    readonly streamName: string,
    o: WriterOptions = {},
  ) {
    this.concurrency = Math.max(1, o.concurrency ?? 4);
    this.maxRetries = o.maxRetries ?? 10;
    this.baseBackoffMs = o.baseBackoffMs ?? 50;
    this.maxBackoffMs = o.maxBackoffMs ?? 2_000;
    this.maxRecords = Math.min(o.maxRecordsPerCall ?? PUT_RECORDS_MAX_RECORDS, PUT_RECORDS_MAX_RECORDS);
    this.maxBytes = Math.min(o.maxBytesPerCall ?? PUT_RECORDS_MAX_BYTES, PUT_RECORDS_MAX_BYTES);
    this.highWater = o.highWaterRecords ?? this.concurrency * PUT_RECORDS_MAX_RECORDS;
    this.hashKeys = o.hashKeys ?? [];
    this.source = o.source;
    this.partialBelow = Math.max(1, o.partialBelowInFlight ?? 1);
    if (o.paceShards !== undefined && o.paceShards > 0) {
      this.pace = { records: o.paceShards * SHARD_WRITE_RECORDS_PER_S, bytes: o.paceShards * SHARD_WRITE_BYTES_PER_S };
      this.recordTokens = this.pace.records;
      this.byteTokens = this.pace.bytes;
    }
  }

  get stats(): WriterStats {
    return { ...this.s, queued: this.queue.length + this.retryQueue.length, inFlight: this.inFlight };
  }

  /** The error that stopped the writer, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /**
   * Queues records for writing. Resolves at once while the queue is below its high-water mark,
   * otherwise when it has drained below it; rejects once the writer has failed.
   */
  write(records: readonly Buffer[]): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.closed) return Promise.reject(new Error(`writer for ${this.streamName} is closed`));
    this.enqueue(records);
    this.pump();
    if (this.queued <= this.highWater) return Promise.resolve();
    return new Promise((resolve, reject) => this.spaceWaiters.push({ resolve, reject }));
  }

  /**
   * Resolves when every queued record (and whatever the source holds) has been acknowledged;
   * rejects if the writer failed.
   */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.idle) return Promise.resolve();
    const p = new Promise<void>((resolve, reject) => this.idleWaiters.push({ resolve, reject }));
    this.pump();
    return p;
  }

  private get idle(): boolean {
    return this.queued === 0 && this.inFlight === 0 && !this.source?.pending;
  }

  private enqueue(records: readonly Buffer[]): void {
    for (const data of records) {
      const i = this.seq++;
      const ehk = this.hashKeys.length > 0 ? this.hashKeys[i % this.hashKeys.length] : undefined;
      const pk = (i % 1_000_000).toString(36);
      this.queue.push({ data, pk, ehk, size: data.length + pk.length, attempts: 0 });
    }
  }

  /** Whether the source's partial records may be taken now. */
  private get partialReady(): boolean {
    return !!this.source?.pending && this.inFlight < this.partialBelow;
  }

  /** Stops: pending records are dropped, timers cleared. Call flush() first to deliver them. */
  close(): void {
    this.closed = true;
    this.clearTimer();
    const err = new Error(`writer for ${this.streamName} was closed`);
    this.queue.clear();
    this.retryQueue.clear();
    for (const w of this.spaceWaiters.splice(0)) w.resolve();
    for (const w of this.idleWaiters.splice(0)) w.reject(this.failure ?? err);
  }

  private get queued(): number {
    return this.queue.length + this.retryQueue.length;
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private wakeAt(at: number): void {
    if (this.timer && this.timerAt <= at) return;
    this.clearTimer();
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(1, Math.ceil(at - performance.now())));
  }

  private refill(now: number): void {
    if (!this.pace) return;
    const dt = (now - this.tokensAt) / 1000;
    this.tokensAt = now;
    this.recordTokens = Math.min(this.pace.records, this.recordTokens + dt * this.pace.records);
    this.byteTokens = Math.min(this.pace.bytes, this.byteTokens + dt * this.pace.bytes);
  }

  private pump(): void {
    if (this.failure || this.closed) return;
    if (!this.sdk) {
      this.sdkLoading ??= loadKinesisSdk().then(
        (m) => {
          this.sdk = m;
          this.pump();
        },
        (e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))),
      );
      return;
    }
    while (this.inFlight < this.concurrency && (this.queued > 0 || this.partialReady)) {
      const now = performance.now();
      if (now < this.pausedUntil) {
        this.wakeAt(this.pausedUntil);
        return;
      }
      const batch = this.take(now);
      if (batch.length === 0) return; // paced (take() set the wake-up) or failed
      this.inFlight++;
      void this.put(batch)
        .catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))))
        .finally(() => {
          this.inFlight--;
          this.pump();
          this.notify();
        });
    }
    this.notify();
  }

  private take(now: number): Pending[] {
    this.refill(now);
    const batch: Pending[] = [];
    let bytes = 0;
    let refilled = false;
    for (;;) {
      let q = this.retryQueue.length > 0 ? this.retryQueue : this.queue;
      let next = q.peek();
      if (!next && !refilled && this.partialReady && batch.length < this.maxRecords) {
        if (this.pace && this.recordTokens < 1) {
          if (batch.length === 0) this.wakeAt(now + Math.max(((1 - this.recordTokens) / this.pace.records) * 1000, 1));
          break;
        }
        refilled = true;
        try {
          this.enqueue(this.source!.take());
        } catch (e) {
          this.fail(e instanceof Error ? e : new Error(String(e)));
          break;
        }
        q = this.queue;
        next = q.peek();
      }
      if (!next || batch.length >= this.maxRecords || (batch.length > 0 && bytes + next.size > this.maxBytes)) break;
      if (this.pace && (this.recordTokens < 1 || this.byteTokens < next.size)) {
        if (batch.length === 0) {
          const waitS = Math.max((1 - this.recordTokens) / this.pace.records, (next.size - this.byteTokens) / this.pace.bytes, 0.001);
          this.wakeAt(now + waitS * 1000);
        }
        break;
      }
      q.shift();
      batch.push(next);
      bytes += next.size;
      if (this.pace) {
        this.recordTokens -= 1;
        this.byteTokens -= next.size;
      }
    }
    return batch;
  }

  private notify(): void {
    if (this.queued <= this.highWater) for (const w of this.spaceWaiters.splice(0)) w.resolve();
    if (this.idle) for (const w of this.idleWaiters.splice(0)) w.resolve();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.clearTimer();
    for (const w of this.spaceWaiters.splice(0)) w.reject(e);
    for (const w of this.idleWaiters.splice(0)) w.reject(e);
  }

  private backoff(attempt: number): void {
    const cap = Math.min(this.maxBackoffMs, this.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
    const delay = cap / 2 + Math.random() * (cap / 2);
    this.pausedUntil = Math.max(this.pausedUntil, performance.now() + delay);
  }

  private retry(records: Pending[], error: string): void {
    let worst = 0;
    for (const r of records) {
      r.attempts++;
      r.lastError = error;
      worst = Math.max(worst, r.attempts);
    }
    if (worst > this.maxRetries) {
      const throttled = /ProvisionedThroughputExceeded|Throttl|LimitExceeded/.test(error);
      this.fail(
        new KinesisWriteError(
          `Kinesis PutRecords to stream ${this.streamName}: ${records.length} record(s) still failing after ${this.maxRetries} retries (last error ${error}).`,
          throttled ? 'The stream is under-provisioned for this rate: give it more shards or lower the rate.' : undefined,
          throttled ? 'Throttled' : 'RetriesExhausted',
        ),
      );
      return;
    }
    this.s.retries += records.length;
    for (const r of records) this.retryQueue.push(r);
    this.backoff(worst);
  }

  private async put(batch: Pending[]): Promise<void> {
    const { PutRecordsCommand } = this.sdk!;
    const entries: PutRecordsRequestEntry[] = batch.map((r) => (r.ehk !== undefined ? { Data: r.data, PartitionKey: r.pk, ExplicitHashKey: r.ehk } : { Data: r.data, PartitionKey: r.pk }));
    this.s.calls++;
    let resp;
    try {
      resp = await this.client.send(new PutRecordsCommand({ StreamName: this.streamName, Records: entries }));
    } catch (e) {
      this.s.failedCalls++;
      if (this.failure || this.closed) return;
      if (isThrottle(e)) this.s.throttles += batch.length;
      if (isRetryable(e)) this.retry(batch, describeError(e));
      else {
        const name = errorName(e);
        this.fail(
          new KinesisWriteError(
            `Kinesis PutRecords to stream ${this.streamName} failed: ${describeError(e)}`,
            name === 'ResourceNotFoundException' ? 'The stream does not exist (was it deleted, or created in another region?).' : undefined,
            name,
          ),
        );
      }
      return;
    }
    if (this.closed) return;
    const results = resp.Records ?? [];
    const failed: Pending[] = [];
    let lastError = '';
    let permanent: string | undefined;
    for (let i = 0; i < batch.length; i++) {
      const r = batch[i]!;
      const res = results[i];
      const code = res?.ErrorCode;
      if (!res || code) {
        const c = code ?? 'MissingResult';
        const msg = `${c}: ${res?.ErrorMessage ?? 'no result for this record'}`;
        if (c === 'ProvisionedThroughputExceededException' || c === 'KMSThrottlingException') this.s.throttles++;
        if (c === 'ProvisionedThroughputExceededException' || c === 'InternalFailure' || c === 'KMSThrottlingException' || c === 'MissingResult') {
          failed.push(r);
          lastError = msg;
        } else permanent ??= msg;
        continue;
      }
      this.s.records++;
      this.s.events += recordEventCount(r.data);
      this.s.bytes += r.data.length;
      this.s.putPayloadUnits += putPayloadUnits(r.data.length, r.pk.length);
    }
    if (permanent) {
      this.fail(new KinesisWriteError(`Kinesis PutRecords to stream ${this.streamName} refused a record: ${permanent}`, undefined, permanent.split(':')[0]!));
      return;
    }
    if (failed.length > 0) this.retry(failed, lastError);
  }
}

export interface ShardSizing {
  /** Events per second at the peak of the load. */
  eventsPerSecond: number;
  /** Mean encoded bytes of one event (framing included). */
  eventBytes: number;
  /** Events packed per record at that rate (the packer fills records up to its size and delay). */
  eventsPerRecord: number;
  /**
   * Spare capacity above the load, as a fraction: hash keys spread records evenly, but a shard
   * that is exactly full throttles on every burst. Default 0.25.
   */
  headroom?: number;
}

/**
 * The shards an input stream needs for a rate: each shard takes 1,000 records/s or 1 MiB/s,
 * whichever binds first, and the stream gets `headroom` more than the binding limit asks.
 */
export function shardsForRate(s: ShardSizing): { shards: number; binding: 'records' | 'bytes'; recordsPerSecond: number; bytesPerSecond: number } {
  const headroom = s.headroom ?? 0.25;
  const recordsPerSecond = s.eventsPerSecond / Math.max(1, s.eventsPerRecord);
  const bytesPerSecond = s.eventsPerSecond * s.eventBytes;
  const byRecords = recordsPerSecond / SHARD_WRITE_RECORDS_PER_S;
  const byBytes = bytesPerSecond / SHARD_WRITE_BYTES_PER_S;
  return {
    shards: Math.max(1, Math.ceil(Math.max(byRecords, byBytes) * (1 + headroom))),
    binding: byBytes >= byRecords ? 'bytes' : 'records',
    recordsPerSecond,
    bytesPerSecond,
  };
}
