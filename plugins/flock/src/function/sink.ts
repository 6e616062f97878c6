import { Agent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';

/**
 * The final stage's sink: output rows go to the run's Kinesis output stream in streamscore's one
 * record framing (core/kinesis/framing, `streamscore-ndjson-v1`): an 8-byte header — "SF",
 * version 1, codec 0 (NDJSON), event count as u32 big-endian — followed by one JSON text per row,
 * each ending in LF. Written here from its byte-level description, as any other engine's sink
 * would, so the function bundle does not carry the harness.
 */
export const FRAMING = 'streamscore-ndjson-v1';
const TARGET_RECORD_BYTES = 24 * 1024;
const HEADER = 8;

export function frameRows(rows: readonly unknown[], targetBytes = TARGET_RECORD_BYTES): Buffer[] {
  const out: Buffer[] = [];
  let texts: string[] = [];
  let bytes = 0;
  const flush = () => {
    if (texts.length === 0) return;
    const body = Buffer.from(texts.join('\n') + '\n', 'utf8');
    const rec = Buffer.allocUnsafe(HEADER + body.length);
    rec[0] = 0x53;
    rec[1] = 0x46;
    rec[2] = 1;
    rec[3] = 0;
    rec.writeUInt32BE(texts.length, 4);
    body.copy(rec, HEADER);
    out.push(rec);
    texts = [];
    bytes = 0;
  };
  for (const r of rows) {
    const s = JSON.stringify(r);
    const len = Buffer.byteLength(s) + 1;
    if (bytes + len + HEADER > targetBytes && texts.length > 0) flush();
    texts.push(s);
    bytes += len;
  }
  flush();
  return out;
}

export interface KinesisSinkConfig {
  stream: string;
  region: string;
  endpoint?: string;
}

type KinesisModule = typeof import('@aws-sdk/client-kinesis');
let kinesis: { mod: KinesisModule; client: import('@aws-sdk/client-kinesis').KinesisClient; key: string } | undefined;

async function client(cfg: KinesisSinkConfig): Promise<{ mod: KinesisModule; client: import('@aws-sdk/client-kinesis').KinesisClient }> {
  const key = `${cfg.region}|${cfg.endpoint ?? ''}`;
  if (kinesis && kinesis.key === key) return kinesis;
  const mod = await import('@aws-sdk/client-kinesis');
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const c = new mod.KinesisClient({
    region: cfg.region,
    ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}),
    requestHandler: new NodeHttpHandler({ httpAgent: new Agent({ keepAlive: true }), httpsAgent: new HttpsAgent({ keepAlive: true }) }),
    maxAttempts: 5,
  });
  kinesis = { mod, client: c, key };
  return kinesis;
}

/** PutRecords in calls of ≤ 500 records, retrying failed records with backoff. */
export async function putRows(cfg: KinesisSinkConfig, rows: readonly unknown[], partitionKey: string): Promise<number> {
  if (rows.length === 0) return 0;
  const { mod, client: c } = await client(cfg);
  let pending = frameRows(rows);
  const records = pending.length;
  for (let attempt = 0; pending.length > 0; attempt++) {
    if (attempt > 8) throw new Error(`Kinesis PutRecords to ${cfg.stream}: ${pending.length} record(s) still failing after ${attempt} attempts`);
    if (attempt > 0) await new Promise((r) => setTimeout(r, Math.min(1000, 25 * 2 ** attempt) * (0.5 + Math.random() / 2)));
    const failed: Buffer[] = [];
    for (let i = 0; i < pending.length; i += 500) {
      const batch = pending.slice(i, i + 500);
      const r = await c.send(new mod.PutRecordsCommand({ StreamName: cfg.stream, Records: batch.map((Data, j) => ({ Data, PartitionKey: `${partitionKey}-${i + j}` })) }));
      (r.Records ?? []).forEach((res, j) => {
        if (res.ErrorCode) failed.push(batch[j]!);
      });
    }
    pending = failed;
  }
  return records;
}
