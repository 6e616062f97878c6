import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  KinesisClient,
  PutRecordsCommand,
  ProvisionedThroughputExceededException,
  ResourceNotFoundException,
  type PutRecordsCommandInput,
  type PutRecordsResultEntry,
} from '@aws-sdk/client-kinesis';
import { packRecords, recordEventCount, RecordPacker, unpackRecord } from './framing.js';
import { KinesisWriteError, KinesisWriter } from './writer.js';
import { isUserError } from '@streamscore/core';

const clients: KinesisClient[] = [];
function client(): KinesisClient {
  const c = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  clients.push(c);
  return c;
}
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

const fast = { baseBackoffMs: 1, maxBackoffMs: 5 };

function ok(input: PutRecordsCommandInput, i: number): PutRecordsResultEntry {
  return { SequenceNumber: String(i), ShardId: 'shardId-000000000000' };
}
const pte = (): PutRecordsResultEntry => ({ ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard shardId-000000000000' });

describe('KinesisWriter (mocked PutRecords)', () => {
  it('retries records refused with ProvisionedThroughputExceeded until all are delivered, once each', async () => {
    const c = client();
    const mock = mockClient(c);
    const delivered: number[] = [];
    const attempts = new Map<number, number>();
    let calls = 0;
    mock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      calls++;
      const records = input.Records ?? [];
      expect(records.length).toBeLessThanOrEqual(500);
      let failed = 0;
      const results = records.map((r, i) => {
        const ev = unpackRecord(r.Data!)[0] as { n: number };
        const a = (attempts.get(ev.n) ?? 0) + 1;
        attempts.set(ev.n, a);
        // Every third record is throttled on its first two attempts.
        if (ev.n % 3 === 0 && a <= 2) {
          failed++;
          return pte();
        }
        delivered.push(ev.n);
        return ok(input, i);
      });
      return Promise.resolve({ FailedRecordCount: failed, Records: results });
    });
    const w = new KinesisWriter(c, 's', { ...fast, concurrency: 3, maxRetries: 5 });
    // One event per record, so each record is identifiable.
    const events = Array.from({ length: 1_200 }, (_, n) => ({ n }));
    const recs = events.map((e) => packRecords([e])[0]!);
    await w.write(recs);
    await w.flush();
    expect(delivered.slice().sort((a, b) => a - b)).toEqual(events.map((e) => e.n));
    const st = w.stats;
    expect(st.records).toBe(1_200);
    expect(st.events).toBe(1_200);
    expect(st.retries).toBe(400 * 2);
    expect(st.throttles).toBe(400 * 2);
    expect(st.calls).toBe(calls);
    expect(st.putPayloadUnits).toBe(1_200);
    expect(st.bytes).toBe(recs.reduce((a, r) => a + r.length, 0));
    expect(st.queued).toBe(0);
    expect(st.inFlight).toBe(0);
    w.close();
  });

  it('retries a whole call refused with a throttle', async () => {
    const c = client();
    const mock = mockClient(c);
    mock
      .on(PutRecordsCommand)
      .rejectsOnce(new ProvisionedThroughputExceededException({ message: 'Rate exceeded', $metadata: { httpStatusCode: 400 } }))
      .callsFake((input: PutRecordsCommandInput) => Promise.resolve({ FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ok(input, i)) }));
    const w = new KinesisWriter(c, 's', fast);
    await w.write(packRecords(Array.from({ length: 10 }, (_, n) => ({ n })), { targetBytes: 30 }));
    await w.flush();
    // Two events per 30-byte record: 5 records.
    expect(w.stats).toMatchObject({ records: 5, events: 10, failedCalls: 1, throttles: 5, retries: 5 });
  });

  it('fails clearly on a permanent error', async () => {
    const c = client();
    const mock = mockClient(c);
    mock.on(PutRecordsCommand).rejects(new ResourceNotFoundException({ message: 'Stream s under account 1 not found.', $metadata: { httpStatusCode: 400 } }));
    const w = new KinesisWriter(c, 's', fast);
    await w.write(packRecords([{ a: 1 }]));
    const err = await w.flush().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(KinesisWriteError);
    expect(isUserError(err)).toBe(true);
    expect(String((err as Error).message)).toMatch(/PutRecords to stream s failed: ResourceNotFoundException: Stream s under account 1 not found/);
    expect((err as KinesisWriteError).code).toBe('ResourceNotFoundException');
    // And the next write says so too.
    await expect(w.write(packRecords([{ a: 2 }]))).rejects.toBe(err);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
  });

  it('fails clearly on a permanent per-record error', async () => {
    const c = client();
    mockClient(c)
      .on(PutRecordsCommand)
      .resolves({ FailedRecordCount: 1, Records: [{ ErrorCode: 'KMSAccessDeniedException', ErrorMessage: 'no access to key' }] });
    const w = new KinesisWriter(c, 's', fast);
    await w.write(packRecords([{ a: 1 }]));
    await expect(w.flush()).rejects.toThrow(/refused a record: KMSAccessDeniedException: no access to key/);
  });

  it('gives up after its retry bound, saying the stream is under-provisioned', async () => {
    const c = client();
    const mock = mockClient(c);
    mock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => Promise.resolve({ FailedRecordCount: input.Records!.length, Records: input.Records!.map(pte) }));
    const w = new KinesisWriter(c, 's', { ...fast, maxRetries: 3 });
    await w.write(packRecords([{ a: 1 }]));
    const err = (await w.flush().catch((e: unknown) => e)) as KinesisWriteError;
    expect(err).toBeInstanceOf(KinesisWriteError);
    expect(err.message).toMatch(/still failing after 3 retries \(last error ProvisionedThroughputExceededException/);
    expect(err.nextStep).toMatch(/more shards or lower the rate/);
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(4);
  });

  it('batches within 500 records and 5 MiB per call, spreads explicit hash keys round-robin', async () => {
    const c = client();
    const mock = mockClient(c);
    mock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => Promise.resolve({ FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ok(input, i)) }));
    const keys = ['10', '20', '30'];
    const w = new KinesisWriter(c, 's', { concurrency: 1, hashKeys: keys });
    // 1,000 small records, then 300 records of ~24 KiB (7.2 MiB in all).
    const small = Array.from({ length: 1_000 }, (_, n) => packRecords([{ n }])[0]!);
    const big = Array.from({ length: 300 }, (_, n) => packRecords([{ n, s: 'z'.repeat(24_000) }])[0]!);
    void w.write(small);
    void w.write(big);
    await w.flush();
    const calls = mock.commandCalls(PutRecordsCommand).map((x) => x.args[0].input);
    for (const call of calls) {
      const recs = call.Records!;
      expect(recs.length).toBeLessThanOrEqual(500);
      const bytes = recs.reduce((a, r) => a + r.Data!.length + r.PartitionKey!.length, 0);
      expect(bytes).toBeLessThanOrEqual(5 * 1024 * 1024);
    }
    const all = calls.flatMap((x) => x.Records!);
    expect(all).toHaveLength(1_300);
    expect(all.slice(0, 6).map((r) => r.ExplicitHashKey)).toEqual(['10', '20', '30', '10', '20', '30']);
    expect(w.stats.putPayloadUnits).toBe(1_300);
  });

  it('write() returns at once below the high-water mark and waits above it', async () => {
    const c = client();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    mockClient(c)
      .on(PutRecordsCommand)
      .callsFake(async (input: PutRecordsCommandInput) => {
        await gate;
        return { FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ok(input, i)) };
      });
    const w = new KinesisWriter(c, 's', { concurrency: 1, highWaterRecords: 100, maxRecordsPerCall: 50 });
    const rec = packRecords([{ a: 1 }])[0]!;
    let resolved = false;
    await w.write(Array(50).fill(rec)); // one call in flight (stuck), nothing queued
    const p = w.write(Array(150).fill(rec)).then(() => (resolved = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(resolved).toBe(false);
    expect(w.stats.queued).toBe(150);
    release();
    await p;
    await w.flush();
    expect(w.stats.records).toBe(200);
  });

  it('fills records across small sends: a partial record is cut only when no call is in flight', async () => {
    const c = client();
    let release!: () => void;
    let gate = new Promise<void>((r) => (release = r));
    const mock = mockClient(c);
    mock.on(PutRecordsCommand).callsFake(async (input: PutRecordsCommandInput) => {
      await gate;
      return { FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ok(input, i)) };
    });
    const packer = new RecordPacker();
    const w = new KinesisWriter(c, 's', {
      source: {
        get pending() {
          return packer.pendingEvents > 0;
        },
        take: () => packer.flush(),
      },
    });
    let n = 0;
    for (let i = 0; i < 100; i++) {
      const batch = Array.from({ length: 10 }, () => ({ n: n++ }));
      await w.write(packer.add(batch));
    }
    // The first send went out at once; the other 990 events wait for the call to return.
    expect(mock.commandCalls(PutRecordsCommand)).toHaveLength(1);
    expect(packer.pendingEvents).toBe(990);
    release();
    gate = Promise.resolve();
    await w.flush();
    const calls = mock.commandCalls(PutRecordsCommand).map((x) => x.args[0].input.Records!.map((r) => recordEventCount(r.Data!)));
    expect(calls).toEqual([[10], [990]]);
    expect(w.stats.events).toBe(1_000);
  });

  it('paces to the shards’ write capacity when asked', async () => {
    const c = client();
    mockClient(c)
      .on(PutRecordsCommand)
      .callsFake((input: PutRecordsCommandInput) => Promise.resolve({ FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ok(input, i)) }));
    const w = new KinesisWriter(c, 's', { paceShards: 1 });
    const rec = packRecords([{ a: 1 }])[0]!;
    const t0 = performance.now();
    await w.write(Array(1_400).fill(rec));
    await w.flush();
    const ms = performance.now() - t0;
    // One second of burst (1,000 records), then 1,000 records/s: the last 400 take ~400 ms.
    expect(ms).toBeGreaterThan(300);
    expect(ms).toBeLessThan(5_000);
    expect(w.stats.records).toBe(1_400);
  });
});
