import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FlinkRestClient, FlinkRestError, type FetchLike } from './client.js';

interface Call {
  method: string;
  url: string;
  body: RequestInit['body'];
}

/** A fetch stub answering by "METHOD path" (path without the base URL). */
function stub(routes: Record<string, (call: Call) => { status?: number; json?: unknown; text?: string }>): { fetch: FetchLike; calls: Call[] } {
  const calls: Call[] = [];
  const fetchImpl: FetchLike = async (url, init) => {
    const call: Call = { method: init?.method ?? 'GET', url, body: init?.body };
    calls.push(call);
    const path = url.replace('http://flink:8081', '');
    const key = `${call.method} ${path.split('?')[0]}`;
    const route = routes[key] ?? routes[`${call.method} ${path}`];
    if (!route) return new Response(JSON.stringify({ errors: [`no route ${key}`] }), { status: 404 });
    const r = route(call);
    return new Response(r.text ?? JSON.stringify(r.json ?? {}), { status: r.status ?? 200 });
  };
  return { fetch: fetchImpl, calls };
}

describe('Flink REST client', () => {
  it('uploads the jar as multipart field jarfile and runs it with entryClass, programArgsList and parallelism', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flink-rest-'));
    const jar = join(dir, 'job.jar');
    writeFileSync(jar, 'PK fake jar');
    const s = stub({
      'POST /jars/upload': () => ({ json: { filename: '/tmp/flink-web-x/flink-web-upload/abc_job.jar', status: 'success' } }),
      'POST /jars/abc_job.jar/run': () => ({ json: { jobid: 'j1' } }),
    });
    const c = new FlinkRestClient('http://flink:8081/', { fetch: s.fetch });
    const id = await c.uploadJar(jar);
    expect(id).toBe('abc_job.jar');
    const form = s.calls[0]!.body as FormData;
    expect(form).toBeInstanceOf(FormData);
    const file = form.get('jarfile') as File;
    expect(file.name).toBe('job.jar');
    expect(await file.text()).toBe('PK fake jar');

    const job = await c.runJar(id, { entryClass: 'a.B', programArgsList: ['--x', 'y z'], parallelism: 2 });
    expect(job).toBe('j1');
    expect(JSON.parse(s.calls[1]!.body as string)).toEqual({ entryClass: 'a.B', programArgsList: ['--x', 'y z'], parallelism: 2 });
  });

  it('turns Flink error answers into FlinkRestError with the server-side message', async () => {
    const s = stub({ 'POST /jars/x/run': () => ({ status: 500, json: { errors: ['org.apache.flink.client.program.ProgramInvocationException: boom'] } }) });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    const e = await c.runJar('x', {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(FlinkRestError);
    expect((e as FlinkRestError).status).toBe(500);
    expect((e as Error).message).toMatch(/boom/);
  });

  it('waits for the REST endpoint and every TaskManager, within a bound', async () => {
    let n = 0;
    const s = stub({ 'GET /overview': () => ({ json: { taskmanagers: ++n >= 3 ? 2 : 0, 'slots-total': 2, 'slots-available': 2, 'flink-version': '2.2.0' } }) });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    await c.waitUntilReady({ taskManagers: 2, timeoutMs: 5_000, intervalMs: 1 });
    expect(n).toBe(3);

    const down: FetchLike = async () => {
      throw new TypeError('fetch failed: ECONNREFUSED');
    };
    const d = new FlinkRestClient('http://flink:8081', { fetch: down });
    await expect(d.waitUntilReady({ taskManagers: 1, timeoutMs: 30, intervalMs: 5 })).rejects.toThrow(/not ready after .*ECONNREFUSED/);
    await expect(d.waitUntilReady({ taskManagers: 1, timeoutMs: 5_000, intervalMs: 5, isAlive: () => 'jobmanager exited (code 1)' })).rejects.toThrow(
      /stopped while starting: jobmanager exited/,
    );
  });

  it('reports a failed job with its root exception', async () => {
    const s = stub({
      'GET /jobs/j1': () => ({ json: { jid: 'j1', name: 'q', state: 'FAILED', vertices: [] } }),
      'GET /jobs/j1/exceptions': () => ({ json: { 'root-exception': 'java.io.IOException: GetRecords failed\n\tat x' } }),
    });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    await expect(c.waitForJobRunning('j1', { timeoutMs: 1_000, intervalMs: 1 })).rejects.toThrow(/FAILED: java.io.IOException: GetRecords failed/);
  });

  it('cancels with PATCH ?mode=cancel and treats a job already gone as cancelled', async () => {
    const s = stub({ 'PATCH /jobs/j1': () => ({ status: 202, json: {} }) });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    await c.cancelJob('j1');
    expect(s.calls[0]!.url).toBe('http://flink:8081/jobs/j1?mode=cancel');
    await c.cancelJob('gone'); // 404 from the stub
  });

  it('samples records in/out per second, busy and back-pressured time and TaskManager CPU load', async () => {
    const s = stub({
      'GET /jobs/j1': () => ({
        json: {
          jid: 'j1',
          name: 'q',
          state: 'RUNNING',
          vertices: [
            { id: 'src', name: 'Source', parallelism: 2, status: 'RUNNING' },
            { id: 'snk', name: 'Sink', parallelism: 2, status: 'RUNNING' },
          ],
        },
      }),
      'GET /jobs/j1/vertices/src/subtasks/metrics': () => ({
        json: [
          { id: 'numRecordsOutPerSecond', min: 400, max: 600, avg: 500, sum: 1000 },
          { id: 'busyTimeMsPerSecond', min: 100, max: 300, avg: 200, sum: 400 },
          { id: 'backPressuredTimeMsPerSecond', min: 0, max: 50, avg: 25, sum: 50 },
        ],
      }),
      'GET /jobs/j1/vertices/snk/subtasks/metrics': () => ({
        json: [
          { id: 'numRecordsInPerSecond', min: 40, max: 60, avg: 50, sum: 100 },
          { id: 'busyTimeMsPerSecond', min: 10, max: 900, avg: 455, sum: 910 },
        ],
      }),
      'GET /taskmanagers': () => ({ json: { taskmanagers: [{ id: 'tm-0' }, { id: 'tm-1' }] } }),
      'GET /taskmanagers/tm-0/metrics': () => ({ json: [{ id: 'Status.JVM.CPU.Load', value: '0.2' }] }),
      'GET /taskmanagers/tm-1/metrics': () => ({ json: [{ id: 'Status.JVM.CPU.Load', value: '0.4' }] }),
    });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    const m = await c.sampleJobMetrics('j1');
    expect(m).toEqual({
      recordsInPerSecond: 1000,
      recordsOutPerSecond: 100,
      busyTimeMsPerSecond: 900,
      backPressuredTimeMsPerSecond: 50,
      taskManagerCpuLoad: expect.closeTo(0.3, 6),
      taskManagers: 2,
    });
    expect(s.calls.find((c) => c.url.includes('/vertices/src/'))!.url).toContain('get=numRecordsInPerSecond,numRecordsOutPerSecond,busyTimeMsPerSecond,backPressuredTimeMsPerSecond');
  });
});

describe("the job's read position in its Kinesis input", () => {
  it("sums each source operator's gauges over subtasks, takes the slowest source, and reports them as the transport's consumer metrics", async () => {
    const gauges = ['streamscoreRecordsRead', 'streamscoreEventsRead', 'streamscoreMillisBehindLatest'];
    const s = stub({
      'GET /jobs/j2': () => ({
        json: {
          jid: 'j2',
          name: 'q',
          state: 'RUNNING',
          vertices: [
            { id: 'srcA', name: 'Source: bid[1] -> Calc[2]', parallelism: 2, status: 'RUNNING' },
            { id: 'srcB', name: 'Source: auction[3]', parallelism: 2, status: 'RUNNING' },
            { id: 'join', name: 'Join[4] -> Sink: out', parallelism: 2, status: 'RUNNING' },
          ],
        },
      }),
      'GET /jobs/j2/vertices/srcA/subtasks/metrics': (c) =>
        c.url.includes('get=')
          ? { json: [{ id: 'Source__bid_1_.streamscoreRecordsRead', sum: 120 }, { id: 'Source__bid_1_.streamscoreEventsRead', sum: 60_000 }, { id: 'Source__bid_1_.streamscoreMillisBehindLatest', max: 800 }] }
          : { json: [{ id: 'numRecordsOut' }, ...gauges.map((g) => ({ id: `Source__bid_1_.${g}` }))] },
      'GET /jobs/j2/vertices/srcB/subtasks/metrics': (c) =>
        c.url.includes('get=')
          ? { json: [{ id: 'Source__auction_3_.streamscoreRecordsRead', sum: 100 }, { id: 'Source__auction_3_.streamscoreEventsRead', sum: 50_000 }, { id: 'Source__auction_3_.streamscoreMillisBehindLatest', max: 2_500 }] }
          : { json: gauges.map((g) => ({ id: `Source__auction_3_.${g}` })) },
      'GET /jobs/j2/vertices/join/subtasks/metrics': () => ({ json: [] }),
      'GET /taskmanagers': () => ({ json: { taskmanagers: [] } }),
    });
    const m = await new FlinkRestClient('http://flink:8081', { fetch: s.fetch }).sampleJobMetrics('j2');
    expect(m['kinesis.consumer.recordsRead']).toBe(100);
    expect(m['kinesis.consumer.eventsRead']).toBe(50_000);
    expect(m['kinesis.consumer.millisBehindLatest']).toBe(2_500);
    // Only source vertices are asked for their metric list.
    expect(s.calls.filter((c) => c.url.endsWith('/subtasks/metrics')).map((c) => c.url.split('/')[6])).toEqual(['srcA', 'srcB']);
  });

  it('is empty for a job without the gauges (another jar)', async () => {
    const s = stub({
      'GET /jobs/j3/vertices/src/subtasks/metrics': () => ({ json: [{ id: 'numRecordsOut' }] }),
    });
    const c = new FlinkRestClient('http://flink:8081', { fetch: s.fetch });
    expect(await c.sourcePosition('j3', [{ id: 'src', name: 'Source: x', parallelism: 1, status: 'RUNNING' }])).toEqual({});
  });
});
