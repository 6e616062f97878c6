import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { LambdaClient } from '@aws-sdk/client-lambda';

export type LambdaSdk = typeof import('@aws-sdk/client-lambda');

let sdk: Promise<LambdaSdk> | undefined;

/** @aws-sdk/client-lambda, imported on first use. */
export function loadLambdaSdk(): Promise<LambdaSdk> {
  sdk ??= import('@aws-sdk/client-lambda');
  return sdk;
}

function isLoopback(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  const h = new URL(endpoint).hostname;
  return h === 'localhost' || h.startsWith('127.') || h === '[::1]';
}

/**
 * A Lambda client. With an endpoint (the local Lambda service, moto) it uses HTTP/1.1 keep-alive
 * sockets and, for a loopback endpoint, dummy credentials; on AWS the SDK's default chain.
 */
export async function lambdaClient(o: {
  region: string;
  endpoint?: string;
  maxSockets?: number;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}): Promise<LambdaClient> {
  const { LambdaClient } = await loadLambdaSdk();
  const { NodeHttpHandler } = await import('@smithy/node-http-handler');
  const maxSockets = o.maxSockets ?? 128;
  return new LambdaClient({
    region: o.region,
    // Retries are the driver's (it counts throttles); the SDK makes one attempt.
    maxAttempts: 1,
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.credentials ? { credentials: o.credentials } : isLoopback(o.endpoint) ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    requestHandler: new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      requestTimeout: 910_000,
    }),
  });
}

export interface ParsedReport {
  requestId: string;
  durationMs: number;
  billedMs: number;
  memoryMB: number;
  maxMemoryUsedMB?: number;
  initMs?: number;
}

/** Parses a `REPORT RequestId: …` line; undefined for other lines. */
export function parseReportLine(line: string): ParsedReport | undefined {
  if (!/^\s*REPORT\b/.test(line)) return undefined;
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  const requestId = /RequestId:\s*(\S+)/.exec(line)?.[1] ?? '';
  const durationMs = num(/(?:^|\t|\s)Duration:\s*([\d.]+)\s*ms/);
  const billedMs = num(/Billed Duration:\s*([\d.]+)\s*ms/);
  const memoryMB = num(/Memory Size:\s*(\d+)\s*MB/);
  if (durationMs === undefined || billedMs === undefined || memoryMB === undefined) return undefined;
  const initMs = num(/Init Duration:\s*([\d.]+)\s*ms/);
  const maxMemoryUsedMB = num(/Max Memory Used:\s*(\d+)\s*MB/);
  return { requestId, durationMs, billedMs, memoryMB, ...(maxMemoryUsedMB !== undefined ? { maxMemoryUsedMB } : {}), ...(initMs !== undefined ? { initMs } : {}) };
}

/** The REPORT line in a base64 `LogResult` (the last 4 KB of an invocation's log). */
export function reportFromLogResult(b64: string | undefined): ParsedReport | undefined {
  if (!b64) return undefined;
  const lines = Buffer.from(b64, 'base64').toString('utf8').split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const r = parseReportLine(lines[i]!);
    if (r) return r;
  }
  return undefined;
}

export function errorName(e: unknown): string {
  const n = (e as { name?: unknown } | undefined)?.name;
  return typeof n === 'string' ? n : 'Error';
}
