import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type Row,
  type KinesisBinding,
  type Ledger,
  type TransportContext,
  type HarnessTransport,
  UserError,
} from '@streamscore/core';
import { FRAMING_NAME, RecordPacker, type PackOptions } from './framing.js';
import { createStream, deleteStream, describeError, explainKinesisError, kinesisClient, listShards, shardHashKeys, streamNamesFor, streamTags, STREAM_PREFIX } from './client.js';
import { KinesisWriter, type WriterOptions, type WriterStats } from './writer.js';
import { KinesisReader, type ReaderOptions, type ReaderStats } from './reader.js';
import { inputLag } from './engine-lag.js';

export interface KinesisTransportOptions {
  runId: string;
  /** Default us-east-1. */
  region?: string;
  /** Endpoint of a local Kinesis (kinesalite); undefined on AWS. */
  endpoint?: string;
  /** Shards of the input and output streams. Default 1 each. */
  inputShards?: number;
  outputShards?: number;
  /** The run's resource ledger: each stream is recorded before it is created. */
  ledger?: Ledger;
  /** Backend named in ledger entries (what `streamscore cleanup --backend` filters on). */
  backend?: string;
  /** Stream name prefix. Default `streamscore-`. */
  streamPrefix?: string;
  /** Extra tags on both streams (the tool and run-id tags are always set). */
  tags?: Record<string, string>;
  framing?: PackOptions;
  writer?: Omit<WriterOptions, 'hashKeys' | 'paceShards'>;
  reader?: Omit<ReaderOptions, 'onRows'>;
  /**
   * Keep to the shards' throughput limits on our side: pace writes to the input stream's
   * capacity (1,000 records/s and 1 MiB/s per shard) and reads to 2 MiB/s per shard. Default:
   * on for AWS, off for a local endpoint (kinesalite enforces no limits). The reader's 5 calls/s
   * per shard is kept either way, so local latency has the same polling profile as AWS.
   */
  pace?: boolean;
  /** Use this client instead of building one (it is then not destroyed by close()). */
  client?: KinesisClient;
  /** Leave the streams in place on close (debugging). Default false. */
  keepStreams?: boolean;
  /** Wait until deleted streams are gone. Default: true for a local endpoint, false on AWS. */
  waitForDeletion?: boolean;
  /** Bound on close()'s wait for queued records. Default 60 s. */
  flushTimeoutMs?: number;
  /** Bound on the wait for a new stream to become ACTIVE. Default 300 s. */
  createTimeoutMs?: number;
}

interface StreamState {
  name: string;
  role: 'input' | 'output';
  shards: number;
  state: 'none' | 'intended' | 'created' | 'deleted';
  arn?: string;
}

/**
 * The harness's end of the Kinesis transport: one input stream the harness writes events to and
 * one output stream it reads rows from, both created by open() and deleted by close(), records
 * in the framing of ./framing.ts. Rows are stamped on arrival with the harness clock.
 */
export class KinesisHarnessTransport implements HarnessTransport {
  /** Polled at 5 calls/s per shard, with engines flushing on timers: allow seconds, not ms. */
  readonly settle = { quietMs: 3_000, maxMs: 20_000 };
  readonly binding: KinesisBinding;
  private o: KinesisTransportOptions;
  private readonly streams: StreamState[];
  private client: KinesisClient | undefined;
  private ownsClient = false;
  private writer: KinesisWriter | undefined;
  private reader: KinesisReader<Row> | undefined;
  private flushing: Promise<void> | undefined;
  private closing: Promise<void> | undefined;
  private eventsSent = 0;
  private readonly packer: RecordPacker;

  constructor(o: KinesisTransportOptions) {
    this.o = o;
    this.packer = new RecordPacker(o.framing);
    const names = streamNamesFor(o.runId, o.streamPrefix ?? STREAM_PREFIX);
    this.binding = {
      kind: 'kinesis',
      region: o.region ?? 'us-east-1',
      ...(o.endpoint ? { endpoint: o.endpoint } : {}),
      inputStream: names.input,
      outputStream: names.output,
      framing: FRAMING_NAME,
    };
    this.streams = [
      { name: names.input, role: 'input', shards: o.inputShards ?? 1, state: 'none' },
      { name: names.output, role: 'output', shards: o.outputShards ?? 1, state: 'none' },
    ];
  }

  private get backendName(): string {
    return this.o.backend ?? 'kinesis-transport';
  }

  async open(ctx?: TransportContext): Promise<void> {
    if (this.client) throw new Error('kinesis transport: open() called twice');
    if (ctx) {
      if (ctx.runId !== this.o.runId) throw new Error(`kinesis transport: made for run ${this.o.runId}, opened for ${ctx.runId}`);
      this.o = { ...this.o, ledger: this.o.ledger ?? ctx.ledger, backend: this.o.backend ?? ctx.backend };
    }
    const concurrency = this.o.writer?.concurrency ?? 4;
    if (this.o.client) this.client = this.o.client;
    else {
      this.client = await kinesisClient({
        region: this.binding.region,
        ...(this.o.endpoint ? { endpoint: this.o.endpoint } : {}),
        maxSockets: concurrency + 2 * (this.streams[1]!.shards + 4),
      });
      this.ownsClient = true;
    }
    const client = this.client;
    const tags = streamTags(this.o.runId, this.o.tags);
    for (const s of this.streams) {
      this.o.ledger?.intend({
        id: s.name,
        backend: this.backendName,
        kind: 'kinesis-shard',
        count: s.shards,
        region: this.binding.region,
        attributes: { stream: s.name, role: s.role, ...(this.o.endpoint ? { local: true } : {}) },
      });
      s.state = 'intended';
    }
    const created = await Promise.allSettled(
      this.streams.map(async (s) => {
        const info = await createStream(client, { name: s.name, shards: s.shards, tags, timeoutMs: this.o.createTimeoutMs ?? 300_000 });
        s.state = 'created';
        if (info.arn) s.arn = info.arn;
        this.o.ledger?.created(s.name, info.arn ? { cloudId: info.arn } : {});
      }),
    );
    const failed = created.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw explainKinesisError(failed.reason, "kinesis transport: creating the run's streams failed", this.o.endpoint);

    const input = this.streams[0]!;
    const hashKeys = shardHashKeys(await listShards(client, input.name));
    const pace = this.o.pace ?? !this.o.endpoint;
    const packer = this.packer;
    this.writer = new KinesisWriter(client, input.name, {
      ...this.o.writer,
      hashKeys,
      ...(pace ? { paceShards: hashKeys.length } : {}),
      source: {
        get pending() {
          return packer.pendingEvents > 0;
        },
        take: () => packer.flush(),
      },
    });
    this.reader = new KinesisReader<Row>(client, this.streams[1]!.name, {
      start: 'TRIM_HORIZON',
      ...(pace ? {} : { maxBytesPerSecondPerShard: Infinity }),
      ...this.o.reader,
    });
    await this.reader.start();
  }

  /**
   * Packs the events into records and hands them to the writer. Full records are queued at
   * once; the last, partial one waits in the packer until the writer can send it, so small
   * sends share records. Waits only when the writer's queue is past its high-water mark.
   */
  send(events: readonly unknown[]): Promise<void> | void {
    const w = this.writer;
    if (!w) throw new Error('kinesis transport: send() before open()');
    const err = w.error ?? this.reader?.error;
    if (err) throw err;
    if (events.length === 0) return;
    this.eventsSent += events.length;
    return w.write(this.packer.add(events));
  }

  drain(visit: (row: Row, arrivalMs: number) => void): void {
    this.reader?.drain(visit);
  }

  /** Input is over: start delivering whatever is still queued. */
  end(): void {
    if (this.writer && !this.flushing) this.flushing = this.writer.flush();
    this.flushing?.catch(() => {});
  }

  /**
   * Counters for the run's metrics: records, events, bytes, PUT payload units, retries,
   * throttles; and, given the engine's metrics of the same interval, the engine's input lag
   * (`inputLagRecords`, `inputLagEvents`, `inputLagMs`: see ./engine-lag.ts).
   */
  metrics(engine?: Readonly<Record<string, number>>): Record<string, number> {
    const out: Record<string, number> = { 'kinesis.in.eventsSent': this.eventsSent };
    const w: WriterStats | undefined = this.writer?.stats;
    if (w) for (const [k, v] of Object.entries(w)) out[`kinesis.in.${k}`] = v;
    if (w && engine) Object.assign(out, inputLag(w, engine));
    const r: ReaderStats | undefined = this.reader?.stats;
    if (r) for (const [k, v] of Object.entries(r)) out[`kinesis.out.${k}`] = v;
    return out;
  }

  /** Non-fatal trouble seen so far (records that did not unpack). */
  problems(): readonly string[] {
    return this.reader?.problems ?? [];
  }

  /**
   * Delivers what is still queued (bounded), stops the reader and deletes both streams,
   * recording each in the ledger. Safe to call after a failed open() and more than once.
   */
  close(): Promise<void> {
    this.closing ??= this.doClose();
    return this.closing;
  }

  private async doClose(): Promise<void> {
    const errors: string[] = [];
    if (this.writer) {
      const flush = this.flushing ?? this.writer.flush();
      let timer: NodeJS.Timeout | undefined;
      const timeoutMs = this.o.flushTimeoutMs ?? 60_000;
      try {
        await Promise.race([
          flush,
          new Promise<void>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${this.writer!.stats.queued} records still queued after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (e) {
        errors.push(`writing the input stream: ${(e as Error).message}`);
      } finally {
        clearTimeout(timer);
      }
      this.writer.close();
    }
    if (this.reader) {
      await this.reader.stop();
      if (this.reader.error) errors.push(`reading the output stream: ${this.reader.error.message}`);
    }
    const client = this.client;
    if (client && !this.o.keepStreams) {
      const wait = this.o.waitForDeletion ?? !!this.o.endpoint;
      await Promise.all(
        this.streams.map(async (s) => {
          if (s.state !== 'intended' && s.state !== 'created') return;
          try {
            await deleteStream(client, s.name, { wait });
            if (this.o.ledger) {
              if (s.state === 'created') this.o.ledger.created(s.name, { attributes: this.ledgerAttributes(s) });
              this.o.ledger.deleted(s.name);
            }
            s.state = 'deleted';
          } catch (e) {
            errors.push(`deleting stream ${s.name}: ${describeError(e)}`);
          }
        }),
      );
    }
    if (this.ownsClient) client?.destroy();
    if (errors.length > 0) {
      const left = this.streams.filter((s) => s.state === 'intended' || s.state === 'created').map((s) => s.name);
      throw new UserError(
        `kinesis transport: ${errors.join('; ')}`,
        left.length > 0 ? `Streams left behind: ${left.join(', ')}; \`streamscore cleanup\` removes them.` : undefined,
      );
    }
  }

  private ledgerAttributes(s: StreamState): Record<string, string | number | boolean> {
    const prev = this.o.ledger?.get(s.name).attributes ?? {};
    const attrs: Record<string, string | number | boolean> = { ...prev };
    if (s.role === 'input' && this.writer) {
      const w = this.writer.stats;
      Object.assign(attrs, { putPayloadUnits: w.putPayloadUnits, records: w.records, events: w.events, bytes: w.bytes, retries: w.retries, throttles: w.throttles });
    }
    if (s.role === 'output' && this.reader) {
      const r = this.reader.stats;
      Object.assign(attrs, { putPayloadUnits: r.putPayloadUnits, records: r.records, events: r.rows, bytes: r.bytes });
    }
    return attrs;
  }
}
