/**
 * `npm run bench -- drivers`: load generation split over driver processes on this machine.
 * Events/s into the memory transport's connection (IPC to the collector's process) and into
 * kinesalite (each driver its own Kinesis writer), with 1 and 2 driver processes, the ratio
 * 2 ÷ 1 (bounded by this machine's cores, shared with the collector and kinesalite), and whether
 * merged driver histograms give exactly the percentiles of one histogram of every sample.
 */
import { cpus } from 'node:os';
import { performance } from 'node:perf_hooks';
import { decodeHistogram, encodeHistogram, newHistogram, percentiles } from '@streamscore/core';
import { mergeDriverReports, runDriverPool, type DriverInit } from '@streamscore/harness';
import { createStream, kinesisClient, startLocalKinesis } from '@streamscore/kinesis';
import { workloads } from '@streamscore/workload-nexmark';
import type { BenchRow } from './types.js';

const q0 = workloads.find((w) => w.id === 'nexmark/q0')!;

/** Every event due at once (a rate far above what the drivers reach): the figure is their throughput. */
async function throughput(drivers: number, events: number, sink: DriverInit['sink']): Promise<number> {
  let got = 0;
  const baseTimeMs = Date.now() + 500;
  const t0 = performance.now();
  const m = await runDriverPool({
    drivers,
    module: q0.module,
    workloadId: q0.id,
    generatorOptions: {},
    segments: [{ rate: events * 1000, durationS: 0.001 }],
    baseTimeMs,
    sink,
    onEvents: (e) => {
      got += e.length;
    },
  });
  const elapsedS = (performance.now() - t0 - Math.max(0, baseTimeMs - Date.now())) / 1000;
  if (m.sent !== events) throw new Error(`drivers sent ${m.sent} of ${events} events`);
  if (sink.kind === 'ipc' && got !== events) throw new Error(`the collector received ${got} of ${events} events`);
  // Start-up (process fork, module load) is inside the elapsed time: as a run pays it.
  return events / (elapsedS - 0.5);
}

function exactness(): BenchRow {
  const all = newHistogram();
  const parts = [newHistogram(), newHistogram()];
  let seed = 7;
  for (let i = 0; i < 500_000; i++) {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const v = Math.floor((seed / 2 ** 31) ** 3 * 10_000_000) + 1;
    all.recordValue(v);
    parts[i % 2]!.recordValue(v);
  }
  const m = mergeDriverReports(parts.map((h, index) => ({ index, host: 'bench', pid: index, sent: h.totalCount, sendDelay: encodeHistogram(h), clockOffsetMs: 0, cpuUserMs: 0, cpuSystemMs: 0 })));
  const a = percentiles(decodeHistogram(encodeHistogram(all)));
  const b = percentiles(m.sendDelay);
  const same = a.p50 === b.p50 && a.p99 === b.p99 && a.p999 === b.p999 && a.max === b.max && a.count === b.count;
  return { name: 'merged histograms of 2 drivers = one histogram (p50, p99, p99.9, max)', value: same ? 1 : 0, unit: 'exact (1 = yes)', note: `500,000 samples; p50 ${b.p50} µs, p99 ${b.p99} µs, p99.9 ${b.p999} µs` };
}

export async function benchDrivers(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const cores = `${cpus().length} cores shared by drivers and collector`;
  const memEvents = 400_000;
  const mem1 = await throughput(1, memEvents, { kind: 'ipc' });
  const mem2 = await throughput(2, memEvents, { kind: 'ipc' });
  rows.push({ name: 'memory transport (IPC), 1 driver process', value: mem1, unit: 'events/s', note: `nexmark/q0, ${memEvents.toLocaleString('en-US')} events` });
  rows.push({ name: 'memory transport (IPC), 2 driver processes', value: mem2, unit: 'events/s', note: cores });
  rows.push({ name: 'memory transport: 2 ÷ 1', value: mem2 / mem1, unit: 'ratio' });
  const kinesis = await startLocalKinesis();
  try {
    const client = await kinesisClient({ region: 'us-east-1', endpoint: kinesis.endpoint });
    const kEvents = 100_000;
    const one = 'bench-drivers-1';
    const two = 'bench-drivers-2';
    for (const name of [one, two]) await createStream(client, { name, shards: 4 });
    client.destroy();
    const k1 = await throughput(1, kEvents, { kind: 'kinesis', stream: one, region: 'us-east-1', endpoint: kinesis.endpoint });
    const k2 = await throughput(2, kEvents, { kind: 'kinesis', stream: two, region: 'us-east-1', endpoint: kinesis.endpoint });
    rows.push({ name: 'kinesalite, 1 driver process', value: k1, unit: 'events/s', note: `${kEvents.toLocaleString('en-US')} events acknowledged, 4 shards, packed records` });
    rows.push({ name: 'kinesalite, 2 driver processes', value: k2, unit: 'events/s', note: `${cores} and kinesalite` });
    rows.push({ name: 'kinesalite: 2 ÷ 1', value: k2 / k1, unit: 'ratio' });
  } finally {
    await kinesis.stop();
  }
  rows.push(exactness());
  return rows;
}
