import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KinesisClient } from '@aws-sdk/client-kinesis';
import { nowMs } from '@streamscore/core';
import { startLocalKinesis, type LocalKinesis } from './local-kinesis.js';
import { startKinesisFaultProxy, type KinesisFaultProxy } from './fault-proxy.js';
import { createStream, deleteStream, errorName, kinesisClient, listShards, loadKinesisSdk, shardHashKeys } from './client.js';
import { packRecords } from './framing.js';
import { KinesisWriter } from './writer.js';
import { KinesisReader } from './reader.js';

let local: LocalKinesis;
let proxy: KinesisFaultProxy;
let client: KinesisClient;
let once: KinesisClient;

beforeAll(async () => {
  local = await startLocalKinesis();
  proxy = await startKinesisFaultProxy(local.endpoint, { seed: 7 });
  client = await kinesisClient({ region: 'us-east-1', endpoint: proxy.endpoint });
  once = await kinesisClient({ region: 'us-east-1', endpoint: proxy.endpoint, maxAttempts: 1 });
});

afterAll(async () => {
  client?.destroy();
  once?.destroy();
  await proxy?.stop();
  await local?.stop();
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Kinesis fault proxy in front of kinesalite', () => {
  it('refuses a share of PutRecords entries and GetRecords calls as Kinesis does, seeded', async () => {
    const s = 'streamscore-test-proxy-shape';
    await createStream(client, { name: s, shards: 1 });
    const { PutRecordsCommand, GetShardIteratorCommand, GetRecordsCommand } = await loadKinesisSdk();
    proxy.throttle({ share: 0.5 });
    const before = proxy.stats().throttled;
    const put = await once.send(new PutRecordsCommand({ StreamName: s, Records: Array.from({ length: 400 }, (_, i) => ({ Data: Buffer.from(`r${i}`), PartitionKey: `k${i}` })) }));
    const refused = put.Records!.filter((r) => r.ErrorCode === 'ProvisionedThroughputExceededException').length;
    // Per entry, as the service answers an over-limit shard; the accepted ones got sequence numbers.
    expect(put.FailedRecordCount).toBe(refused);
    expect(refused).toBeGreaterThan(160);
    expect(refused).toBeLessThan(240);
    expect(put.Records!.filter((r) => r.SequenceNumber).length).toBe(400 - refused);
    expect(proxy.stats().throttled - before).toBe(refused);

    const [shard] = await listShards(client, s);
    proxy.throttle(undefined);
    const it0 = await once.send(new GetShardIteratorCommand({ StreamName: s, ShardId: shard!.ShardId!, ShardIteratorType: 'TRIM_HORIZON' }));
    proxy.throttle({ share: 1, ops: ['GetRecords'] });
    const err = await once.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator! })).then(() => undefined, (e: unknown) => e);
    expect(errorName(err)).toBe('ProvisionedThroughputExceededException');
    proxy.throttle(undefined);
    const got = await once.send(new GetRecordsCommand({ ShardIterator: it0.ShardIterator!, Limit: 1000 }));
    expect(got.Records!.length).toBe(400 - refused); // the refused ones never reached the stream
    await deleteStream(client, s);
  });

  it('under 10% throttling the transport’s writer and reader still deliver every event exactly once', async () => {
    const s = 'streamscore-test-proxy-e2e';
    await createStream(client, { name: s, shards: 2 });
    proxy.throttle({ share: 0.1 });
    const before = proxy.stats().throttled;
    const N = 20_000;
    const reader = new KinesisReader<{ n: number }>(client, s, { minCallIntervalMs: 50 });
    await reader.start();
    const writer = new KinesisWriter(client, s, { concurrency: 4, hashKeys: shardHashKeys(await listShards(client, s)) });
    for (let i = 0; i < N; i += 100) await writer.write(packRecords(Array.from({ length: 100 }, (_, k) => ({ n: i + k })), { targetBytes: 200 }));
    await writer.flush();
    const seen = new Uint8Array(N);
    let rows = 0;
    const deadline = nowMs() + 20_000;
    while (rows < N && nowMs() < deadline) {
      reader.drain((r) => {
        seen[r.n]! += 1;
        rows++;
      });
      await sleep(50);
    }
    await sleep(300);
    reader.drain(() => rows++);
    expect(rows).toBe(N);
    expect(seen.every((c) => c === 1)).toBe(true);
    expect(writer.stats.throttles).toBeGreaterThan(0);
    // The SDK retries a refused GetRecords itself, so the reader does not see it: the proxy counts it.
    expect(proxy.stats().throttled - before).toBeGreaterThan(writer.stats.throttles);
    proxy.throttle(undefined);
    await reader.stop();
    writer.close();
    await deleteStream(client, s);
  });

  it('holds calls for the delay asked, and only while it is on', async () => {
    const { ListStreamsCommand } = await loadKinesisSdk();
    const time = async () => {
      const t = nowMs();
      await once.send(new ListStreamsCommand({}));
      return nowMs() - t;
    };
    proxy.delay({ ms: 150 });
    expect(await time()).toBeGreaterThanOrEqual(150);
    proxy.delay(undefined);
    expect(await time()).toBeLessThan(150);
  });
});
