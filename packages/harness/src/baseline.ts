import { z } from 'zod';
import type {
  AnyWorkload,
  StreamingQuery,
  Backend,
  Deployment,
  TransportKind,
  Row,
  Result,
  HarnessTransport,
} from '@streamscore/core';
import { runBenchmark, type RunOptions } from './harness.js';

/**
 * The transport's own latency: the same load through the same transport with no engine — each
 * event is handed straight back as a row stamped with its event time. Reported beside a run, it
 * tells what belongs to the engine and what to the transport (Kinesis polling, batching).
 */
export function passThroughWorkload(w: AnyWorkload): AnyWorkload {
  const t = (e: unknown): Row => ({ t: w.eventTime(e) });
  return {
    ...w,
    id: `${w.id}#transport`,
    title: `${w.title}: transport only`,
    description: 'Every event handed back unchanged by a no-op engine; measures the transport alone.',
    kind: 'per-event',
    params: z.object({}).passthrough() as unknown as AnyWorkload['params'],
    output: { columns: [{ name: 't', type: 'timestamp' }], dueTimeColumn: 't' },
    reference: (events) => events.map(t),
    streaming: (): StreamingQuery<unknown> => ({ onEvent: (e, emit) => emit(t(e)), onWatermark: () => {} }),
    partitioning: { kind: 'any' },
    timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
    sql: {},
  };
}

/** A backend that is only a wire: input events come back out as rows, in this process. */
export function transportEchoBackend(kind: TransportKind): Backend {
  const stops = new Map<string, () => Promise<void>>();
  return {
    name: 'transport-echo',
    description: 'no engine: echoes the input back, to measure the transport alone',
    capabilities: { workloads: ['*'], targets: ['local', 'aws'], transports: [kind], knobs: {} },
    transportFor: () => kind,
    plan: async (request) => ({ backend: 'transport-echo', target: request.target, request, resources: [], projectedCostUsd: 0, notes: [] }),
    provision: async (plan, ctx): Promise<Deployment> => ({ backend: 'transport-echo', target: plan.target, runId: ctx.runId, state: {}, provisioningMs: 0 }),
    async start(d, req) {
      const q = req.workload.streaming(req.params);
      const binding = req.transport;
      if (binding.kind === 'memory') {
        binding.subscribe((events) => {
          for (const e of events) q.onEvent(e, binding.emit);
        });
        return;
      }
      const { kinesisClient, KinesisReader, KinesisWriter, packRecords } = await import('@streamscore/kinesis');
      const client = await kinesisClient({ region: binding.region, ...(binding.endpoint ? { endpoint: binding.endpoint } : {}) });
      const writer = new KinesisWriter(client, binding.outputStream);
      const reader = new KinesisReader<object>(client, binding.inputStream, {
        onRows: (events) => {
          const rows: Row[] = [];
          for (const e of events) q.onEvent(e, (r) => rows.push(r));
          void writer.write(packRecords(rows));
        },
      });
      await reader.start();
      stops.set(d.runId, async () => {
        await reader.stop();
        await writer.flush();
        writer.close();
        client.destroy();
      });
    },
    metrics: async () => ({}),
    async stop(d) {
      await stops.get(d.runId)?.();
      stops.delete(d.runId);
    },
    async teardown(d) {
      await stops.get(d.runId)?.();
      stops.delete(d.runId);
    },
    cleanup: async () => ({ found: [], deleted: [], failed: [] }),
  };
}

export interface BaselineOptions extends Pick<RunOptions, 'rate' | 'toolVersion' | 'generatorOptions' | 'signal'> {
  workload: AnyWorkload;
  transport: HarnessTransport;
  runId: string;
  durationS: number;
}

/** Runs the pass-through and returns what a Result's `transportBaseline` holds. */
export async function measureTransportBaseline(o: BaselineOptions): Promise<NonNullable<Result['transportBaseline']>> {
  const r = await runBenchmark({
    backend: transportEchoBackend(o.transport.binding.kind),
    workload: passThroughWorkload(o.workload),
    target: 'local',
    rate: o.rate,
    durationS: o.durationS,
    transport: o.transport,
    runId: o.runId,
    toolVersion: o.toolVersion,
    verifyMaxEvents: 0,
    ...(o.generatorOptions ? { generatorOptions: o.generatorOptions } : {}),
    ...(o.signal ? { signal: o.signal } : {}),
  });
  return { runId: r.runId, latency: r.summary.latency };
}
