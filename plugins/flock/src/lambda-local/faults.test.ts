import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLambdaService } from './server.js';
import { writeZip } from './zip.js';

const ROLE = 'arn:aws:iam::000000000000:role/test';
// Remembers every payload it was given (a group member's window arena in miniature).
const CODE = `
const seen = [];
exports.handler = async (event) => {
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  seen.push(event.n);
  return { seen, pid: process.pid };
};`;
const zip = writeZip([{ name: 'index.js', data: Buffer.from(CODE) }]);

let svc: LocalLambdaService;

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const r = await fetch(svc.endpoint + path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
  const text = await r.text();
  return { status: r.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {}, headers: r.headers };
}
const invoke = (name: string, payload: unknown, type = 'RequestResponse') =>
  api('POST', `/2015-03-31/functions/${name}/invocations`, payload, { 'X-Amz-Invocation-Type': type });

beforeAll(async () => {
  svc = await new LocalLambdaService({ accountConcurrency: 20, minUnreserved: 5, asyncRetryDelayMs: 20 }).start();
  for (const name of ['crash-me', 'throttle-me', 'stall-me', 'async-crash']) {
    const c = await api('POST', '/2015-03-31/functions', { FunctionName: name, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip.toString('base64') }, MemorySize: 128, Timeout: 1 });
    expect(c.status).toBe(201);
  }
});
afterAll(async () => {
  await svc.stop();
});

describe('faults of the local Lambda service', () => {
  it('function-crash: the environment dies mid-invocation — the caller gets Runtime.ExitError and the next environment remembers nothing', async () => {
    const first = await invoke('crash-me', { n: 1 });
    expect(first.json['seen']).toEqual([1]);
    svc.faults.crash({ count: 1, afterMs: 50, fn: 'crash-me' });
    const crashed = await invoke('crash-me', { n: 2, sleepMs: 500 });
    expect(crashed.status).toBe(200);
    expect(crashed.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(String(crashed.json['errorMessage'])).toMatch(/Runtime exited with error: signal: SIGKILL/);
    const after = await invoke('crash-me', { n: 3 });
    // A new environment (cold start): what the old one held (n=1) is gone.
    expect(after.json['seen']).toEqual([3]);
    expect(after.json['pid']).not.toBe(first.json['pid']);
    expect(svc.faults.stats.crashed).toBe(1);
  });

  it('function-crash on the async path: Lambda retries it, so the payload is still handled', async () => {
    svc.faults.crash({ count: 1, afterMs: 20, fn: 'async-crash' });
    const queued = await invoke('async-crash', { n: 7, sleepMs: 200 }, 'Event');
    expect(queued.status).toBe(202);
    const retriesBefore = svc.stats.asyncRetries;
    for (let i = 0; i < 100 && svc.stats.asyncRetries === retriesBefore; i++) await new Promise((r) => setTimeout(r, 20));
    expect(svc.stats.asyncRetries).toBe(retriesBefore + 1);
    for (let i = 0; i < 100 && !svc.reports().some((r) => r.functionName === 'async-crash' && !r.error); i++) await new Promise((r) => setTimeout(r, 20));
    const reports = svc.reports().filter((r) => r.functionName === 'async-crash');
    expect(reports.map((r) => r.error ?? 'ok')).toEqual(['error', 'ok']);
    expect(svc.failedEvents).toEqual([]);
  });

  it('function-crash three times on the async path: after Lambda’s two retries the event goes to the on-failure destination', async () => {
    svc.faults.crash({ count: 3, afterMs: 20, fn: 'async-crash' });
    expect((await invoke('async-crash', { n: 8, sleepMs: 200 }, 'Event')).status).toBe(202);
    for (let i = 0; i < 200 && svc.failedEvents.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(svc.stats.asyncFailed).toBe(1);
    expect(svc.failedEvents[0]).toMatchObject({ functionName: 'async-crash', attempts: 3, payload: JSON.stringify({ n: 8, sleepMs: 200 }) });
    expect(svc.failedEvents[0]!.error).toMatch(/SIGKILL/);
  });

  it('function-throttle: that share of sync calls is refused with 429, seeded, until cleared', async () => {
    svc.faults.setThrottle({ share: 0.5, fn: 'throttle-me' });
    let refused = 0;
    for (let i = 0; i < 60; i++) {
      const r = await invoke('throttle-me', { n: i });
      if (r.status === 429) {
        refused++;
        expect(r.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
      } else expect(r.status).toBe(200);
    }
    expect(refused).toBeGreaterThan(15);
    expect(refused).toBeLessThan(45);
    expect(svc.faults.stats.throttled).toBe(refused);
    svc.faults.setThrottle(undefined);
    expect((await invoke('throttle-me', { n: 99 })).status).toBe(200);
  });

  it('function-timeout: the invocation never answers and ends at the function’s 1 s timeout', async () => {
    svc.faults.timeout(1, 'stall-me');
    const t0 = Date.now();
    const r = await invoke('stall-me', { n: 1 });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
    expect(r.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(String(r.json['errorMessage'])).toMatch(/Task timed out after 1.00 seconds/);
    expect((await invoke('stall-me', { n: 2 })).json['seen']).toEqual([2]);
  });
});
