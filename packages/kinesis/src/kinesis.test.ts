import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { startLocalKinesis, type LocalKinesis } from './local-kinesis.js';
import {
  createStream,
  deleteStream,
  kinesisClient,
  listShards,
  listStreams,
  listStreamTags,
  loadKinesisSdk,
  shardHashKeys,
  streamNamesFor,
  streamTags,
  TAG_RUN_ID,
  TAG_TOOL,
} from './client.js';
import { packRecords } from './framing.js';
import { KinesisWriter } from './writer.js';
import { KinesisReader } from './reader.js';
import { KinesisHarnessTransport } from './transport.js';
import { Ledger, type LedgerEntry, nowMs, type Row, isUserError, type UserError } from '@streamscore/core';

let local: LocalKinesis;
let client: KinesisClient;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-kinesis-'));

beforeAll(async () => {
  local = await startLocalKinesis({ port: 0 });
  client = await kinesisClient({ region: 'us-east-1', endpoint: local.endpoint });
});

afterAll(async () => {
  client?.destroy();
  await local?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, timeoutMs = 15_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(20);
  }
}

interface Ev extends Row {
  n: number;
  t: number;
  s: string;
}

describe('local kinesis (kinesalite)', () => {
  it('listens on 127.0.0.1 with an ephemeral port', () => {
    expect(local.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(local.port).toBeGreaterThan(0);
  });

  it('runs in a child process of its own, which stop() ends (and which ends when its parent closes its stdin)', async () => {
    expect(local.pid).toBeGreaterThan(0);
    expect(local.pid).not.toBe(process.pid);
    if (process.platform === 'linux') {
      const stat = readFileSync(`/proc/${local.pid}/stat`, 'utf8');
      expect(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])).toBe(process.pid);
    }
    const other = await startLocalKinesis();
    const pid = other.pid!;
    expect(() => process.kill(pid, 0)).not.toThrow();
    await other.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    // In process, as before, when asked: no child.
    const inProc = await startLocalKinesis({ inProcess: true });
    expect(inProc.pid).toBeUndefined();
    await inProc.stop();
  });

  it('creates tagged streams, lists them by prefix, finds shard hash keys, deletes idempotently', async () => {
    const name = 'streamscore-test-helpers-in';
    const info = await createStream(client, { name, shards: 4, tags: streamTags('run-1') });
    expect(info.arn).toMatch(/stream\/streamscore-test-helpers-in$/);
    expect(await listStreamTags(client, name)).toEqual({ [TAG_TOOL]: 'streamscore', [TAG_RUN_ID]: 'run-1' });
    // Creating again (a retried step) waits for the same stream.
    await createStream(client, { name, shards: 4 });
    expect(await listStreams(client, 'streamscore-test-helpers')).toEqual([name]);
    const keys = shardHashKeys(await listShards(client, name));
    expect(keys).toHaveLength(4);
    expect(BigInt(keys[0]!)).toBe((2n ** 128n / 4n - 1n) / 2n);
    expect(await deleteStream(client, name, { wait: true })).toBe(true);
    expect(await deleteStream(client, name)).toBe(false);
    expect(await listStreams(client, 'streamscore-test-helpers')).toEqual([]);
  });

  it('names a run’s streams within Kinesis’s rules', () => {
    const n = streamNamesFor('2026 11/25:run#1');
    expect(n).toEqual({ input: 'streamscore-2026-11-25-run-1-in', output: 'streamscore-2026-11-25-run-1-out' });
    const long = streamNamesFor('x'.repeat(300));
    expect(long.output.length).toBeLessThanOrEqual(128);
  });

  it('writes N events and reads them back through two streams, each exactly once', async () => {
    const a = 'streamscore-test-e2e-a';
    const b = 'streamscore-test-e2e-b';
    await Promise.all([createStream(client, { name: a, shards: 3 }), createStream(client, { name: b, shards: 2 })]);
    const N = 30_000;
    // A relay: read stream a, write what it reads (gzipped) to stream b.
    const relayWriter = new KinesisWriter(client, b, { hashKeys: shardHashKeys(await listShards(client, b)) });
    const relay = new KinesisReader(client, a, {
      minCallIntervalMs: 50,
      onRows: (rows) => void relayWriter.write(packRecords(rows, { codec: 'gzip' })),
    });
    const out = new KinesisReader<Ev>(client, b, { minCallIntervalMs: 50 });
    await Promise.all([relay.start(), out.start()]);

    const writer = new KinesisWriter(client, a, { concurrency: 4, hashKeys: shardHashKeys(await listShards(client, a)) });
    const seen = new Uint8Array(N);
    const stamps: number[] = [];
    let received = 0;
    let duplicates = 0;
    const t0 = nowMs();
    for (let i = 0; i < N; i += 1_000) {
      const batch: Ev[] = [];
      for (let n = i; n < Math.min(N, i + 1_000); n++) batch.push({ n, t: nowMs(), s: `event ${n} ✓` });
      await writer.write(packRecords(batch));
    }
    await writer.flush();
    await until(() => {
      out.drain((row, at) => {
        if (seen[row.n]) duplicates++;
        seen[row.n] = 1;
        received++;
        stamps.push(at);
        expect(at).toBeGreaterThanOrEqual(row.t);
      });
      return received >= N;
    });
    await sleep(300); // nothing more may arrive
    out.drain(() => received++);
    expect(received).toBe(N);
    expect(duplicates).toBe(0);
    for (let i = 1; i < stamps.length; i++) expect(stamps[i]!).toBeGreaterThanOrEqual(stamps[i - 1]!);
    expect(stamps[0]!).toBeGreaterThan(t0);

    const ws = writer.stats;
    expect(ws.events).toBe(N);
    expect(ws.records).toBeLessThan(N / 50); // many events per record
    expect(ws.putPayloadUnits).toBe(ws.records);
    expect(ws.retries).toBe(0);
    expect(relay.stats.rows).toBe(N);
    expect(relay.stats.records).toBe(ws.records);
    expect(relay.stats.bytes).toBe(ws.bytes);
    expect(relay.stats.shards).toBe(3);
    expect(out.stats.rows).toBe(N);
    expect(out.stats.badRecords).toBe(0);
    expect(relayWriter.stats.events).toBe(N);

    await Promise.all([relay.stop(), out.stop()]);
    await relayWriter.flush();
    relayWriter.close();
    writer.close();
    await Promise.all([deleteStream(client, a), deleteStream(client, b)]);
  });

  it('starts at LATEST when asked, reports bad records, and stops without leaving timers', async () => {
    const s = 'streamscore-test-latest';
    await createStream(client, { name: s, shards: 2 });
    const { PutRecordsCommand } = await loadKinesisSdk();
    const w = new KinesisWriter(client, s);
    await w.write(packRecords([{ before: 1 }]));
    await w.flush();
    const timeoutsBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const r = new KinesisReader(client, s, { start: 'LATEST', minCallIntervalMs: 50, shardRefreshMs: 100 });
    await r.start();
    await w.write(packRecords([{ after: 1 }, { after: 2 }]));
    await w.flush();
    await client.send(new PutRecordsCommand({ StreamName: s, Records: [{ Data: Buffer.from('garbage'), PartitionKey: 'k' }] }));
    const rows: object[] = [];
    await until(() => {
      r.drain((row) => rows.push(row));
      return rows.length >= 2 && r.stats.badRecords >= 1;
    });
    expect(rows).toEqual([{ after: 1 }, { after: 2 }]);
    expect(r.problems[0]).toMatch(/not valid JSON/);
    await r.stop();
    expect(r.stats.shards).toBe(0);
    expect(r.error).toBeUndefined();
    const timeouts = () => process.getActiveResourcesInfo().filter((x) => x === 'Timeout').length;
    // The HTTP handler may take a moment to clear its own timers for the aborted call.
    await until(() => timeouts() <= timeoutsBefore, 1_000).catch(() => {});
    expect(timeouts()).toBeLessThanOrEqual(timeoutsBefore);
    w.close();
    await deleteStream(client, s);
  });

  it('follows resharding: reads a split shard to its end, then its children', async () => {
    const s = 'streamscore-test-reshard';
    await createStream(client, { name: s, shards: 1 });
    const r = new KinesisReader<{ n: number }>(client, s, { minCallIntervalMs: 50, shardRefreshMs: 0 });
    await r.start();
    const w1 = new KinesisWriter(client, s);
    await w1.write(Array.from({ length: 50 }, (_, n) => packRecords([{ n }])[0]!));
    await w1.flush();
    const { SplitShardCommand } = await loadKinesisSdk();
    const [shard] = await listShards(client, s);
    await client.send(new SplitShardCommand({ StreamName: s, ShardToSplit: shard!.ShardId!, NewStartingHashKey: (2n ** 127n).toString() }));
    // Writes after the split land in the two children.
    const w2 = new KinesisWriter(client, s, { hashKeys: shardHashKeys(await listShards(client, s)) });
    await w2.write(Array.from({ length: 50 }, (_, n) => packRecords([{ n: 50 + n }])[0]!));
    await w2.flush();
    const got = new Set<number>();
    await until(() => {
      r.drain((row) => got.add(row.n));
      return got.size === 100;
    });
    expect(r.stats.closedShards).toBe(1);
    expect(r.stats.shards).toBe(2);
    await r.stop();
    w1.close();
    w2.close();
    await deleteStream(client, s);
  });
});

describe('KinesisHarnessTransport', () => {
  function journal(path: string): Map<string, LedgerEntry['state'][]> {
    const states = new Map<string, LedgerEntry['state'][]>();
    for (const line of readFileSync(path, 'utf8').split('\n')) {
      if (!line) continue;
      const e = JSON.parse(line) as LedgerEntry;
      const list = states.get(e.id) ?? [];
      if (list[list.length - 1] !== e.state) list.push(e.state);
      states.set(e.id, list);
    }
    return states;
  }

  it('creates its streams on open and deletes them on close, through the ledger', async () => {
    const path = join(tmp, 'ledger-open-close.jsonl');
    const ledger = new Ledger('run-oc', path);
    const t = new KinesisHarnessTransport({ runId: 'run-oc', endpoint: local.endpoint, inputShards: 2, outputShards: 3, ledger, backend: 'flink' });
    expect(t.binding).toEqual({
      kind: 'kinesis',
      region: 'us-east-1',
      endpoint: local.endpoint,
      inputStream: 'streamscore-run-oc-in',
      outputStream: 'streamscore-run-oc-out',
      framing: 'streamscore-ndjson-v1',
    });
    await t.open();
    expect(ledger.list().map((e) => [e.id, e.state, e.count, e.kind, e.backend])).toEqual([
      ['streamscore-run-oc-in', 'created', 2, 'kinesis-shard', 'flink'],
      ['streamscore-run-oc-out', 'created', 3, 'kinesis-shard', 'flink'],
    ]);
    expect((await listStreams(client, 'streamscore-run-oc')).sort()).toEqual(['streamscore-run-oc-in', 'streamscore-run-oc-out']);
    expect(await listStreamTags(client, 'streamscore-run-oc-out')).toMatchObject({ [TAG_RUN_ID]: 'run-oc', [TAG_TOOL]: 'streamscore' });
    await t.send([{ a: 1 }, { a: 2 }]);
    t.end();
    await t.close();
    await t.close(); // idempotent
    expect(await listStreams(client, 'streamscore-run-oc')).toEqual([]);
    expect(ledger.outstanding()).toEqual([]);
    const states = journal(path);
    expect(states.get('streamscore-run-oc-in')).toEqual(['intended', 'created', 'deleted']);
    expect(states.get('streamscore-run-oc-out')).toEqual(['intended', 'created', 'deleted']);
    const input = ledger.get('streamscore-run-oc-in');
    expect(input.attributes).toMatchObject({ putPayloadUnits: 1, events: 2, records: 1, role: 'input' });
    expect(input.cloudId).toMatch(/^arn:aws:kinesis:/);
    expect(input.end).toBeGreaterThanOrEqual(input.start);
  });

  it('close() after a failed open() deletes what was created', async () => {
    const ledger = new Ledger('run-fail');
    // 300 shards exceed kinesalite's limit of 200: the output stream cannot be created.
    const t = new KinesisHarnessTransport({ runId: 'run-fail', endpoint: local.endpoint, inputShards: 1, outputShards: 300, ledger });
    const err = (await t.open().catch((e: unknown) => e)) as UserError;
    expect(err.message).toMatch(/creating the run's streams failed: LimitExceededException/);
    expect(isUserError(err)).toBe(true);
    expect(err.nextStep).toMatch(/shard quota/);
    await t.close();
    expect(await listStreams(client, 'streamscore-run-fail')).toEqual([]);
    expect(ledger.list().map((e) => e.state)).toEqual(['deleted', 'deleted']);
  });

  it('says so when nothing answers at the endpoint', async () => {
    const dead = await startLocalKinesis();
    await dead.stop();
    const t = new KinesisHarnessTransport({ runId: 'run-dead', endpoint: dead.endpoint });
    const err = (await t.open().catch((e: unknown) => e)) as UserError;
    expect(isUserError(err)).toBe(true);
    expect(err.message).toMatch(/ECONNREFUSED/);
    expect(err.nextStep).toMatch(/Nothing answers at http:\/\/127\.0\.0\.1:\d+: is the local Kinesis/);
    await expect(t.close()).rejects.toThrow(/deleting stream/);
  });

  it('echo: a tiny backend copies input to output; latency stamps are sane', async () => {
    const t = new KinesisHarnessTransport({ runId: 'run-echo', endpoint: local.endpoint, inputShards: 2, outputShards: 2, reader: { minCallIntervalMs: 50 } });
    await t.open();
    const b = t.binding;
    if (b.kind !== 'kinesis') throw new Error('kinesis binding expected');
    // The "backend": its own client, reading the input stream and writing rows to the output.
    const bc = await kinesisClient({ region: b.region, endpoint: b.endpoint! });
    const bw = new KinesisWriter(bc, b.outputStream);
    const br = new KinesisReader<Ev>(bc, b.inputStream, {
      minCallIntervalMs: 50,
      onRows: (rows) => void bw.write(packRecords(rows.map((e) => ({ ...e, echoed: true })))),
    });
    await br.start();

    const N = 5_000;
    const latencies: number[] = [];
    let last = 0;
    const visit = (row: Row, at: number) => {
      expect(row.echoed).toBe(true);
      expect(at).toBeGreaterThanOrEqual(last);
      last = at;
      latencies.push(at - (row.t as number));
    };
    // Open loop: 500 events every 50 ms.
    for (let i = 0; i < N; i += 500) {
      const batch: Ev[] = [];
      for (let n = i; n < i + 500; n++) batch.push({ n, t: nowMs(), s: 'e' });
      await t.send(batch);
      t.drain(visit);
      await sleep(50);
    }
    t.end();
    await until(() => {
      t.drain(visit);
      return latencies.length >= N;
    });
    expect(latencies).toHaveLength(N);
    latencies.sort((x, y) => x - y);
    // Polling every 50 ms on each side: typically ~60–150 ms. kinesalite shares this process's
    // CPU, so on a busy machine only sanity is asserted: never negative, never many seconds.
    expect(latencies[0]!).toBeGreaterThan(0);
    expect(latencies[Math.floor(N * 0.5)]!).toBeLessThan(3_000);
    expect(latencies[N - 1]!).toBeLessThan(10_000);
    const m = t.metrics();
    expect(m['kinesis.in.events']).toBe(N);
    expect(m['kinesis.out.rows']).toBe(N);
    expect(m['kinesis.in.throttles']).toBe(0);
    // 10 sends of 500 small events: the events share records (≈ 24 KiB each), not one per send.
    expect(m['kinesis.in.records']).toBeLessThanOrEqual(20);

    await br.stop();
    await bw.flush();
    bw.close();
    bc.destroy();
    await t.close();
    expect(await listStreams(client, 'streamscore-run-echo')).toEqual([]);
  });
});
