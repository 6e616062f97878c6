import { type AnyWorkload, type Backend, UserError, constantShape, scheduleTimeline, type FaultSpec, type HarnessTransport, type InjectedFault, type ProcessRef, type TransportContext } from '@streamscore/core';
import { DEFAULT_TARGET_RECORD_BYTES, KinesisHarnessTransport, shardsForRate, startKinesisFaultProxy, startLocalKinesis, type KinesisFaultProxy } from '@streamscore/kinesis';
import { MemoryHarnessTransport } from './harness-transport.js';

/** Targets that run on this machine get a local Kinesis (kinesalite on 127.0.0.1) for the run. */
export const LOCAL_TARGETS = new Set(['local']);

export interface TransportChoice {
  runId: string;
  region?: string;
  inputShards?: number;
  outputShards?: number;
  /**
   * Put the fault proxy (kinesis-throttle, network-delay) between every client and the local
   * Kinesis. Only when the run has wire faults: the extra hop is not free.
   */
  faultProxy?: boolean;
  /**
   * The load the input stream must take: on a cloud target without `inputShards`, the stream gets
   * the shards it needs with headroom (`shardsForRate`). Local Kinesis has no shard limits.
   */
  load?: { peakRate: number; eventBytes: number };
}

/** Mean JSON size of a workload's events, from the first `n` of its stream (what the packer packs). */
export function meanEventBytes(workload: AnyWorkload, generatorOptions: Record<string, unknown> = {}, n = 512): number {
  const g = workload.generator({ timeline: scheduleTimeline(constantShape(1000, 3600), 0), maxEvents: n, options: generatorOptions });
  let bytes = 0;
  let count = 0;
  while (g.hasNext()) {
    bytes += Buffer.byteLength(JSON.stringify(g.next()));
    count++;
  }
  return count ? bytes / count : 0;
}

/** Input shards for a load: events packed into records of the packer's target size. */
export function inputShardsFor(load: { peakRate: number; eventBytes: number }): number {
  const eventsPerRecord = Math.max(1, Math.floor(DEFAULT_TARGET_RECORD_BYTES / (load.eventBytes + 1)));
  return shardsForRate({ eventsPerSecond: load.peakRate, eventBytes: load.eventBytes + 1, eventsPerRecord }).shards;
}

/** Wire faults the proxy injects, by kind. */
export const WIRE_FAULTS = ['kinesis-throttle', 'network-delay'] as const;

/**
 * The harness transport a backend needs on a target: in process for the local engine; Kinesis
 * for every other backend — a local Kinesis started for the run (and stopped with it) on local
 * targets, the real service in the run's region otherwise.
 */
/** The fault kinds the transport of a backend on a target injects (the fault proxy exists only in front of a local Kinesis). */
export function transportFaultKinds(backend: Backend, target: string): readonly string[] {
  return backend.transportFor(target) === 'kinesis' && LOCAL_TARGETS.has(target) ? WIRE_FAULTS : [];
}

export async function harnessTransportFor(backend: Backend, target: string, c: TransportChoice): Promise<HarnessTransport> {
  const kind = backend.transportFor(target);
  if (kind === 'memory') return new MemoryHarnessTransport();
  if (!LOCAL_TARGETS.has(target)) {
    const region = c.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'];
    if (!region) throw new UserError(`Backend ${backend.name} on target ${target} feeds Kinesis in an AWS region, and none is set.`, 'Pass --region or set AWS_REGION.');
    const sized = c.inputShards === undefined && c.load ? { inputShards: inputShardsFor(c.load) } : {};
    return new KinesisHarnessTransport({ runId: c.runId, region, backend: backend.name, ...shards(c), ...sized });
  }
  const local = await startLocalKinesis();
  const proxy = c.faultProxy ? await startKinesisFaultProxy(local.endpoint) : undefined;
  const endpoint = proxy?.endpoint ?? local.endpoint;
  const inner = new KinesisHarnessTransport({ runId: c.runId, region: 'us-east-1', endpoint, backend: backend.name, ...shards(c) });
  const t = withCleanup(
    inner,
    async () => {
      await proxy?.stop();
      await local.stop();
    },
    local.pid !== undefined ? [{ role: 'transport', pid: local.pid }] : [],
  );
  return proxy ? withWireFaults(t, proxy) : t;
}

function opsOption(f: FaultSpec): string[] | undefined {
  const ops = f.options['ops'];
  if (ops === undefined) return undefined;
  const names: Record<string, string[]> = { put: ['PutRecords', 'PutRecord'], get: ['GetRecords'] };
  return String(ops)
    .split('+')
    .flatMap((o) => names[o] ?? [o]);
}

/** The transport, plus the proxy's faults (docs/faults.md: kinesis-throttle, network-delay). */
function withWireFaults(t: HarnessTransport, proxy: KinesisFaultProxy): HarnessTransport {
  const inject = async (f: FaultSpec): Promise<InjectedFault> => {
    const ops = opsOption(f);
    if (f.kind === 'kinesis-throttle') {
      const share = typeof f.options['share'] === 'number' ? f.options['share'] : 0.1;
      proxy.throttle({ share, ...(ops ? { ops } : {}) });
      return {
        effect: `${Math.round(share * 100)}% of ${ops?.join('/') ?? 'PutRecords entries and GetRecords calls'} answered ProvisionedThroughputExceededException`,
        clear: async () => proxy.throttle(undefined),
      };
    }
    if (f.kind === 'network-delay') {
      const ms = Number(f.options['ms'] ?? 100);
      if (!(ms > 0)) throw new UserError(`network-delay needs ms=N, a positive number of milliseconds (got ${String(f.options['ms'])}).`);
      proxy.delay({ ms, ...(ops ? { ops } : {}) });
      return { effect: `every ${ops?.join('/') ?? 'Kinesis'} call held ${ms} ms`, clear: async () => proxy.delay(undefined) };
    }
    throw new Error(`the fault proxy does not inject ${f.kind}`);
  };
  const metrics = (engine?: Readonly<Record<string, number>>) => {
    const s = proxy.stats();
    return { ...(t.metrics?.(engine) ?? {}), proxyThrottled: s.throttled, proxyDelayed: s.delayed };
  };
  return Object.assign(Object.create(t) as HarnessTransport, {
    faultKinds: WIRE_FAULTS,
    injectFault: inject,
    metrics,
  });
}

function shards(c: TransportChoice): { inputShards?: number; outputShards?: number } {
  return { ...(c.inputShards ? { inputShards: c.inputShards } : {}), ...(c.outputShards ? { outputShards: c.outputShards } : {}) };
}

/** A transport that also stops something of its own (the local Kinesis, whose processes it names) when closed. */
function withCleanup(t: HarnessTransport, after: () => Promise<void>, processes: ProcessRef[]): HarnessTransport {
  return {
    get binding() {
      return t.binding;
    },
    ...(t.settle ? { settle: t.settle } : {}),
    open: (ctx?: TransportContext) => t.open(ctx),
    send: (events) => t.send(events),
    drain: (visit) => t.drain(visit),
    end: () => t.end(),
    ...(t.metrics ? { metrics: (engine?: Readonly<Record<string, number>>) => t.metrics!(engine) } : {}),
    processes: () => processes,
    close: async () => {
      try {
        await t.close();
      } finally {
        await after();
      }
    },
  };
}
