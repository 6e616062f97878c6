import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { AnyWorkload, GeneratorRequest } from '@streamscore/core';
import { startLocalKinesis, type LocalKinesis, KinesisHarnessTransport } from '@streamscore/kinesis';
import { MemoryHarnessTransport } from './harness-transport.js';
import { measureTransportBaseline, passThroughWorkload } from './baseline.js';

/** Events n = 0, 1, 2, … stamped with the timeline; the pass-through hands back {t}. */
const ticks = {
  id: 'test/ticks',
  suite: 'test',
  title: 'ticks',
  description: '',
  kind: 'windowed',
  params: z.object({}),
  output: { columns: [], dueTimeColumn: 'end' },
  eventTime: (e: { t: number }) => e.t,
  generator: (req: GeneratorRequest) => {
    let n = 0;
    return {
      get nextEventNumber() {
        return n;
      },
      hasNext: () => true,
      next: () => ({ n, t: req.timeline!.timestampMs(n++) }),
      dueTimeMs: (k: number) => req.timeline!.timestampMs(k),
    };
  },
  reference: () => [],
  streaming: () => ({ onEvent: () => {}, onWatermark: () => {} }),
  partitioning: { kind: 'single' },
  timing: () => ({ watermarkDelayMs: 4000, horizonMs: 14_000 }),
  module: 'none',
} as unknown as AnyWorkload;

describe('transport baseline', () => {
  let kinesis: LocalKinesis;
  beforeAll(async () => {
    kinesis = await startLocalKinesis();
  });
  afterAll(async () => {
    await kinesis?.stop();
  });

  it('turns any workload into a per-event pass-through checked against every event', () => {
    const p = passThroughWorkload(ticks);
    expect(p.kind).toBe('per-event');
    expect(p.timing({})).toEqual({ watermarkDelayMs: 0, horizonMs: 0 });
    expect(p.reference([{ t: 5 }, { t: 7 }], {})).toEqual([{ t: 5 }, { t: 7 }]);
  });

  it('measures the in-process transport: every event back, sub-second', async () => {
    const b = await measureTransportBaseline({ workload: ticks, transport: new MemoryHarnessTransport(), runId: 'base-mem', rate: 5000, durationS: 1, toolVersion: 't' });
    expect(b.latency.count).toBe(5000);
    expect(b.latency.p99).toBeLessThan(1_000_000);
  });

  it('measures Kinesis through kinesalite: every event back, slower than in process (polling)', async () => {
    const transport = new KinesisHarnessTransport({ runId: 'base-kin', region: 'us-east-1', endpoint: kinesis.endpoint });
    const b = await measureTransportBaseline({ workload: ticks, transport, runId: 'base-kin', rate: 2000, durationS: 2, toolVersion: 't' });
    expect(b.runId).toBe('base-kin');
    expect(b.latency.count).toBe(4000);
    // Two polled hops (input, output) at ≤ 5 GetRecords/s per shard: tens to hundreds of ms.
    expect(b.latency.p50).toBeGreaterThan(10_000);
    expect(b.latency.p50).toBeLessThan(5_000_000);
  });
});
