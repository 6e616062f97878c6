/**
 * Shard sizing from the rate, and the PUT payload units the writer bills for records of mixed
 * sizes, against hand-worked figures.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { KinesisClient, PutRecordsCommand, type PutRecordsCommandInput } from '@aws-sdk/client-kinesis';
import { KinesisWriter, shardsForRate } from './writer.js';

const clients: KinesisClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.destroy();
});

describe('shards from the rate', () => {
  it('sizes by bytes when records are packed full, and by records when they are small', () => {
    // 100,000 events/s of 200 bytes, 100 per record: 1,000 records/s (1 shard's record limit) and
    // 20,000,000 B/s = 19.07 MiB/s (19.07 shards): bytes bind; × 1.25 = 23.84 → 24 shards.
    expect(shardsForRate({ eventsPerSecond: 100_000, eventBytes: 200, eventsPerRecord: 100 })).toEqual({ shards: 24, binding: 'bytes', recordsPerSecond: 1_000, bytesPerSecond: 20_000_000 });
    // 5,000 events/s of 100 bytes, one per record: 5,000 records/s = 5 shards; 0.48 MiB/s; × 1.25 = 6.25 → 7.
    expect(shardsForRate({ eventsPerSecond: 5_000, eventBytes: 100, eventsPerRecord: 1 })).toMatchObject({ shards: 7, binding: 'records' });
    // No headroom, exactly one shard's records: 1.
    expect(shardsForRate({ eventsPerSecond: 1_000, eventBytes: 10, eventsPerRecord: 1, headroom: 0 }).shards).toBe(1);
    // At least one shard.
    expect(shardsForRate({ eventsPerSecond: 1, eventBytes: 1, eventsPerRecord: 1 }).shards).toBe(1);
  });
});

describe('PUT payload units for mixed record sizes', () => {
  it('bills each record ceil((data + partition key) / 25,000) units, hand-worked', async () => {
    const c = new KinesisClient({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
    clients.push(c);
    const mock = mockClient(c);
    const seen: number[] = [];
    mock.on(PutRecordsCommand).callsFake((input: PutRecordsCommandInput) => {
      for (const r of input.Records ?? []) seen.push(r.Data!.length + r.PartitionKey!.length);
      return Promise.resolve({ FailedRecordCount: 0, Records: (input.Records ?? []).map((_, i) => ({ SequenceNumber: String(i), ShardId: 'shardId-000000000000' })) });
    });
    // Partition keys are the record's sequence in base 36: '0', '1', '2', '3', '4' (1 byte each).
    // data + key:   1+1 = 2 → 1 unit;   24,999+1 = 25,000 → 1;   25,000+1 = 25,001 → 2;
    //               60,000+1 → 3;       1,000,000+1 → 41.       Total 48 units.
    const sizes = [1, 24_999, 25_000, 60_000, 1_000_000];
    const w = new KinesisWriter(c, 's', { concurrency: 1 });
    await w.write(sizes.map((n) => Buffer.alloc(n, 1)));
    await w.flush();
    expect(seen).toEqual([2, 25_000, 25_001, 60_001, 1_000_001]);
    expect(w.stats).toMatchObject({ records: 5, putPayloadUnits: 48, bytes: 1_110_000, throttles: 0 });
  });
});
