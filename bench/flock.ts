import { performance } from 'node:perf_hooks';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { KinesisHarnessTransport, startLocalKinesis } from '@streamscore/kinesis';
import { findSustainableRate, runBenchmark } from '@streamscore/harness';
import { percentiles, newHistogram, type AnyWorkload } from '@streamscore/core';
import {
  LocalLambdaService,
  buildTemplate,
  decodeTable,
  encodeContext,
  flockBackend,
  fragmentWindow,
  learnSchemas,
  reportFromLogResult,
  writeZip,
} from '@streamscore/plugin-flock';
import type { BenchRow } from './types.js';

/**
 * The flock backend on this machine (`npm run bench -- flock`):
 *
 * - payload exchange: a window of NEXMark events encoded as Flock's payloads (one Arrow IPC
 *   stream per table, gzip, base64, split into fragments of ≤ 1 MB, the async limit) and decoded
 *   again, in MB/s of the events as NDJSON (what the source reads) and of payload bytes;
 * - invocation overhead of the local Lambda service: warm sync Invoke round trips (p50, p99) of a
 *   trivial handler, and cold starts (Init Duration) of that handler and of the flock template
 *   (DuckDB's native module included);
 * - the sustainable rate of nexmark q0 and q5 on the local target (kinesalite → driver →
 *   functions → kinesalite), core's findSustainableRate with a small trial budget: each trial
 *   creates and deletes its functions, so the figure is coarse (a doubling search, ≤ 3 trials).
 */

const MB = 1024 * 1024;

async function nexmarkEvents(n: number): Promise<Record<string, unknown>[]> {
  const m = (await import('@streamscore/workload-nexmark')) as unknown as {
    generateEvents: (config: Record<string, unknown>, count: number) => Record<string, unknown>[];
  };
  return m.generateEvents({}, n);
}

async function benchPayload(): Promise<BenchRow[]> {
  const rows = await nexmarkEvents(200_000);
  const ndjsonBytes = rows.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)) + 1, 0);
  const schemas = learnSchemas({}, rows);
  const window = { id: 'w0', start: 0, end: 10_000 };
  // warm-up (JIT, zlib)
  fragmentWindow(window, rows.slice(0, 20_000), { maxBytes: MB - 16 * 1024, schemas });
  const reps = 3;
  let encodeMs = Infinity;
  let frags: ReturnType<typeof fragmentWindow> = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    frags = fragmentWindow(window, rows, { maxBytes: MB - 16 * 1024, schemas });
    encodeMs = Math.min(encodeMs, performance.now() - t0);
  }
  const payloadBytes = frags.reduce((s, f) => s + Buffer.byteLength(JSON.stringify(f)), 0);
  let decodeMs = Infinity;
  let decodedRows = 0;
  for (let i = 0; i < reps; i++) {
    decodedRows = 0;
    const t0 = performance.now();
    for (const f of frags) {
      const parsed = JSON.parse(JSON.stringify(f)) as typeof f; // as the function receives it
      for (const b64 of Object.values(parsed.tables)) decodedRows += decodeTable(b64).rowCount;
    }
    decodeMs = Math.min(decodeMs, performance.now() - t0);
  }
  if (decodedRows !== rows.length) throw new Error(`decoded ${decodedRows} rows of ${rows.length}`);
  const note = `${rows.length.toLocaleString('en-US')} NEXMark events (${(ndjsonBytes / MB).toFixed(1)} MB NDJSON) → ${frags.length} fragments, ${(payloadBytes / MB).toFixed(1)} MB payload (${(ndjsonBytes / payloadBytes).toFixed(1)}× smaller)`;
  return [
    { name: 'payload encode (Arrow IPC + gzip + base64, fragments ≤ 1 MB)', value: ndjsonBytes / MB / (encodeMs / 1000), unit: 'MB/s', note: `of events as NDJSON; ${(payloadBytes / MB / (encodeMs / 1000)).toFixed(1)} MB/s of payload; ${note}` },
    { name: 'payload decode (JSON envelope + base64 + gunzip + Arrow)', value: ndjsonBytes / MB / (decodeMs / 1000), unit: 'MB/s', note: `of events as NDJSON; ${(payloadBytes / MB / (decodeMs / 1000)).toFixed(1)} MB/s of payload; ${Math.round(rows.length / (decodeMs / 1000)).toLocaleString('en-US')} rows/s` },
    { name: 'payload size per event', value: payloadBytes / rows.length, unit: 'bytes', note: `NDJSON: ${(ndjsonBytes / rows.length).toFixed(1)} bytes` },
  ];
}

function layerNodeModules(): string {
  const pkg = createRequire(import.meta.url).resolve('@duckdb/node-api/package.json');
  return dirname(dirname(dirname(pkg)));
}

async function benchInvoke(): Promise<BenchRow[]> {
  const { LambdaClient, CreateFunctionCommand, InvokeCommand } = await import('@aws-sdk/client-lambda');
  const service = await new LocalLambdaService({ layerNodeModules: layerNodeModules(), maxProcesses: 16 }).start();
  const client = new LambdaClient({ region: 'us-east-1', endpoint: service.endpoint, credentials: { accessKeyId: 'x', secretAccessKey: 'x' }, maxAttempts: 1 });
  const rows: BenchRow[] = [];
  try {
    const trivial = writeZip([{ name: 'index.js', data: Buffer.from('exports.handler = async (e) => ({ ok: true, n: e && e.n });') }]);
    const create = (name: string, zip: Buffer, env: Record<string, string> = {}) =>
      client.send(new CreateFunctionCommand({ FunctionName: name, Role: 'arn:aws:iam::000000000000:role/x', Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: 1024, Code: { ZipFile: zip }, Environment: { Variables: env } }));
    const invoke = async (name: string, payload: unknown) => {
      const t0 = performance.now();
      const r = await client.send(new InvokeCommand({ FunctionName: name, InvocationType: 'RequestResponse', LogType: 'Tail', Payload: Buffer.from(JSON.stringify(payload)) }));
      return { ms: performance.now() - t0, report: reportFromLogResult(r.LogResult), error: r.FunctionError };
    };
    // cold starts of a trivial handler: a new function each time
    const coldInit: number[] = [];
    const coldRt: number[] = [];
    for (let i = 0; i < 5; i++) {
      await create(`cold-${i}`, trivial);
      const r = await invoke(`cold-${i}`, { n: i });
      coldInit.push(r.report?.initMs ?? NaN);
      coldRt.push(r.ms);
    }
    // warm round trips
    await create('warm', trivial);
    await invoke('warm', { n: 0 });
    const h = newHistogram();
    for (let i = 0; i < 100; i++) await invoke('warm', { n: i });
    for (let i = 0; i < 1000; i++) h.recordValue(Math.max(1, Math.round((await invoke('warm', { n: i })).ms * 1000)));
    const p = percentiles(h);
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    rows.push({ name: 'local Lambda: warm sync Invoke round trip p50', value: p.p50 / 1000, unit: 'ms', note: 'trivial handler, RequestResponse + LogType Tail, over HTTP keep-alive, 1,000 calls' });
    rows.push({ name: 'local Lambda: warm sync Invoke round trip p99', value: p.p99 / 1000, unit: 'ms' });
    rows.push({ name: 'local Lambda: cold start Init Duration (trivial handler)', value: med(coldInit), unit: 'ms', note: `median of 5; round trip ${med(coldRt).toFixed(0)} ms` });
    // cold starts of the flock template (DuckDB loaded at INIT)
    const pkg = await buildTemplate();
    const ctx = encodeContext({ v: 1, runId: 'bench', query: 'bench', stage: 'per-event', sql: 'SELECT count(*) AS n FROM bid', next: { kind: 'return' } });
    const events = (await nexmarkEvents(2_000)).filter((e) => e['type'] === 'bid');
    const schemas = learnSchemas({}, events);
    const frag = fragmentWindow({ id: 'e0', start: 0, end: 0 }, events, { maxBytes: 5 * MB, schemas })[0]!;
    const tInit: number[] = [];
    const tRt: number[] = [];
    const tWarm: number[] = [];
    for (let i = 0; i < 3; i++) {
      await create(`tpl-${i}`, pkg.zip, { FLOCK_CONTEXT: ctx });
      const r = await invoke(`tpl-${i}`, frag);
      if (r.error) throw new Error(`template invoke failed: ${r.error}`);
      tInit.push(r.report?.initMs ?? NaN);
      tRt.push(r.ms);
      tWarm.push((await invoke(`tpl-${i}`, { ...frag, window: { ...frag.window, id: `e${i + 1}` } })).report?.billedMs ?? NaN);
    }
    rows.push({
      name: 'local Lambda: cold start Init Duration (flock template + DuckDB)',
      value: med(tInit),
      unit: 'ms',
      note: `median of 3; first invoke round trip ${med(tRt).toFixed(0)} ms; bundle ${(pkg.bundleBytes / 1024).toFixed(0)} KB, zip ${(pkg.zip.length / 1024).toFixed(0)} KB; a warm ${events.length}-bid fragment bills ${med(tWarm)} ms`,
    });
  } finally {
    client.destroy();
    await service.stop();
  }
  return rows;
}

async function benchSustainable(budgetS: number): Promise<BenchRow[]> {
  const mod = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const kinesis = await startLocalKinesis();
  const rows: BenchRow[] = [];
  const deadline = Date.now() + budgetS * 1000;
  try {
    const cases: { id: string; params: Record<string, unknown>; knobs: Record<string, string | number>; startRate: number }[] = [
      { id: 'nexmark/q0', params: {}, knobs: {}, startRate: 500 },
      { id: 'nexmark/q5', params: { windowSizeMs: 2000, windowSlideMs: 1000, watermarkDelayMs: 500 }, knobs: { 'group-size': 2 }, startRate: 500 },
    ];
    for (const c of cases) {
      const workload = mod.workloads.find((w) => w.id === c.id)!;
      const params = workload.params.parse(c.params) as Record<string, unknown>;
      const { watermarkDelayMs, horizonMs } = workload.timing(params);
      // A throughput figure, not a latency one: the SLO leaves room for what every flock event
      // goes through on this machine — an epoch, a cold start when concurrency grows (~200–500 ms
      // with DuckDB), the Invoke, and three kinesalite hops — 2 s per-event, the watermark delay
      // + 2 s after a window's end.
      const sloMs = horizonMs > 0 ? watermarkDelayMs + 2000 : 2000;
      const t0 = Date.now();
      if (t0 > deadline) {
        rows.push({ name: `flock (local target) ${c.id}: sustained rate`, value: Number.NaN, unit: 'events/s', note: `skipped: the ${budgetS} s budget is spent` });
        continue;
      }
      const out = await findSustainableRate({
        startRate: c.startRate,
        maxRate: 64_000,
        latencySloMs: sloMs,
        precision: 0.25,
        maxTrials: 3,
        runTrial: async (rate) => {
          const runId = `bench-flock-${c.id.replace(/\W/g, '-')}-${rate}-${Date.now()}`;
          const transport = new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, backend: 'flock', reader: { minCallIntervalMs: 50 } });
          return runBenchmark({ backend: flockBackend, workload, params, target: 'local', knobs: c.knobs, rate, warmupS: 2, durationS: 3, runId, transport, verifyMaxEvents: 0, toolVersion: 'bench', log: () => {} });
        },
      }).catch((e: unknown) => ({ sustainedRate: Number.NaN, trials: [], error: (e as Error).message }));
      const failed = out.trials.find((t) => !t.passed);
      const atRate = out.trials.find((t) => t.passed && t.rate === out.sustainedRate);
      rows.push({
        name: `flock (local target) ${c.id}: sustained rate (p99 < ${sloMs} ms)`,
        value: out.sustainedRate,
        unit: 'events/s',
        note: `${out.trials.length} trials (2 s warm-up + 3 s each, + provision/teardown) in ${Math.round((Date.now() - t0) / 1000)} s; coarse: doubling from ${c.startRate}/s; p99 there ${((atRate?.p99Us ?? 0) / 1000).toFixed(0)} ms; first failure: ${failed ? `${failed.rate}/s (${failed.reason})` : 'none (a lower bound: the trial budget ran out first)'}${'error' in out ? `; ${String(out.error)}` : ''}`,
      });
    }
  } finally {
    await kinesis.stop();
  }
  return rows;
}

/** Every flock figure; the sustainable-rate search stays within `budgetS` seconds (about). */
export async function benchFlock(budgetS = Number(process.env['BENCH_FLOCK_BUDGET_S'] ?? 90)): Promise<BenchRow[]> {
  return [...(await benchPayload()), ...(await benchInvoke()), ...(await benchSustainable(budgetS))];
}

// `npx tsx bench/flock.ts` prints the figures on their own.
if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of await benchFlock()) console.log(`${r.name}\t${r.value.toFixed(2)} ${r.unit}\t${r.note ?? ''}`);
}
