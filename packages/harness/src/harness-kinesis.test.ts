import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import {
  type AnyWorkload,
  type EventSource,
  type GeneratorRequest,
  type StreamingQuery,
  type Backend,
  type Deployment,
  type StartRequest,
  type Row,
  Ledger,
  ResultSchema,
} from '@streamscore/core';
import { runBenchmark } from './harness.js';
import {
  KinesisReader,
  KinesisWriter,
  RecordPacker,
  kinesisClient,
  listStreams,
  startLocalKinesis,
  type LocalKinesis,
  KinesisHarnessTransport,
} from '@streamscore/kinesis';

interface Tick {
  n: number;
  t: number;
}

/** Event n carries its number; the query passes even numbers. */
function evenWorkload(): AnyWorkload {
  const w = {
    id: 'test/even',
    suite: 'test',
    title: 'even numbers',
    description: 'passes events with even n',
    kind: 'per-event' as const,
    params: z.object({}),
    output: { columns: [{ name: 'n', type: 'bigint' as const }, { name: 't', type: 'timestamp' as const }], dueTimeColumn: 't' },
    eventTime: (e: Tick) => e.t,
    generator(req: GeneratorRequest): EventSource<Tick> {
      let next = req.firstEventNumber ?? 0;
      const max = req.maxEvents ?? Infinity;
      return {
        get nextEventNumber() {
          return next;
        },
        hasNext: () => next < max,
        next: () => ({ n: next, t: req.timeline!.timestampMs(next++) }),
        dueTimeMs: (n) => req.timeline!.timestampMs(n),
      };
    },
    reference: (events: readonly Tick[]) => events.filter((e) => e.n % 2 === 0).map((e) => ({ n: e.n, t: e.t })),
    streaming: (): StreamingQuery<Tick> => ({
      onEvent: (e, emit) => {
        if (e.n % 2 === 0) emit({ n: e.n, t: e.t });
      },
      onWatermark: () => {},
    }),
    partitioning: { kind: 'any' as const },
    timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
    module: 'none',
  };
  return w as unknown as AnyWorkload;
}

/**
 * A backend fed and read through Kinesis, as the cloud backends are: it reads the input stream,
 * runs the query, and writes rows to the output stream in the shared framing.
 */
function kinesisBackend(): Backend {
  let client: KinesisClient | undefined;
  let reader: KinesisReader<Tick> | undefined;
  let writer: KinesisWriter | undefined;
  const b = {
    name: 'kpass',
    description: 'test',
    capabilities: { workloads: ['*'], targets: ['local'], transports: ['kinesis' as const], knobs: {} },
    transportFor: () => 'kinesis' as const,
    plan: async (request: never) => ({ backend: 'kpass', target: 'local', request, resources: [], projectedCostUsd: 0, notes: [] }),
    provision: async (_p: unknown, ctx: { runId: string }): Promise<Deployment> => ({ backend: 'kpass', target: 'local', runId: ctx.runId, state: {}, provisioningMs: 0 }),
    start: async (_d: Deployment, req: StartRequest) => {
      const t = req.transport;
      if (t.kind !== 'kinesis') throw new Error('kinesis expected');
      client = await kinesisClient({ region: t.region, endpoint: t.endpoint! });
      const q = req.workload.streaming(req.params) as StreamingQuery<Tick>;
      const packer = new RecordPacker();
      const w = new KinesisWriter(client, t.outputStream, {
        source: {
          get pending() {
            return packer.pendingEvents > 0;
          },
          take: () => packer.flush(),
        },
      });
      writer = w;
      reader = new KinesisReader<Tick>(client, t.inputStream, {
        minCallIntervalMs: 50,
        onRows: (events) => {
          const out: Row[] = [];
          for (const e of events) q.onEvent(e, (row) => out.push(row));
          void w.write(packer.add(out));
        },
      });
      await reader.start();
    },
    metrics: async () => ({}),
    stop: async () => {
      await new Promise((r) => setTimeout(r, 300));
      await reader?.stop();
      await writer?.flush();
    },
    teardown: async () => {
      await reader?.stop();
      writer?.close();
      client?.destroy();
    },
    cleanup: async () => ({ found: [], deleted: [], failed: [] }),
  };
  return b as unknown as Backend;
}

let local: LocalKinesis;
beforeAll(async () => {
  local = await startLocalKinesis();
});
afterAll(async () => {
  await local?.stop();
});

describe('runBenchmark over the Kinesis transport', () => {
  it('drives a Kinesis-fed backend: every answer checked, latency measured, streams removed', async () => {
    const runId = 'harness-kinesis-1';
    const ledger = new Ledger(runId);
    const transport = new KinesisHarnessTransport({ runId, endpoint: local.endpoint, inputShards: 2, outputShards: 2, ledger, backend: 'kpass', reader: { minCallIntervalMs: 50 } });
    const r = await runBenchmark({ backend: kinesisBackend(), workload: evenWorkload(), target: 'local', rate: 10_000, durationS: 1.5, runId, transport, toolVersion: 't' });
    expect(ResultSchema.parse(r)).toBeTruthy();
    expect(r.errors).toEqual([]);
    expect(r.config.transport).toBe('kinesis');
    expect(r.summary.eventsIn).toBe(15_000);
    expect(r.verdict.status).toBe('pass');
    expect(r.verdict.matched).toBe(7_500);
    // Both ends poll every 50 ms here; latency is the whole path, due time → harness arrival:
    // typically 60–120 ms, but kinesalite, harness and backend share this process's one CPU,
    // so on a busy machine only sanity is asserted.
    expect(r.summary.latency.p50).toBeGreaterThan(0);
    expect(r.summary.latency.max).toBeLessThan(10_000_000);
    expect(ledger.list().map((e) => [e.kind, e.state])).toEqual([
      ['kinesis-shard', 'deleted'],
      ['kinesis-shard', 'deleted'],
    ]);
    const m = transport.metrics();
    expect(m['kinesis.in.events']).toBe(15_000);
    expect(m['kinesis.out.rows']).toBe(7_500);
    const client = await kinesisClient({ region: 'us-east-1', endpoint: local.endpoint });
    expect(await listStreams(client, `streamscore-${runId}`)).toEqual([]);
    client.destroy();
  });
});
