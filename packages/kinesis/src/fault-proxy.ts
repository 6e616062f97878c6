import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of a local Kinesis (kinesalite), on 127.0.0.1. Every
 * client of the run — the harness's writer and reader and the engine — is given the proxy's
 * endpoint, so a fault on the wire hits all of them as it would on AWS:
 *
 * - *throttle*: a share of calls is answered as Kinesis answers a shard over its limits:
 *   GetRecords and PutRecord with HTTP 400 `ProvisionedThroughputExceededException`; PutRecords
 *   record by record, as the service does — the refused entries come back with that ErrorCode
 *   and only the rest are forwarded. Which are refused is decided by a seeded generator, so a run
 *   is repeatable (kinesalite itself enforces no limits);
 * - *delay*: every call (or those of the given operations) is held this many ms before it is
 *   forwarded — network delay between the clients and the service.
 *
 * Calls in CBOR (the Java SDK's default; the Flink job turns it off for a local endpoint) are
 * delayed but never throttled: the proxy writes its refusals in JSON only.
 */
export type KinesisOp = 'PutRecords' | 'GetRecords' | 'PutRecord' | string;

export interface ThrottleRule {
  /** Fraction of matching calls refused, (0, 1]. */
  share: number;
  /** Operations throttled. Default PutRecords, PutRecord and GetRecords. */
  ops?: readonly KinesisOp[];
}

export interface DelayRule {
  ms: number;
  /** Operations delayed. Default: every call. */
  ops?: readonly KinesisOp[];
}

export interface FaultProxyStats {
  calls: number;
  /** Calls refused (GetRecords, PutRecord) plus PutRecords entries refused. */
  throttled: number;
  delayed: number;
}

export interface KinesisFaultProxy {
  /** `http://127.0.0.1:<port>`: give this to every client instead of the upstream endpoint. */
  readonly endpoint: string;
  throttle(rule: ThrottleRule | undefined): void;
  delay(rule: DelayRule | undefined): void;
  stats(): FaultProxyStats;
  stop(): Promise<void>;
}

const DEFAULT_THROTTLED: readonly KinesisOp[] = ['PutRecords', 'PutRecord', 'GetRecords'];

/** mulberry32: a small seeded generator, so the calls refused are the same run after run. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function opOf(req: IncomingMessage): string {
  const target = req.headers['x-amz-target'];
  const t = Array.isArray(target) ? target[0] : target;
  return t ? t.slice(t.lastIndexOf('.') + 1) : '';
}

export async function startKinesisFaultProxy(upstream: string, o: { seed?: number } = {}): Promise<KinesisFaultProxy> {
  const up = new URL(upstream);
  const random = seeded(o.seed ?? 1);
  let throttleRule: ThrottleRule | undefined;
  let delayRule: DelayRule | undefined;
  const stats: FaultProxyStats = { calls: 0, throttled: 0, delayed: 0 };

  const send = (req: IncomingMessage, body: Buffer, onResponse: (status: number, headers: IncomingMessage['headers'], body: Buffer) => void, onError: (e: Error) => void) => {
    const headers = { ...req.headers, 'content-length': String(body.length) };
    const out = httpRequest({ host: up.hostname, port: up.port, method: req.method, path: req.url, headers }, (upRes) => {
      const parts: Buffer[] = [];
      upRes.on('data', (c: Buffer) => parts.push(c));
      upRes.on('end', () => onResponse(upRes.statusCode ?? 502, upRes.headers, Buffer.concat(parts)));
      upRes.on('error', onError);
    });
    out.on('error', onError);
    out.end(body);
  };
  const reply = (res: ServerResponse, status: number, headers: IncomingMessage['headers'], body: Buffer) => {
    res.writeHead(status, { ...headers, 'content-length': String(body.length) });
    res.end(body);
  };
  const failUpstream = (res: ServerResponse) => (e: Error) => {
    if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
    res.end(`fault proxy: upstream ${upstream} failed: ${e.message}`);
  };
  const forward = (req: IncomingMessage, res: ServerResponse, body: Buffer) =>
    send(req, body, (status, headers, b) => reply(res, status, headers, b), failUpstream(res));

  /** PutRecords with some entries refused: forward the rest, answer with both merged in order. */
  const putRecordsThrottled = (req: IncomingMessage, res: ServerResponse, body: Buffer, share: number) => {
    let parsed: { Records?: unknown[] } & Record<string, unknown>;
    try {
      parsed = JSON.parse(body.toString('utf8')) as typeof parsed;
    } catch {
      forward(req, res, body);
      return;
    }
    const records = Array.isArray(parsed.Records) ? parsed.Records : [];
    const refused = records.map(() => random() < share);
    const n = refused.filter(Boolean).length;
    stats.throttled += n;
    const refusal = { ErrorCode: 'ProvisionedThroughputExceededException', ErrorMessage: 'Rate exceeded for shard (injected by streamscore fault proxy).' };
    const merge = (accepted: { Records?: unknown[]; EncryptionType?: string }) => {
      let k = 0;
      const out = refused.map((r) => (r ? refusal : (accepted.Records?.[k++] ?? refusal)));
      const failed = out.filter((r) => (r as { ErrorCode?: string }).ErrorCode).length;
      return Buffer.from(JSON.stringify({ FailedRecordCount: failed, Records: out, ...(accepted.EncryptionType ? { EncryptionType: accepted.EncryptionType } : {}) }));
    };
    if (n === records.length) {
      reply(res, 200, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `fault-${stats.calls}` }, merge({}));
      return;
    }
    if (n === 0) {
      forward(req, res, body);
      return;
    }
    const rest = Buffer.from(JSON.stringify({ ...parsed, Records: records.filter((_, i) => !refused[i]) }));
    send(
      req,
      rest,
      (status, headers, b) => {
        if (status !== 200) return reply(res, status, headers, b);
        reply(res, 200, headers, merge(JSON.parse(b.toString('utf8')) as { Records?: unknown[] }));
      },
      failUpstream(res),
    );
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      stats.calls++;
      const op = opOf(req);
      const json = !String(req.headers['content-type'] ?? '').includes('cbor');
      const t = throttleRule;
      const d = delayRule;
      const body = Buffer.concat(chunks);
      const throttled = !!t && json && (t.ops ?? DEFAULT_THROTTLED).includes(op);
      const go = () => (throttled && op === 'PutRecords' ? putRecordsThrottled(req, res, body, t!.share) : forward(req, res, body));
      if (throttled && op !== 'PutRecords' && random() < t!.share) {
        stats.throttled++;
        const body = JSON.stringify({ __type: 'ProvisionedThroughputExceededException', message: 'Rate exceeded for shard (injected by streamscore fault proxy).' });
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1', 'x-amzn-requestid': `fault-${stats.calls}`, 'content-length': Buffer.byteLength(body) });
        res.end(body);
        return;
      }
      if (d && d.ms > 0 && (!d.ops || d.ops.includes(op))) {
        stats.delayed++;
        setTimeout(go, d.ms);
      } else go();
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let stopped: Promise<void> | undefined;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    throttle(rule) {
      if (rule && !(rule.share > 0 && rule.share <= 1)) throw new RangeError(`throttle share must be in (0, 1] (got ${rule.share})`);
      throttleRule = rule;
    },
    delay(rule) {
      if (rule && !(rule.ms >= 0)) throw new RangeError(`delay must be ≥ 0 ms (got ${rule.ms})`);
      delayRule = rule;
    },
    stats: () => ({ ...stats }),
    stop() {
      stopped ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return stopped;
    },
  };
}
