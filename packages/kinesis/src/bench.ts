import { performance } from 'node:perf_hooks';
import { nowMs } from '@streamscore/core';
import { packRecords, unpackRecord, type Codec } from './framing.js';

export interface BenchFigure {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** NEXMark-bid-shaped events (~170 bytes of JSON each), deterministic. */
function bids(n: number, from = 0): { auction: number; bidder: number; price: number; channel: string; url: string; dateTime: number; extra: string }[] {
  const out = [];
  for (let i = from; i < from + n; i++) {
    out.push({
      auction: 1000 + ((i * 7919) % 5000),
      bidder: 2000 + ((i * 104729) % 10000),
      price: (i * 31) % 100_000,
      channel: `channel-${i % 10}`,
      url: `https://www.nexmark.com/${((i * 13) % 997).toString(36)}/item.htm?query=1&channel_id=${i % 4096}`,
      dateTime: 1_700_000_000_000 + i,
      extra: '',
    });
  }
  return out;
}

function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** Runs `step` repeatedly for about `ms`; returns repetitions and elapsed ms. */
function timed(ms: number, step: () => void): { reps: number; elapsed: number } {
  step(); // warm up
  const t0 = performance.now();
  let reps = 0;
  let elapsed = 0;
  while (elapsed < ms) {
    step();
    reps++;
    elapsed = performance.now() - t0;
  }
  return { reps, elapsed };
}

function framingFigures(codec: Codec, ms: number): BenchFigure[] {
  const batch = bids(2048); // one harness batch
  const jsonBytes = batch.reduce((a, e) => a + JSON.stringify(e).length + 1, 0);
  let records: Buffer[] = [];
  const enc = timed(ms, () => {
    records = packRecords(batch, { codec });
  });
  const recordBytes = records.reduce((a, r) => a + r.length, 0);
  const dec = timed(ms, () => {
    for (const r of records) unpackRecord(r);
  });
  const events = batch.length;
  const note = `${events}-event batches of NEXMark-like bids, ${round(jsonBytes / events, 0)} B of JSON each; ${records.length} records of ≈${round(recordBytes / records.length / 1024)} KiB`;
  return [
    { name: `kinesis.framing.${codec}.encode`, value: round((jsonBytes * enc.reps) / (enc.elapsed / 1000) / 1e6), unit: 'MB/s', note: `JSON bytes in. ${note}` },
    { name: `kinesis.framing.${codec}.encode.events`, value: Math.round((events * enc.reps) / (enc.elapsed / 1000)), unit: 'events/s' },
    { name: `kinesis.framing.${codec}.decode`, value: round((jsonBytes * dec.reps) / (dec.elapsed / 1000) / 1e6), unit: 'MB/s', note: 'JSON bytes out' },
    { name: `kinesis.framing.${codec}.decode.events`, value: Math.round((events * dec.reps) / (dec.elapsed / 1000)), unit: 'events/s' },
    ...(codec === 'gzip' ? [{ name: 'kinesis.framing.gzip.ratio', value: round(jsonBytes / recordBytes, 2), unit: 'x', note: 'JSON bytes per record byte, gzip level 1' }] : []),
  ];
}

function pct(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
}

/**
 * Framing encode/decode speed, then events/s written and read back through an in-process
 * kinesalite for about 2 s (as fast as it goes), then the transport's own latency at a modest
 * rate with the default 200 ms poll. kinesalite runs in this process and enforces no shard
 * limits: the end-to-end figures measure this code and kinesalite, not AWS.
 */
export async function benchKinesis(): Promise<BenchFigure[]> {
  const figures: BenchFigure[] = [...framingFigures('ndjson', 500), ...framingFigures('gzip', 500)];

  const { startLocalKinesis } = await import('./local-kinesis.js');
  const { kinesisClient, createStream, deleteStream, listShards, shardHashKeys } = await import('./client.js');
  const { KinesisWriter } = await import('./writer.js');
  const { KinesisReader } = await import('./reader.js');
  const local = await startLocalKinesis();
  const client = await kinesisClient({ region: 'us-east-1', endpoint: local.endpoint });
  try {
    // 1. Throughput: write as fast as the writer's queue allows, read back concurrently.
    {
      const stream = 'streamscore-bench-throughput';
      await createStream(client, { name: stream, shards: 2 });
      const writer = new KinesisWriter(client, stream, { concurrency: 4, hashKeys: shardHashKeys(await listShards(client, stream)) });
      let read = 0;
      // Shard limits off on our side (kinesalite has none): this measures code, not quotas.
      const reader = new KinesisReader(client, stream, { minCallIntervalMs: 50, maxBytesPerSecondPerShard: Infinity, onRows: (rows) => (read += rows.length) });
      await reader.start();
      const t0 = performance.now();
      let sent = 0;
      while (performance.now() - t0 < 2_000) {
        const batch = bids(2048, sent);
        await writer.write(packRecords(batch));
        sent += batch.length;
      }
      await writer.flush();
      const writeS = (performance.now() - t0) / 1000;
      const deadline = performance.now() + 30_000;
      while (read < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      const allS = (performance.now() - t0) / 1000;
      await reader.stop();
      writer.close();
      figures.push(
        { name: 'kinesis.kinesalite.write', value: Math.round(sent / writeS), unit: 'events/s', note: `${sent} events in ${writer.stats.records} records, 2 shards, 4 PutRecords in flight, no shard limits (none in kinesalite); in-process kinesalite, one CPU` },
        { name: 'kinesis.kinesalite.write+read', value: Math.round(read / allS), unit: 'events/s', note: `${read}/${sent} events read back` },
        { name: 'kinesis.kinesalite.write.bytes', value: round(writer.stats.bytes / writeS / 1e6), unit: 'MB/s' },
      );
      await deleteStream(client, stream);
    }
    // 2. Latency of the transport alone at 5,000 events/s: writer → stream → reader (200 ms poll).
    {
      const stream = 'streamscore-bench-latency';
      await createStream(client, { name: stream, shards: 2 });
      const writer = new KinesisWriter(client, stream, { hashKeys: shardHashKeys(await listShards(client, stream)) });
      const lat: number[] = [];
      const reader = new KinesisReader<{ t: number }>(client, stream, { onRows: (rows, at) => rows.forEach((r) => lat.push(at - r.t)) });
      await reader.start();
      const rate = 5_000;
      const stepMs = 10;
      const t0 = nowMs();
      let sent = 0;
      while (nowMs() - t0 < 2_000) {
        const due = Math.floor(((nowMs() - t0) / 1000) * rate);
        if (due > sent) {
          const t = nowMs();
          const batch = Array.from({ length: due - sent }, (_, i) => ({ n: sent + i, t }));
          await writer.write(packRecords(batch));
          sent = due;
        }
        await new Promise((r) => setTimeout(r, stepMs));
      }
      await writer.flush();
      const deadline = performance.now() + 10_000;
      while (lat.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      await reader.stop();
      writer.close();
      lat.sort((a, b) => a - b);
      const note = `${rate} events/s for 2 s, 2 shards, GetRecords every 200 ms per shard (the AWS limit is 5/s); ${lat.length}/${sent} read`;
      figures.push(
        { name: 'kinesis.kinesalite.latency.p50', value: round(pct(lat, 0.5)), unit: 'ms', note },
        { name: 'kinesis.kinesalite.latency.p99', value: round(pct(lat, 0.99)), unit: 'ms' },
      );
      await deleteStream(client, stream);
    }
  } finally {
    client.destroy();
    await local.stop();
  }
  return figures;
}
