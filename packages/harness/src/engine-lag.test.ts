import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import type { AnyWorkload, Backend, Deployment, EventSource, GeneratorRequest, HarnessTransport, Result, StartRequest, StreamingQuery } from '@streamscore/core';
import { KinesisHarnessTransport, KinesisReader, kinesisClient, readerPosition, startLocalKinesis, type LocalKinesis } from '@streamscore/kinesis';
import { runBenchmark } from './harness.js';
import { harnessTransportFor } from './transports.js';

interface Tick {
  n: number;
  t: number;
}

/** Event n carries its number; the query answers nothing (only the engine's reading matters here). */
function ticks(): AnyWorkload {
  const w = {
    id: 'test/ticks',
    suite: 'test',
    title: 'ticks',
    description: 'numbered events, no answers',
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
    reference: () => [],
    streaming: (): StreamingQuery<Tick> => ({ onEvent: () => {}, onWatermark: () => {} }),
    partitioning: { kind: 'any' as const },
    timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
    module: 'none',
  };
  return w as unknown as AnyWorkload;
}

/**
 * An engine fed through Kinesis that reads its input stream with GetRecords of `limit` records
 * every `everyMs`, and reports its read position as every Kinesis-fed engine does.
 */
function readingEngine(o: { limit: number; everyMs: number }): Backend {
  let client: KinesisClient | undefined;
  let reader: KinesisReader<Tick> | undefined;
  const b = {
    name: 'kread',
    description: 'test',
    capabilities: { workloads: ['*'], targets: ['local'], transports: ['kinesis' as const], knobs: {} },
    transportFor: () => 'kinesis' as const,
    plan: async (request: never) => ({ backend: 'kread', target: 'local', request, resources: [], projectedCostUsd: 0, notes: [] }),
    provision: async (_p: unknown, ctx: { runId: string }): Promise<Deployment> => ({ backend: 'kread', target: 'local', runId: ctx.runId, state: {}, provisioningMs: 0 }),
    start: async (_d: Deployment, req: StartRequest) => {
      const t = req.transport;
      if (t.kind !== 'kinesis') throw new Error('kinesis expected');
      client = await kinesisClient({ region: t.region, endpoint: t.endpoint! });
      reader = new KinesisReader<Tick>(client, t.inputStream, { limit: o.limit, minCallIntervalMs: o.everyMs, onRows: () => {} });
      await reader.start();
    },
    metrics: async () => (reader ? readerPosition(reader.stats) : {}),
    stop: async () => {
      await reader?.stop();
    },
    teardown: async () => {
      await reader?.stop();
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

async function run(runId: string, engine: Backend, transport: HarnessTransport): Promise<Result> {
  return runBenchmark({ backend: engine, workload: ticks(), target: 'local', rate: 4_000, durationS: 3, intervalS: 0.5, runId, transport, toolVersion: 't' });
}

const lagOf = (r: Result, key: string) => r.intervals.filter((i) => i.phase === 'measure').map((i) => i.backend[key]);

describe("the engine's input lag over the Kinesis transport", () => {
  it('grows, interval by interval, when the engine reads slower than the load arrives (kinesalite in its own process, its CPU the transport’s); stays near zero when it keeps up', async () => {
    // 2 records/s read, while the writer cuts a record whenever no PutRecords is in flight (tens a second).
    // As `run` makes it for a local target: kinesalite in a child process, whose CPU is the transport's.
    const engine = readingEngine({ limit: 1, everyMs: 500 });
    const slowTransport = await harnessTransportFor(engine, 'local', { runId: 'engine-lag-slow' });
    const slow = { r: await run('engine-lag-slow', engine, slowTransport), written: slowTransport.metrics!()['kinesis.in.records'] ?? 0 };
    const records = lagOf(slow.r, 'inputLagRecords');
    const events = lagOf(slow.r, 'inputLagEvents');
    expect(records.length).toBeGreaterThanOrEqual(5);
    expect(records.every((v) => typeof v === 'number')).toBe(true);
    const rs = records as number[];
    for (let i = 1; i < rs.length; i++) expect(rs[i]).toBeGreaterThanOrEqual(rs[i - 1]!);
    // The engine read at most 2 records/s of what was written: the lag is all but everything.
    expect(rs[rs.length - 1]!).toBeGreaterThan(rs[0]! + 10);
    expect(rs[rs.length - 1]!).toBeLessThanOrEqual(slow.written);
    // In events, the lag is the load less ≤ 2 records' worth a second: well over half of 4,000/s × 2.5 s.
    expect((events[events.length - 1] as number) - (events[0] as number)).toBeGreaterThan(5_000);
    // kinesalite served ~100 PutRecords and GetRecords calls a second in its own process.
    expect(slow.r.intervals.every((i) => i.cpu !== undefined && i.cpu.transportS !== undefined)).toBe(true);
    expect(slow.r.intervals.reduce((a, i) => a + (i.cpu?.transportS ?? 0), 0)).toBeGreaterThan(0.05);

    const fastTransport = new KinesisHarnessTransport({ runId: 'engine-lag-fast', endpoint: local.endpoint, reader: { minCallIntervalMs: 50 } });
    const fast = await run('engine-lag-fast', readingEngine({ limit: 10_000, everyMs: 50 }), fastTransport);
    const fastEvents = lagOf(fast, 'inputLagEvents') as number[];
    expect(fastEvents.length).toBeGreaterThanOrEqual(5);
    // Reading every 50 ms, the engine is at most a few polls (≈ 4,000/s × 0.25 s) behind.
    expect(Math.max(...fastEvents)).toBeLessThan(1_000);
  }, 60_000);
});
