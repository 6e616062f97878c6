import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalLambdaService } from './server.js';
import { readZip, writeZip } from './zip.js';
import { parseReportLine, reportFromLogResult } from '../lambda-client.js';

const ROLE = 'arn:aws:iam::000000000000:role/test';
const CODE = `
exports.handler = async (event, ctx) => {
  console.log('got', JSON.stringify(event));
  if (event.sleepMs) await new Promise((r) => setTimeout(r, event.sleepMs));
  if (event.fail) throw new Error('asked to fail');
  if (event.big) return 'x'.repeat(event.big);
  return { echo: event, fn: ctx.functionName, mem: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE, pid: process.pid };
};`;

let svc: LocalLambdaService;
// The plugin's own dependency: an import that fails fails this file with its error (never a silent skip).
const sdk: typeof import('@aws-sdk/client-lambda') | undefined = await import('@aws-sdk/client-lambda');

async function api(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: any; headers: Headers; text: string }> {
  const r = await fetch(svc.endpoint + path, { method, headers, ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
  const text = await r.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return { status: r.status, json, headers: r.headers, text };
}

const zip = writeZip([{ name: 'index.js', data: Buffer.from(CODE) }]);

function create(name: string, extra: Record<string, unknown> = {}) {
  return api('POST', '/2015-03-31/functions', { FunctionName: name, Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip.toString('base64') }, MemorySize: 256, Timeout: 5, ...extra });
}

function invoke(name: string, payload: unknown, type = 'RequestResponse', tail = true) {
  return api('POST', `/2015-03-31/functions/${name}/invocations`, payload, { 'X-Amz-Invocation-Type': type, ...(tail ? { 'X-Amz-Log-Type': 'Tail' } : {}) });
}

beforeAll(async () => {
  svc = await new LocalLambdaService({ accountConcurrency: 20, minUnreserved: 5, asyncRetryDelayMs: 20 }).start();
});
afterAll(async () => {
  await svc.stop();
});

describe('zip', () => {
  it('round-trips stored and deflated entries', () => {
    const entries = [
      { name: 'a.txt', data: Buffer.from('hello hello hello hello hello hello') },
      { name: 'dir/b.bin', data: Buffer.from([1, 2, 3]) },
    ];
    const back = readZip(writeZip(entries));
    expect(back.map((e) => [e.name, e.data.toString('hex')])).toEqual(entries.map((e) => [e.name, e.data.toString('hex')]));
  });
});

describe('local Lambda service: control plane', () => {
  it('creates, gets, lists, tags and deletes a function', async () => {
    const c = await create('ctl-1', { Tags: { 'streamscore/run-id': 'r1' } });
    expect(c.status).toBe(201);
    expect(c.json.FunctionArn).toBe('arn:aws:lambda:us-east-1:000000000000:function:ctl-1');
    expect(c.json.State).toBe('Active');
    expect((await create('ctl-1')).json.message).toMatch(/already exist/);
    const g = await api('GET', '/2015-03-31/functions/ctl-1');
    expect(g.json.Configuration.MemorySize).toBe(256);
    expect(g.json.Tags).toEqual({ 'streamscore/run-id': 'r1' });
    await api('POST', `/2017-03-31/tags/${encodeURIComponent(c.json.FunctionArn)}`, { Tags: { extra: 'x' } });
    expect((await api('GET', `/2017-03-31/tags/${encodeURIComponent(c.json.FunctionArn)}`)).json.Tags).toEqual({ 'streamscore/run-id': 'r1', extra: 'x' });
    expect((await api('GET', '/2015-03-31/functions/')).json.Functions.map((f: { FunctionName: string }) => f.FunctionName)).toContain('ctl-1');
    expect((await api('DELETE', '/2015-03-31/functions/ctl-1')).status).toBe(204);
    const gone = await api('GET', '/2015-03-31/functions/ctl-1');
    expect(gone.status).toBe(404);
    expect(gone.headers.get('x-amzn-errortype')).toBe('ResourceNotFoundException');
  });

  it('refuses environments over 4 KB and reservations that eat the unreserved minimum', async () => {
    const big = await create('ctl-2', { Environment: { Variables: { A: 'x'.repeat(5000) } } });
    expect(big.status).toBe(400);
    expect(big.json.message).toMatch(/4KB/);
    await create('ctl-3');
    const r = await api('PUT', '/2017-10-31/functions/ctl-3/concurrency', { ReservedConcurrentExecutions: 18 });
    expect(r.status).toBe(400);
    expect(r.json.message).toMatch(/UnreservedConcurrentExecution/);
    await api('DELETE', '/2015-03-31/functions/ctl-3');
  });
});

describe('local Lambda service: invoke', () => {
  it('runs sync invocations in a warm worker process, with a REPORT line in the tail log', async () => {
    await create('inv-1');
    const first = await invoke('inv-1', { n: 1 });
    expect(first.status).toBe(200);
    expect(first.json.echo).toEqual({ n: 1 });
    expect(first.json.mem).toBe('256');
    const log1 = Buffer.from(first.headers.get('x-amz-log-result')!, 'base64').toString();
    expect(log1).toMatch(/^START RequestId: \S+ Version: \$LATEST/m);
    expect(log1).toMatch(/\tINFO\tgot \{"n":1\}/);
    const rep1 = reportFromLogResult(first.headers.get('x-amz-log-result')!)!;
    expect(rep1.initMs).toBeGreaterThan(0); // cold start
    expect(rep1.memoryMB).toBe(256);
    expect(rep1.billedMs).toBe(Math.ceil(rep1.durationMs + rep1.initMs!));
    const second = await invoke('inv-1', { n: 2 });
    const rep2 = reportFromLogResult(second.headers.get('x-amz-log-result')!)!;
    expect(rep2.initMs).toBeUndefined(); // warm
    expect(second.json.pid).toBe(first.json.pid);
    expect(rep2.billedMs).toBe(Math.max(1, Math.ceil(rep2.durationMs)));
  });

  it('keeps the tail to the last 4 KB', async () => {
    const r = await invoke('inv-1', { pad: 'y'.repeat(10_000) });
    const tail = Buffer.from(r.headers.get('x-amz-log-result')!, 'base64');
    expect(tail.length).toBeLessThanOrEqual(4096);
    expect(tail.toString()).toMatch(/REPORT RequestId/);
  });

  it('reports function errors as 200 with X-Amz-Function-Error', async () => {
    const r = await invoke('inv-1', { fail: true });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(r.json.errorMessage).toBe('asked to fail');
  });

  it('refuses payloads over 6 MB sync and 1 MB async with 413 RequestTooLargeException', async () => {
    const sync = await invoke('inv-1', { p: 'z'.repeat(6 * 1024 * 1024) });
    expect(sync.status).toBe(413);
    expect(sync.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
    const asyncR = await invoke('inv-1', { p: 'z'.repeat(1024 * 1024) }, 'Event', false);
    expect(asyncR.status).toBe(413);
    expect(asyncR.headers.get('x-amzn-errortype')).toBe('RequestTooLargeException');
    const ok = await invoke('inv-1', { p: 'z'.repeat(900 * 1024) }, 'Event', false);
    expect(ok.status).toBe(202);
  });

  it('throttles with 429 TooManyRequestsException once reserved concurrency is in use', async () => {
    await create('inv-2');
    expect((await api('PUT', '/2017-10-31/functions/inv-2/concurrency', { ReservedConcurrentExecutions: 1 })).json).toEqual({ ReservedConcurrentExecutions: 1 });
    const slow = invoke('inv-2', { sleepMs: 800 });
    await new Promise((r) => setTimeout(r, 300));
    const throttled = await invoke('inv-2', { n: 1 });
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('x-amzn-errortype')).toBe('TooManyRequestsException');
    expect(throttled.json.Reason).toBe('ReservedFunctionConcurrentInvocationLimitExceeded');
    expect((await slow).status).toBe(200);
    expect((await invoke('inv-2', { n: 2 })).status).toBe(200);
    expect(svc.environments()['inv-2']!.total).toBe(1);
    // Reserved concurrency 0 throttles everything.
    await api('PUT', '/2017-10-31/functions/inv-2/concurrency', { ReservedConcurrentExecutions: 0 });
    expect((await invoke('inv-2', {})).status).toBe(429);
  });

  it('queues async invocations beyond concurrency and runs them all (with REPORT lines in the logs)', async () => {
    await create('inv-3');
    await api('PUT', '/2017-10-31/functions/inv-3/concurrency', { ReservedConcurrentExecutions: 2 });
    for (let i = 0; i < 6; i++) expect((await invoke('inv-3', { i, sleepMs: 50 }, 'Event', false)).status).toBe(202);
    const deadline = Date.now() + 10_000;
    while (svc.reports('inv-3').length < 6 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const reps = svc.reports('inv-3');
    expect(reps).toHaveLength(6);
    expect(reps.filter((r) => r.initMs !== undefined)).toHaveLength(2); // two environments, each cold once
    expect(svc.environments()['inv-3']!.total).toBe(2);
    for (const r of reps) expect(parseReportLine(r.line)?.billedMs).toBe(r.billedMs);
  });

  it('retries a failing async invocation twice', async () => {
    await create('inv-4');
    const before = svc.reports('inv-4').length;
    await invoke('inv-4', { fail: true }, 'Event', false);
    const deadline = Date.now() + 10_000;
    while (svc.reports('inv-4').length < before + 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 200));
    expect(svc.reports('inv-4').length - before).toBe(3);
  });

  it('times out an invocation and starts a fresh environment afterwards', async () => {
    await create('inv-5', { Timeout: 1 });
    const r = await invoke('inv-5', { sleepMs: 3000 });
    expect(r.headers.get('x-amz-function-error')).toBe('Unhandled');
    expect(r.text).toMatch(/timed out after 1.00 seconds/);
    const next = await invoke('inv-5', { n: 1 });
    expect(next.status).toBe(200);
    expect(reportFromLogResult(next.headers.get('x-amz-log-result')!)!.initMs).toBeGreaterThan(0);
  });

  it('deletes a function and stops its environments', async () => {
    expect((await api('DELETE', '/2015-03-31/functions/inv-1')).status).toBe(204);
    expect(svc.environments()['inv-1']).toBeUndefined();
    expect((await invoke('inv-1', {})).status).toBe(404);
  });
});

describe('local Lambda service with @aws-sdk/client-lambda', () => {
  it('serves the SDK: create, waiters, concurrency, invoke with Tail, 413, 429, tags, list, delete', async () => {
    const m = sdk!;
    const { lambdaClient } = await import('../lambda-client.js');
    const client = await lambdaClient({ region: 'us-east-1', endpoint: svc.endpoint });
    const c = await client.send(new m.CreateFunctionCommand({ FunctionName: 'sdk-1', Role: ROLE, Runtime: 'nodejs20.x', Handler: 'index.handler', Code: { ZipFile: zip }, MemorySize: 512, Tags: { a: 'b' } }));
    expect(c.FunctionName).toBe('sdk-1');
    await m.waitUntilFunctionActiveV2({ client, maxWaitTime: 10 }, { FunctionName: 'sdk-1' });
    await client.send(new m.PutFunctionConcurrencyCommand({ FunctionName: 'sdk-1', ReservedConcurrentExecutions: 1 }));
    expect((await client.send(new m.GetFunctionCommand({ FunctionName: 'sdk-1' }))).Concurrency?.ReservedConcurrentExecutions).toBe(1);
    const r = await client.send(new m.InvokeCommand({ FunctionName: 'sdk-1', Payload: JSON.stringify({ hi: 1 }), LogType: 'Tail' }));
    expect(r.StatusCode).toBe(200);
    expect(JSON.parse(Buffer.from(r.Payload!).toString()).echo).toEqual({ hi: 1 });
    expect(reportFromLogResult(r.LogResult)!.memoryMB).toBe(512);
    const ev = await client.send(new m.InvokeCommand({ FunctionName: 'sdk-1', InvocationType: 'Event', Payload: '{}' }));
    expect(ev.StatusCode).toBe(202);
    await expect(client.send(new m.InvokeCommand({ FunctionName: 'sdk-1', Payload: JSON.stringify({ p: 'x'.repeat(7e6) }) }))).rejects.toMatchObject({ name: 'RequestTooLargeException' });
    const slow = client.send(new m.InvokeCommand({ FunctionName: 'sdk-1', Payload: JSON.stringify({ sleepMs: 600 }) }));
    await new Promise((res) => setTimeout(res, 300));
    await expect(client.send(new m.InvokeCommand({ FunctionName: 'sdk-1', Payload: '{}' }))).rejects.toMatchObject({ name: 'TooManyRequestsException' });
    await slow;
    expect((await client.send(new m.ListTagsCommand({ Resource: c.FunctionArn! }))).Tags).toEqual({ a: 'b' });
    expect((await client.send(new m.ListFunctionsCommand({}))).Functions?.some((f) => f.FunctionName === 'sdk-1')).toBe(true);
    await client.send(new m.UpdateFunctionConfigurationCommand({ FunctionName: 'sdk-1', Environment: { Variables: { X: '1' } } }));
    await m.waitUntilFunctionUpdatedV2({ client, maxWaitTime: 10 }, { FunctionName: 'sdk-1' });
    await client.send(new m.DeleteFunctionCommand({ FunctionName: 'sdk-1' }));
    await expect(client.send(new m.GetFunctionCommand({ FunctionName: 'sdk-1' }))).rejects.toMatchObject({ name: 'ResourceNotFoundException' });
    client.destroy();
  });
});
