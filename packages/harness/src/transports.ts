import { type Backend, UserError, type HarnessTransport, type TransportContext } from '@streamscore/core';
import { KinesisHarnessTransport, startLocalKinesis } from '@streamscore/kinesis';
import { MemoryHarnessTransport } from './harness-transport.js';

/** Targets that run on this machine get a local Kinesis (kinesalite on 127.0.0.1) for the run. */
export const LOCAL_TARGETS = new Set(['local']);

export interface TransportChoice {
  runId: string;
  region?: string;
  inputShards?: number;
  outputShards?: number;
}

/**
 * The harness transport a backend needs on a target: in process for the local engine; Kinesis
 * for every other backend — a local Kinesis started for the run (and stopped with it) on local
 * targets, the real service in the run's region otherwise.
 */
export async function harnessTransportFor(backend: Backend, target: string, c: TransportChoice): Promise<HarnessTransport> {
  const kind = backend.transportFor(target);
  if (kind === 'memory') return new MemoryHarnessTransport();
  if (!LOCAL_TARGETS.has(target)) {
    const region = c.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
    if (!region) throw new UserError(`Backend ${backend.name} on target ${target} feeds Kinesis in an AWS region, and none is set.`, 'Pass --region or set AWS_REGION.');
    return new KinesisHarnessTransport({ runId: c.runId, region, backend: backend.name, ...shards(c) });
  }
  const local = await startLocalKinesis();
  const inner = new KinesisHarnessTransport({ runId: c.runId, region: 'us-east-1', endpoint: local.endpoint, backend: backend.name, ...shards(c) });
  return withCleanup(inner, () => local.stop());
}

function shards(c: TransportChoice): { inputShards?: number; outputShards?: number } {
  return { ...(c.inputShards ? { inputShards: c.inputShards } : {}), ...(c.outputShards ? { outputShards: c.outputShards } : {}) };
}

/** A transport that also stops something of its own (the local Kinesis) when closed. */
function withCleanup(t: HarnessTransport, after: () => Promise<void>): HarnessTransport {
  return {
    get binding() {
      return t.binding;
    },
    ...(t.settle ? { settle: t.settle } : {}),
    open: (ctx?: TransportContext) => t.open(ctx),
    send: (events) => t.send(events),
    drain: (visit) => t.drain(visit),
    end: () => t.end(),
    ...(t.metrics ? { metrics: () => t.metrics!() } : {}),
    close: async () => {
      try {
        await t.close();
      } finally {
        await after();
      }
    },
  };
}
