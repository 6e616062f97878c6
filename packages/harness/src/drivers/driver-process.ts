import { hostname } from 'node:os';
import { z } from 'zod';
import { PiecewiseShape, encodeHistogram, newHistogram, nowMs, scheduleTimeline, type AnyWorkload, type EventSource } from '@streamscore/core';
import { KinesisWriter, RecordPacker, kinesisClient, listShards, shardHashKeys } from '@streamscore/kinesis';
import type { DriverReport } from './merge.js';
import { SlicedSource } from './slice.js';

/** What the pool tells a driver process: parsed with zod where it crosses the process boundary. */
export const DriverInitSchema = z.object({
  module: z.string(),
  workloadId: z.string(),
  generatorOptions: z.record(z.string(), z.unknown()).default({}),
  segments: z.array(z.object({ rate: z.number().nonnegative(), durationS: z.number().positive() })).min(1),
  index: z.number().int().min(0),
  drivers: z.number().int().min(1),
  block: z.number().int().min(1).optional(),
  sink: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('ipc') }),
    z.object({ kind: z.literal('kinesis'), stream: z.string(), region: z.string(), endpoint: z.string().optional() }),
  ]),
});
export type DriverInit = z.infer<typeof DriverInitSchema>;

/** The second message: the load's clock starts (sent once every driver is ready). */
export const DriverGoSchema = z.object({ t: z.literal('go'), baseTimeMs: z.number() });

/** Where a driver's events go: its own connection. */
export interface DriverSink {
  send(events: unknown[]): Promise<void>;
  end(): Promise<void>;
}

const BATCH = 2048;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function loadWorkload(init: DriverInit): Promise<AnyWorkload> {
  const mod = (await import(init.module)) as { workloads?: AnyWorkload[] };
  const w = mod.workloads?.find((x) => x.id === init.workloadId);
  if (!w) throw new Error(`driver: ${init.module} exports no workload ${init.workloadId}`);
  return w;
}

/**
 * One driver: generates its slice of the stream on the run's timeline and sends each event when
 * it falls due (open loop: late sends keep their due time; how late is the send delay).
 */
export async function runDriverSlice(init: DriverInit, workload: AnyWorkload, sink: DriverSink, baseTimeMs: number, signal?: AbortSignal): Promise<DriverReport> {
  const shape = new PiecewiseShape(init.segments);
  const timeline = scheduleTimeline(shape, baseTimeMs);
  const endMs = baseTimeMs + init.segments.reduce((s, x) => s + x.durationS, 0) * 1000;
  const source: EventSource<unknown> = new SlicedSource(
    (first, count) => workload.generator({ timeline, firstEventNumber: first, maxEvents: count, options: init.generatorOptions }),
    { index: init.index, drivers: init.drivers, ...(init.block ? { block: init.block } : {}) },
  );
  const sendDelay = newHistogram();
  const cpu0 = process.cpuUsage();
  let sent = 0;
  const batch: unknown[] = [];
  while (!signal?.aborted && source.hasNext()) {
    let due = timeline.timestampMs(source.nextEventNumber);
    if (due >= endMs) break;
    const now = nowMs();
    if (due > now) {
      const wait = due - now;
      await (wait >= 2 ? sleep(wait - 1) : new Promise<void>((r) => setImmediate(r)));
      continue;
    }
    while (batch.length < BATCH && due <= now && due < endMs && source.hasNext()) {
      batch.push(source.next());
      sendDelay.recordValue(Math.max(0, Math.round((now - due) * 1000)));
      due = timeline.timestampMs(source.nextEventNumber);
    }
    sent += batch.length;
    await sink.send(batch.splice(0));
  }
  await sink.end();
  const cpu = process.cpuUsage(cpu0);
  return {
    index: init.index,
    host: hostname(),
    pid: process.pid,
    sent,
    sendDelay: encodeHistogram(sendDelay),
    clockOffsetMs: 0, // measured by the pool, which sets it
    cpuUserMs: cpu.user / 1000,
    cpuSystemMs: cpu.system / 1000,
  };
}

/** Sends over the IPC channel to the pool (for the in-process memory transport), waiting for each write. */
function ipcSink(): DriverSink {
  return {
    send: (events) => new Promise<void>((resolve, reject) => process.send!({ t: 'events', events }, undefined, {}, (e) => (e ? reject(e) : resolve()))),
    end: async () => {},
  };
}

/** Its own Kinesis client and writer to the run's input stream, records packed as the transport packs them. */
async function kinesisSink(s: Extract<DriverInit['sink'], { kind: 'kinesis' }>): Promise<DriverSink> {
  const client = await kinesisClient({ region: s.region, ...(s.endpoint ? { endpoint: s.endpoint } : {}) });
  const hashKeys = shardHashKeys(await listShards(client, s.stream));
  const packer = new RecordPacker();
  const writer = new KinesisWriter(client, s.stream, {
    hashKeys,
    ...(s.endpoint ? {} : { paceShards: hashKeys.length }),
    source: { get pending() { return packer.pendingEvents > 0; }, take: () => packer.flush() },
  });
  return {
    send: (events) => writer.write(packer.add(events)),
    end: async () => {
      await writer.flush();
      writer.close();
      client.destroy();
    },
  };
}

// As a child process of the pool: an init message (load the workload, open the sink, answer
// ready), clock probes (answered with this process's clock), then go (the load's base time),
// then a report (or an error) and exit.
if (process.send && process.argv.includes('--streamscore-driver')) {
  const fail = (e: unknown) => process.send!({ t: 'error', message: (e as Error).stack ?? String(e) }, undefined, {}, () => process.exit(1));
  let ready: Promise<{ init: DriverInit; workload: AnyWorkload; sink: DriverSink }> | undefined;
  process.on('message', (m: { t?: string; sentAt?: number }) => {
    if (m.t === 'clock') {
      process.send!({ t: 'clock', sentAt: m.sentAt, driverNow: nowMs() });
      return;
    }
    if (m.t === 'go') {
      void (async () => {
        try {
          const { init, workload, sink } = await ready!;
          const report = await runDriverSlice(init, workload, sink, DriverGoSchema.parse(m).baseTimeMs);
          process.send!({ t: 'report', report }, undefined, {}, () => process.exit(0));
        } catch (e) {
          fail(e);
        }
      })();
      return;
    }
    ready = (async () => {
      const init = DriverInitSchema.parse(m);
      const workload = await loadWorkload(init);
      const sink = init.sink.kind === 'ipc' ? ipcSink() : await kinesisSink(init.sink);
      return { init, workload, sink };
    })();
    ready.then(() => process.send!({ t: 'ready' }), fail);
  });
  // The pool is gone (killed): so is this driver.
  process.on('disconnect', () => process.exit(1));
}
