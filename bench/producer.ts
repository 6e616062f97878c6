/**
 * `npm run bench -- producer`: the Kinesis producer (RecordPacker + KinesisWriter + the SDK's
 * PutRecords over HTTP/1.1) against a stand-in Kinesis endpoint in another process that
 * acknowledges every record at once. It measures the producer's own cost: events per CPU-second of
 * the producing process (one core), serialisation, SigV4 signing and HTTP included, TLS and the
 * network not. It also measures the writer paced to 2 shards' limits (records/s and bytes/s
 * against 2,000 records/s and 2 MiB/s), and throttling: a tenth of the records refused once with
 * ProvisionedThroughputExceeded are retried with backoff, counted, and delivered once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { constantShape, scheduleTimeline } from '@streamscore/core';
import { KinesisWriter, RecordPacker, SHARD_WRITE_BYTES_PER_S, SHARD_WRITE_RECORDS_PER_S, kinesisClient } from '@streamscore/kinesis';
import { workloads } from '@streamscore/workload-nexmark';
import type { BenchRow } from './types.js';

/** A PutRecords endpoint: every record acknowledged, except every `throttleEvery`-th seen the first time. */
const SERVER = `
const http = require('node:http');
const throttleEvery = Number(process.argv[1] || 0);
const seen = new Set();
let n = 0;
const srv = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = JSON.parse(Buffer.concat(chunks).toString());
    let failed = 0;
    const Records = body.Records.map((r) => {
      const key = r.Data.slice(0, 64) + r.Data.length + r.PartitionKey;
      n++;
      if (throttleEvery && n % throttleEvery === 0 && !seen.has(key)) {
        seen.add(key);
        failed++;
        return { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000' };
      }
      return { SequenceNumber: String(n), ShardId: 'shardId-000000000000' };
    });
    res.setHeader('content-type', 'application/x-amz-json-1.1');
    res.end(JSON.stringify({ FailedRecordCount: failed, Records }));
  });
});
srv.listen(0, '127.0.0.1', () => process.send(srv.address().port));
`;

async function startServer(throttleEvery = 0): Promise<{ endpoint: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['-e', SERVER, String(throttleEvery)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('message', (m) => resolve(Number(m)));
    child.once('exit', (c) => reject(new Error(`the stand-in Kinesis exited ${c}`)));
  });
  return { endpoint: `http://127.0.0.1:${port}`, child };
}

function bids(n: number): unknown[] {
  const q0 = workloads.find((w) => w.id === 'nexmark/q0')!;
  const g = q0.generator({ timeline: scheduleTimeline(constantShape(1e6, 3600), Date.now()), maxEvents: n });
  const out: unknown[] = [];
  while (g.hasNext()) out.push(g.next());
  return out;
}

async function produce(endpoint: string, events: unknown[], o: { paceShards?: number; baseBackoffMs?: number } = {}) {
  const client = await kinesisClient({ region: 'us-east-1', endpoint });
  const packer = new RecordPacker();
  const writer = new KinesisWriter(client, 'bench', {
    concurrency: 4,
    hashKeys: ['0', '170141183460469231731687303715884105728'],
    ...(o.paceShards ? { paceShards: o.paceShards } : {}),
    ...(o.baseBackoffMs ? { baseBackoffMs: o.baseBackoffMs } : {}),
    source: { get pending() { return packer.pendingEvents > 0; }, take: () => packer.flush() },
  });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < events.length; i += 2048) await writer.write(packer.add(events.slice(i, i + 2048)));
  await writer.flush();
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const stats = writer.stats;
  writer.close();
  client.destroy();
  return { wallS, cpuS: (cpu.user + cpu.system) / 1e6, stats };
}

export async function benchProducer(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const events = bids(300_000);
  let s = await startServer();
  try {
    const r = await produce(s.endpoint, events);
    rows.push({ name: 'producer: events per CPU-second (one core)', value: r.stats.events / r.cpuS, unit: 'events/s/core', note: `nexmark bids, ${r.stats.records} packed records of ≈${Math.round(r.stats.bytes / r.stats.records / 1024)} KiB; SDK + SigV4 + HTTP/1.1 to a stand-in on 127.0.0.1, no TLS` });
    rows.push({ name: 'producer: records per CPU-second', value: r.stats.records / r.cpuS, unit: 'records/s/core', note: `${r.stats.calls} PutRecords calls, 4 in flight` });
    // Paced to 2 shards: 3 s of input at twice the limit.
    const limitBytes = 2 * SHARD_WRITE_BYTES_PER_S;
    const perEvent = r.stats.bytes / r.stats.events;
    const paced = await produce(s.endpoint, events.slice(0, Math.min(events.length, Math.ceil((3 * limitBytes) / perEvent))), { paceShards: 2 });
    // The writer's bucket starts with one second of capacity, then refills at the limit: what it
    // may send in T seconds is one second's worth plus T seconds' worth.
    const bytesShare = (paced.stats.bytes - limitBytes) / paced.wallS / limitBytes;
    const recordsShare = paced.stats.records / paced.wallS / (2 * SHARD_WRITE_RECORDS_PER_S);
    rows.push({ name: 'paced to 2 shards: bytes/s of the 2 MiB/s limit, after the first second', value: bytesShare, unit: 'fraction', note: `${(paced.stats.bytes / 1048576).toFixed(1)} MiB in ${paced.wallS.toFixed(1)} s, one second of it the initial burst` });
    rows.push({ name: 'paced to 2 shards: records/s of the 2,000/s limit', value: recordsShare, unit: 'fraction', note: 'packed records: bytes bind first' });
  } finally {
    s.child.kill();
  }
  s = await startServer(10);
  try {
    const t = await produce(s.endpoint, events.slice(0, 100_000), { baseBackoffMs: 5 });
    rows.push({ name: 'throttled (1 record in 10 refused once): throttles counted', value: t.stats.throttles, unit: 'records', note: `${t.stats.retries} retries with backoff; ${t.stats.events.toLocaleString('en-US')} of 100,000 events delivered once` });
  } finally {
    s.child.kill();
  }
  return rows;
}
