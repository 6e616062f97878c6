import { performance } from 'node:perf_hooks';
import type { KinesisClient, GetShardIteratorInput } from '@aws-sdk/client-kinesis';
import { nowMs } from '@streamscore/core';
import { putPayloadUnits, unpackRecord } from './framing.js';
import { describeError, errorName, isOpenShard, isRetryable, isThrottle, listShards, loadKinesisSdk, type KinesisSdk } from './client.js';

/** GetRecords limits per shard: 5 calls/s, 2 MiB/s, up to 10,000 records per call. */
export const SHARD_GET_RECORDS_PER_S = 5;
export const SHARD_READ_BYTES_PER_S = 2 * 1024 * 1024;
export const GET_RECORDS_MAX_RECORDS = 10_000;
/** GetRecords returns at most 10 MiB; local services do not cap it, so the reader asks for less. */
export const GET_RECORDS_MAX_BYTES = 10 * 1024 * 1024;

export type StartPosition = 'TRIM_HORIZON' | 'LATEST' | { atTimestamp: Date };

export interface ReaderOptions<T extends object = object> {
  /** Where to start in shards open at start(). Default TRIM_HORIZON (everything since creation). */
  start?: StartPosition;
  /** Least time between two GetRecords on one shard. Default 200 ms (5 calls/s, the limit). */
  minCallIntervalMs?: number;
  /** Records per GetRecords. Default 10,000 (the maximum). */
  limit?: number;
  /**
   * Read budget per shard; after a large response the next call waits accordingly. Default
   * 2 MiB/s (the AWS limit); Infinity turns it off.
   */
  maxBytesPerSecondPerShard?: number;
  /** How often to look for new shards (resharding). Default 10 s; 0 = only when a shard closes. */
  shardRefreshMs?: number;
  /** Consecutive failed calls on one shard before the reader gives up. Default 20. */
  maxConsecutiveErrors?: number;
  baseBackoffMs?: number;
  maxBackoffMs?: number;
  /** Receive rows as they arrive instead of buffering them for drain(). */
  onRows?: (rows: T[], arrivalMs: number, shardId: string) => void;
}

export interface ReaderStats {
  calls: number;
  records: number;
  rows: number;
  bytes: number;
  /** PUT payload units of the records read (what their writer was billed). */
  putPayloadUnits: number;
  throttles: number;
  expiredIterators: number;
  /** Failed calls other than throttles and expired iterators. */
  errors: number;
  /** Records that did not unpack (not in the framing, not JSON). */
  badRecords: number;
  /** Shards being read now, and shards read to their end (closed by resharding). */
  shards: number;
  closedShards: number;
  /** Largest MillisBehindLatest of the last response of each shard. */
  millisBehindLatest: number;
  /** Rows buffered, not yet drained. */
  buffered: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * Reads every shard of one stream by polling GetRecords, within the per-shard limits. Each
 * response is stamped with the harness clock the moment it is received; its records are
 * unpacked and buffered as (row, arrival) for drain(). Shards created by resharding are picked
 * up (when a shard closes, and every `shardRefreshMs`). stop() ends every loop, aborts calls in
 * flight, and leaves no timer behind.
 */
export class KinesisReader<T extends object = object> {
  private readonly o: Required<Omit<ReaderOptions<T>, 'onRows'>> & Pick<ReaderOptions<T>, 'onRows'>;
  private readonly abort = new AbortController();
  private readonly loops = new Map<string, Promise<void>>();
  private readonly known = new Set<string>();
  private readonly behind = new Map<string, number>();
  private chunks: { rows: T[]; at: number }[] = [];
  private bufferedRows = 0;
  private sdk: KinesisSdk | undefined;
  private started = false;
  private stopping = false;
  private refreshLoop: Promise<void> | undefined;
  private refreshing: Promise<void> | undefined;
  private failure: Error | undefined;
  private latestAt: Date | undefined;
  private readonly problemList: string[] = [];
  private readonly s = { calls: 0, records: 0, rows: 0, bytes: 0, putPayloadUnits: 0, throttles: 0, expiredIterators: 0, errors: 0, badRecords: 0, closedShards: 0 };

  constructor(
    private readonly client: KinesisClient,
    readonly streamName: string,
    o: ReaderOptions<T> = {},
  ) {
    this.o = {
      start: o.start ?? 'TRIM_HORIZON',
      minCallIntervalMs: o.minCallIntervalMs ?? 1000 / SHARD_GET_RECORDS_PER_S,
      limit: Math.min(o.limit ?? GET_RECORDS_MAX_RECORDS, GET_RECORDS_MAX_RECORDS),
      maxBytesPerSecondPerShard: o.maxBytesPerSecondPerShard ?? SHARD_READ_BYTES_PER_S,
      shardRefreshMs: o.shardRefreshMs ?? 10_000,
      maxConsecutiveErrors: o.maxConsecutiveErrors ?? 20,
      baseBackoffMs: o.baseBackoffMs ?? 100,
      maxBackoffMs: o.maxBackoffMs ?? 5_000,
      onRows: o.onRows,
    };
  }

  get stats(): ReaderStats {
    let behind = 0;
    for (const v of this.behind.values()) behind = Math.max(behind, v);
    return { ...this.s, shards: this.loops.size, millisBehindLatest: behind, buffered: this.bufferedRows };
  }

  /** The error that stopped the reader, if any. */
  get error(): Error | undefined {
    return this.failure;
  }

  /** Records that could not be unpacked, and similar non-fatal trouble (first 20). */
  get problems(): readonly string[] {
    return this.problemList;
  }

  /** Lists the shards and starts polling them. Resolves once every shard has a loop. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.sdk = await loadKinesisSdk();
    if (this.o.start === 'LATEST') this.latestAt = new Date();
    await this.refreshShards(true);
    if (this.o.shardRefreshMs > 0) this.refreshLoop = this.runRefresh();
  }

  /** Visits every row received since the last call, in arrival order, with its arrival time. */
  drain(visit: (row: T, arrivalMs: number) => void): void {
    if (this.chunks.length === 0) return;
    const chunks = this.chunks;
    this.chunks = [];
    this.bufferedRows = 0;
    for (const c of chunks) for (const r of c.rows) visit(r, c.at);
  }

  /** Stops every shard loop and the shard refresh; resolves when all have ended. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    await Promise.allSettled([...this.loops.values(), this.refreshLoop, this.refreshing]);
  }

  private fail(e: Error): void {
    this.failure ??= e;
    this.stopping = true;
    this.abort.abort();
  }

  private problem(msg: string): void {
    if (this.problemList.length < 20) this.problemList.push(msg);
  }

  private async runRefresh(): Promise<void> {
    while (!this.stopping) {
      await sleep(this.o.shardRefreshMs, this.abort.signal);
      if (this.stopping) return;
      await this.refreshShards(false).catch((e: unknown) => this.problem(`ListShards: ${describeError(e)}`));
    }
  }

  private refreshShards(initial: boolean): Promise<void> {
    if (this.refreshing) return this.refreshing;
    const p = (async () => {
      const shards = await listShards(this.client, this.streamName);
      for (const s of shards) {
        const id = s.ShardId;
        if (!id || this.known.has(id) || this.stopping) continue;
        // At start, a closed shard has nothing new for LATEST; later, a new shard is read whole.
        if (initial && this.o.start !== 'TRIM_HORIZON' && !isOpenShard(s)) continue;
        const position: StartPosition = initial ? this.o.start : 'TRIM_HORIZON';
        this.known.add(id);
        const loop = this.runShard(id, position).catch((e: unknown) => this.fail(e instanceof Error ? e : new Error(String(e))));
        this.loops.set(id, loop);
      }
    })();
    this.refreshing = p.finally(() => {
      this.refreshing = undefined;
    });
    return this.refreshing;
  }

  private iteratorInput(shardId: string, position: StartPosition, lastSeq: string | undefined): GetShardIteratorInput {
    const base = { StreamName: this.streamName, ShardId: shardId };
    if (lastSeq) return { ...base, ShardIteratorType: 'AFTER_SEQUENCE_NUMBER', StartingSequenceNumber: lastSeq };
    if (position === 'TRIM_HORIZON') return { ...base, ShardIteratorType: 'TRIM_HORIZON' };
    if (position === 'LATEST') return { ...base, ShardIteratorType: 'LATEST' };
    return { ...base, ShardIteratorType: 'AT_TIMESTAMP', Timestamp: position.atTimestamp };
  }

  private backoffMs(attempt: number): number {
    const cap = Math.min(this.o.maxBackoffMs, this.o.baseBackoffMs * 2 ** Math.max(0, attempt - 1));
    return cap / 2 + Math.random() * (cap / 2);
  }

  private async runShard(shardId: string, position: StartPosition): Promise<void> {
    const { GetShardIteratorCommand, GetRecordsCommand } = this.sdk!;
    const signal = this.abort.signal;
    let iterator: string | undefined;
    let lastSeq: string | undefined;
    let nextAt = 0;
    let consecutive = 0;
    let pos = position;
    // Mean record size seen on this shard, to keep responses near 10 MiB as AWS does.
    let meanRecordBytes = 0;
    try {
      while (!this.stopping) {
        const wait = nextAt - performance.now();
        if (wait > 0) await sleep(wait, signal);
        if (this.stopping) break;
        const started = performance.now();
        try {
          if (!iterator) {
            const it = await this.client.send(new GetShardIteratorCommand(this.iteratorInput(shardId, pos, lastSeq)), { abortSignal: signal });
            iterator = it.ShardIterator;
            // Re-acquiring a LATEST iterator later must not skip what arrived in between.
            if (pos === 'LATEST') pos = { atTimestamp: this.latestAt ?? new Date() };
            if (!iterator) throw new Error(`GetShardIterator returned no iterator for ${shardId}`);
          }
          const limit = meanRecordBytes > 0 ? Math.max(1, Math.min(this.o.limit, Math.floor(GET_RECORDS_MAX_BYTES / meanRecordBytes))) : this.o.limit;
          const r = await this.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: limit }), { abortSignal: signal });
          const at = nowMs();
          this.s.calls++;
          consecutive = 0;
          let bytes = 0;
          const records = r.Records ?? [];
          const rows: T[] = [];
          for (const rec of records) {
            const data = rec.Data;
            if (rec.SequenceNumber) lastSeq = rec.SequenceNumber;
            if (!data) continue;
            bytes += data.length;
            this.s.putPayloadUnits += putPayloadUnits(data.length, rec.PartitionKey ? Buffer.byteLength(rec.PartitionKey) : 0);
            try {
              const unpacked = unpackRecord(data) as T[];
              for (const x of unpacked) rows.push(x);
            } catch (e) {
              this.s.badRecords++;
              this.problem(`record ${rec.SequenceNumber ?? '?'} of ${shardId}: ${(e as Error).message}`);
            }
          }
          if (records.length > 0) meanRecordBytes = meanRecordBytes > 0 ? 0.8 * meanRecordBytes + 0.2 * (bytes / records.length) : bytes / records.length;
          this.s.records += records.length;
          this.s.bytes += bytes;
          this.s.rows += rows.length;
          if (r.MillisBehindLatest !== undefined) this.behind.set(shardId, r.MillisBehindLatest);
          if (rows.length > 0) {
            if (this.o.onRows) {
              try {
                this.o.onRows(rows, at, shardId);
              } catch (e) {
                this.fail(new Error(`the onRows handler of the reader of ${this.streamName} failed: ${(e as Error).message}`, { cause: e }));
                break;
              }
            } else {
              this.chunks.push({ rows, at });
              this.bufferedRows += rows.length;
            }
          }
          iterator = r.NextShardIterator;
          nextAt = started + Math.max(this.o.minCallIntervalMs, (bytes / this.o.maxBytesPerSecondPerShard) * 1000);
          if (!iterator) {
            // The shard was closed by resharding and read to its end: look for its children.
            this.s.closedShards++;
            this.behind.delete(shardId);
            if (!this.stopping) void this.refreshShards(false).catch((e: unknown) => this.problem(`ListShards: ${describeError(e)}`));
            return;
          }
        } catch (e) {
          if (this.stopping) break;
          const name = errorName(e);
          if (name === 'ExpiredIteratorException') {
            this.s.expiredIterators++;
            iterator = undefined;
            continue;
          }
          consecutive++;
          if (isThrottle(e)) this.s.throttles++;
          else if (isRetryable(e)) this.s.errors++;
          else throw new Error(`Kinesis GetRecords on ${this.streamName}/${shardId} failed: ${describeError(e)}`);
          if (consecutive > this.o.maxConsecutiveErrors) {
            throw new Error(`Kinesis GetRecords on ${this.streamName}/${shardId}: ${consecutive} failures in a row, last ${describeError(e)}`);
          }
          nextAt = performance.now() + this.backoffMs(consecutive);
        }
      }
    } finally {
      this.loops.delete(shardId);
    }
  }
}
