/**
 * Error paths on the aws target with aws-sdk-client-mock: throttled Invoke calls (429) retried
 * with backoff and counted; a CreateFunction refused while the new role is not yet assumable,
 * retried; a new account's low concurrency limit refused before anything is created; async
 * REPORT lines read from CloudWatch Logs, page by page.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  CreateFunctionCommand,
  GetAccountSettingsCommand,
  GetFunctionCommand,
  InvalidParameterValueException,
  InvokeCommand,
  LambdaClient,
  PublishLayerVersionCommand,
  PutFunctionConcurrencyCommand,
  TooManyRequestsException,
} from '@aws-sdk/client-lambda';
import { CreateRoleCommand, IAMClient, PutRolePolicyCommand } from '@aws-sdk/client-iam';
import { CloudWatchLogsClient, FilterLogEventsCommand, ResourceNotFoundException } from '@aws-sdk/client-cloudwatch-logs';
import { Ledger, isUserError, type AnyWorkload, type RunContext, type RunRequest } from '@streamscore/core';
import { createFlockBackend } from './backend.js';
import { FlockDriver } from './driver/driver.js';
import { collectAsyncReports, readReportLines } from './logs.js';

// A workload package that fails to import fails this file with its error (never a silent skip).
const nexmark = ((await import('@streamscore/workload-nexmark')) as { workloads: AnyWorkload[] }).workloads;
const wl = (id: string) => nexmark.find((w) => w.id === id)!;
function request(workloadId: string, knobs: Record<string, string | number> = {}): RunRequest {
  const workload = wl(workloadId);
  return { runId: `mock-${workloadId.replace(/\W/g, '-')}`, workload, params: workload.params.parse({}) as Record<string, unknown>, target: 'aws', knobs, rate: 1000, durationS: 10 };
}
function context(runId = 'mock'): RunContext & { logs: string[] } {
  const logs: string[] = [];
  return { runId, ledger: new Ledger(runId), log: (m) => logs.push(m), signal: new AbortController().signal, logs };
}
const meta = (httpStatusCode: number) => ({ $metadata: { httpStatusCode } });
const throttle = () =>
  new TooManyRequestsException({ message: 'Rate Exceeded.', Reason: 'ReservedFunctionConcurrentInvocationLimitExceeded', ...meta(429) });
const REPORT = (id: string, billed: number, init?: number) =>
  `REPORT RequestId: ${id}\tDuration: ${billed - 0.5} ms\tBilled Duration: ${billed} ms\tMemory Size: 1024 MB\tMax Memory Used: 100 MB\t${init ? `Init Duration: ${init} ms\t` : ''}`;
const okInvoke = (id: string, billed: number) => ({
  StatusCode: 200,
  Payload: new TextEncoder().encode(JSON.stringify({ status: 'complete', window: 'e0', have: 1, count: 1, rows: 1 })) as never,
  LogResult: Buffer.from(`START RequestId: ${id}\nEND RequestId: ${id}\n${REPORT(id, billed)}\n`).toString('base64'),
});

describe('flock on aws: error paths (aws-sdk-client-mock)', () => {
  const lambda = mockClient(LambdaClient);
  const iam = mockClient(IAMClient);
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => {
    lambda.reset();
    iam.reset();
    logs.reset();
  });
  afterEach(() => {
    lambda.reset();
    iam.reset();
    logs.reset();
  });

  it('429 TooManyRequestsException on Invoke: retried with backoff, counted, billed once', async () => {
    lambda.on(InvokeCommand).rejectsOnce(throttle()).rejectsOnce(throttle()).resolves(okInvoke('r-1', 12));
    const backoffs: number[] = [];
    const drv = new FlockDriver({
      lambda: new LambdaClient({ region: 'us-east-1' }),
      plan: { stage: 'per-event', sql: 'SELECT * FROM bid', watermarkDelayMs: 0 },
      functions: ['ss-flock-x-map'],
      invocation: 'sync',
      epochMs: 50,
      eventTime: (e) => Number(e['dateTime']),
      backoffMs: (attempt) => {
        backoffs.push(attempt);
        return 5;
      },
    });
    drv.push([{ type: 'bid', auction: 1, bidder: 2, price: 3, dateTime: 1000 }]);
    await drv.epoch();
    await drv.stop(5_000, 0);
    expect(drv.errors).toEqual([]);
    expect(drv.stats).toMatchObject({ invocations: 3, throttles: 2, retries: 2, accepted: 1, reports: 1, billedMs: 12, failedFragments: 0 });
    expect(backoffs).toEqual([0, 1]);
    const calls = lambda.commandCalls(InvokeCommand);
    expect(calls).toHaveLength(3);
    expect(calls[0]!.args[0].input).toMatchObject({ FunctionName: 'ss-flock-x-map', InvocationType: 'RequestResponse', LogType: 'Tail' });
  });

  it('the default backoff is Flock’s: min(50·k + rand·100, 500) ms; past maxRetries the fragment fails and is counted', async () => {
    lambda.on(InvokeCommand).rejects(throttle());
    const drv = new FlockDriver({
      lambda: new LambdaClient({ region: 'us-east-1' }),
      plan: { stage: 'window-aggregate', window: { kind: 'tumbling', sizeMs: 1000 }, sql: 'SELECT count(*) AS n FROM bid', watermarkDelayMs: 0 },
      functions: ['ss-flock-x-agg-00'],
      invocation: 'async',
      epochMs: 50,
      maxRetries: 2,
      eventTime: (e) => Number(e['dateTime']),
    });
    drv.push([{ type: 'bid', auction: 1, dateTime: 500 }, { type: 'bid', auction: 1, dateTime: 2500 }]);
    const t0 = performance.now();
    await drv.epoch();
    await drv.stop(5_000, 0);
    const took = performance.now() - t0;
    expect(drv.stats).toMatchObject({ invocations: 3, throttles: 3, retries: 2, failedFragments: 1, accepted: 0 });
    expect(drv.errors.join('\n')).toMatch(/TooManyRequests|Rate Exceeded/);
    expect(took).toBeGreaterThanOrEqual(50 + 100); // 50·1 + 50·2 ms at least
    expect(took).toBeLessThan(2_000);
    expect(lambda.commandCalls(InvokeCommand)[0]!.args[0].input).toMatchObject({ InvocationType: 'Event' });
  });

  function mockCreateOk(): void {
    iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::123456789012:role/streamscore/ss-flock-x-role', RoleName: 'r', Path: '/streamscore/', RoleId: 'x', CreateDate: new Date() } });
    iam.on(PutRolePolicyCommand).resolves({});
    lambda.on(GetFunctionCommand).resolves({ Configuration: { State: 'Active', LastUpdateStatus: 'Successful' } });
    lambda.on(PutFunctionConcurrencyCommand).resolves({ ReservedConcurrentExecutions: 1 });
    lambda.on(PublishLayerVersionCommand).resolves({ LayerVersionArn: LAYER_ARN, Version: 1 });
  }
  const LAYER_ARN = 'arn:aws:lambda:us-east-1:123456789012:layer:ss-flock-x-duckdb:1';

  it('CreateFunction refused while the new role cannot be assumed yet: retried until it can', async () => {
    mockCreateOk();
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
    const notYet = () => new InvalidParameterValueException({ message: 'The role defined for the function cannot be assumed by Lambda.', ...meta(400) });
    lambda.on(CreateFunctionCommand).rejectsOnce(notYet()).rejectsOnce(notYet()).resolves({ FunctionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' });
    const delays: number[] = [];
    const b = createFlockBackend({ region: 'us-east-1', retryDelayMs: (i) => (delays.push(i), 1) });
    const req = request('nexmark/q0');
    const ctx = context(req.runId);
    const d = await b.provision(await b.plan(req), ctx);
    expect(lambda.commandCalls(CreateFunctionCommand)).toHaveLength(3);
    expect(delays).toEqual([0, 1]);
    const input = lambda.commandCalls(CreateFunctionCommand)[0]!.args[0].input;
    expect(input.Role).toBe('arn:aws:iam::123456789012:role/streamscore/ss-flock-x-role');
    expect(input.Code?.ZipFile).toBeInstanceOf(Uint8Array);
    // DuckDB comes from the layer published before the functions, and the ledger has it first.
    expect(input.Layers).toEqual([LAYER_ARN]);
    const kinds = ctx.ledger.list().map((e) => e.kind);
    expect(kinds.indexOf('lambda-layer')).toBeGreaterThanOrEqual(0);
    expect(kinds.indexOf('lambda-layer')).toBeLessThan(kinds.indexOf('lambda-function'));
    expect(ctx.ledger.list().find((e) => e.kind === 'lambda-function')).toMatchObject({ state: 'created', cloudId: 'arn:aws:lambda:us-east-1:123456789012:function:f' });
    expect(d.state['account']).toEqual({ concurrentExecutions: 1000, unreserved: 1000 });
  });

  it('another InvalidParameterValueException is not retried: the function is marked failed in the ledger', async () => {
    mockCreateOk();
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 1000 } });
    lambda.on(CreateFunctionCommand).rejects(new InvalidParameterValueException({ message: "'MemorySize' value failed to satisfy constraint", ...meta(400) }));
    const b = createFlockBackend({ region: 'us-east-1', retryDelayMs: () => 1 });
    const req = request('nexmark/q0');
    const ctx = context(req.runId);
    await expect(b.provision(await b.plan(req), ctx)).rejects.toThrow(/InvalidParameterValueException: 'MemorySize'/);
    expect(lambda.commandCalls(CreateFunctionCommand)).toHaveLength(1);
    expect(ctx.ledger.list().find((e) => e.kind === 'lambda-function')?.state).toBe('failed');
  });

  it('a new account’s concurrency (10) cannot hold a group: plan and provision refuse with a UserError before creating anything', async () => {
    mockCreateOk();
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 10, UnreservedConcurrentExecutions: 10 } });
    const b = createFlockBackend({ region: 'us-east-1' });
    const req = request('nexmark/q5', { 'group-size': 4 });
    const refused = await b.plan(req).catch((e: unknown) => e);
    expect(isUserError(refused)).toBe(true);
    expect((refused as Error).message).toMatch(/concurrency limit is 10 with 10 unreserved.*AWS keeps 100 unreserved/);
    expect((refused as { nextStep?: string }).nextStep).toMatch(/Concurrent executions.*--group-size/);
    // provision checks again (an account can change between plan and provision)
    const plan = { backend: 'flock', target: 'aws', request: req, resources: [], projectedCostUsd: 0, notes: [] };
    const ctx = context(req.runId);
    await expect(b.provision(plan, ctx)).rejects.toSatisfy(isUserError);
    expect(iam.commandCalls(CreateRoleCommand)).toHaveLength(0);
    expect(lambda.commandCalls(CreateFunctionCommand)).toHaveLength(0);
    expect(ctx.ledger.list()).toEqual([]);
    // a per-event query reserves nothing: planned
    await expect(b.plan(request('nexmark/q0'))).resolves.toMatchObject({ backend: 'flock' });
    // and a group that fits is planned, with the account in the notes
    lambda.on(GetAccountSettingsCommand).resolves({ AccountLimit: { ConcurrentExecutions: 1000, UnreservedConcurrentExecutions: 900 } });
    expect((await b.plan(req)).notes.join('\n')).toMatch(/1000 concurrent executions, 900 unreserved/);
  });
});

describe('async REPORT lines from CloudWatch Logs', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());

  it('FilterLogEvents on /aws/lambda/<fn> with filterPattern REPORT, every page', async () => {
    logs
      .on(FilterLogEventsCommand)
      .resolvesOnce({ events: [{ message: 'START RequestId: a Version: $LATEST\n' }, { message: `${REPORT('a', 351, 230.1)}\n` }], nextToken: 't1' })
      .resolvesOnce({ events: [{ message: REPORT('b', 21) }, { message: 'END RequestId: b' }], nextToken: 't2' })
      .resolvesOnce({ events: [{ message: REPORT('c', 9) }] });
    const client = new CloudWatchLogsClient({ region: 'us-east-1' });
    const r = await readReportLines(client, 'ss-flock-x-agg-00', { startTime: 1000, endTime: 2000 });
    expect(r.pages).toBe(3);
    expect(r.reports).toEqual([
      { requestId: 'a', durationMs: 350.5, billedMs: 351, memoryMB: 1024, maxMemoryUsedMB: 100, initMs: 230.1 },
      { requestId: 'b', durationMs: 20.5, billedMs: 21, memoryMB: 1024, maxMemoryUsedMB: 100 },
      { requestId: 'c', durationMs: 8.5, billedMs: 9, memoryMB: 1024, maxMemoryUsedMB: 100 },
    ]);
    const inputs = logs.commandCalls(FilterLogEventsCommand).map((c) => c.args[0].input);
    expect(inputs[0]).toEqual({ logGroupName: '/aws/lambda/ss-flock-x-agg-00', filterPattern: 'REPORT', startTime: 1000, endTime: 2000 });
    expect(inputs.map((i) => i.nextToken)).toEqual([undefined, 't1', 't2']);
  });

  it('a log group not there yet is no REPORT lines, not an error', async () => {
    logs.on(FilterLogEventsCommand).rejects(new ResourceNotFoundException({ message: 'The specified log group does not exist.', $metadata: {} }));
    const r = await readReportLines(new CloudWatchLogsClient({ region: 'us-east-1' }), 'ss-flock-x-map', { startTime: 0 });
    expect(r.reports).toEqual([]);
  });

  it('polls until every accepted invocation’s REPORT has arrived, and the driver counts each request once', async () => {
    // CloudWatch delivers late: the first poll sees one line, the second both.
    logs
      .on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/f0' })
      .resolvesOnce({ events: [{ message: REPORT('a', 100, 200) }] })
      .resolves({ events: [{ message: REPORT('a', 100, 200) }, { message: REPORT('b', 10) }] });
    logs.on(FilterLogEventsCommand, { logGroupName: '/aws/lambda/f1' }).resolves({ events: [] });
    const drv = new FlockDriver({ lambda: {} as never, plan: { stage: 'per-event', sql: '', watermarkDelayMs: 0 }, functions: ['f0', 'f1'], invocation: 'async', epochMs: 100, eventTime: () => 0 });
    const r = await collectAsyncReports(new CloudWatchLogsClient({ region: 'us-east-1' }), ['f0', 'f1'], { startTime: 0, expected: 2, pollMs: 1, waitMs: 5_000, add: (x) => drv.addReport(x) });
    expect(r).toEqual({ seen: 2, complete: true, polls: 2 });
    expect(drv.stats).toMatchObject({ reports: 2, billedMs: 110, coldStarts: 1, initMs: 200 });
  });

  it('gives up after waitMs with what it has', async () => {
    logs.on(FilterLogEventsCommand).resolves({ events: [{ message: REPORT('a', 5) }] });
    let t = 0;
    const r = await collectAsyncReports(new CloudWatchLogsClient({ region: 'us-east-1' }), ['f0'], { startTime: 0, expected: 3, pollMs: 1, waitMs: 10, add: () => {}, now: () => (t += 4) });
    expect(r.complete).toBe(false);
    expect(r.seen).toBe(1);
  });
});
