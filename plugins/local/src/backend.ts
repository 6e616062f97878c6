import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import type {
  AnyWorkload,
  Backend,
  CleanupReport,
  Deployment,
  Emit,
  MemoryBinding,
  Plan,
  Row,
  RunContext,
  RunRequest,
  StartRequest,
} from '@streamscore/core';
import { UserError } from '@streamscore/core';
import { QueryRunner } from './engine.js';

/** The processing-time tick of the engine (q12's processing-time windows close on it). */
const TICK_MS = 50;

interface Running {
  workload: AnyWorkload;
  parallelism: number;
  inline?: QueryRunner;
  workers: Worker[];
  timer?: NodeJS.Timeout;
  eventsIn: number;
  eventsOut: number;
  busyMs: number;
  lastSample: { at: number; eventsIn: number; eventsOut: number; busyMs: number };
}

const running = new Map<string, Running>();

function parallelismOf(v: unknown): number {
  const p = v === undefined ? 1 : Number(v);
  if (!Number.isInteger(p) || p < 1 || p > 64) {
    throw new UserError(`--parallelism must be an integer from 1 to 64 (got ${String(v)}).`);
  }
  return p;
}

async function startWorkers(r: Running, req: StartRequest, emit: Emit, delay: number): Promise<void> {
  // From dist the worker sits beside this file; from src (tests, oclif's dev mode) it is the
  // built one, since a worker thread cannot load TypeScript.
  const beside = new URL('./worker.js', import.meta.url);
  const url = existsSync(fileURLToPath(beside)) ? beside : new URL('../dist/worker.js', import.meta.url);
  for (let i = 0; i < r.parallelism; i++) {
    const w = new Worker(url, {
      workerData: { module: req.workload.module, workloadId: req.workload.id, params: req.params, watermarkDelayMs: delay },
    });
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: unknown) => {
        if (m === 'ready') {
          w.off('error', reject);
          resolve();
        }
      };
      w.once('message', onMessage);
      w.once('error', reject);
    });
    w.on('message', (rows: Row[]) => {
      r.eventsOut += rows.length;
      for (const row of rows) emit(row);
    });
    r.workers.push(w);
  }
}

export const localBackend: Backend = {
  name: 'local',
  description: 'The embedded reference engine: event-time windows with watermarks and keyed state, in this process (worker threads with --parallelism).',
  capabilities: {
    workloads: ['*'],
    targets: ['local'],
    transports: ['memory'],
    knobs: {
      parallelism: { description: 'worker threads running the query (1 = in the harness thread)', type: 'integer', default: 1 },
    },
  },

  transportFor: () => 'memory',

  async plan(request: RunRequest): Promise<Plan> {
    if (!this.capabilities.targets.includes(request.target)) {
      throw new UserError(`The local backend has no target "${request.target}"; it runs only on target local.`);
    }
    const parallelism = parallelismOf(request.knobs['parallelism']);
    const notes = [`runs in this process on ${cpus().length} cores; costs nothing`];
    if (parallelism > 1 && request.workload.partitioning.kind === 'single') {
      notes.push(`${request.workload.id} cannot be split; it runs on one worker`);
    }
    return {
      backend: 'local',
      target: request.target,
      request,
      resources: [{ kind: 'local-process', name: 'engine', count: parallelism, projectedCostUsd: 0 }],
      projectedCostUsd: 0,
      notes,
    };
  },

  async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
    const parallelism = parallelismOf(plan.request.knobs['parallelism']);
    const id = `local-engine-${ctx.runId}`;
    ctx.ledger.intend({ id, backend: 'local', kind: 'local-process', size: 'worker', count: parallelism });
    ctx.ledger.created(id);
    return { backend: 'local', target: plan.target, runId: ctx.runId, state: { parallelism, ledgerId: id }, provisioningMs: 0 };
  },

  async start(d: Deployment, req: StartRequest): Promise<void> {
    // Idempotent: a repeated start of a running deployment changes nothing.
    if (running.has(d.runId)) return;
    if (req.transport.kind !== 'memory') throw new UserError('The local backend reads from the in-process transport only.');
    const binding = req.transport as MemoryBinding;
    const workload = req.workload;
    const { watermarkDelayMs } = workload.timing(req.params);
    let parallelism = Number(d.state['parallelism'] ?? 1);
    if (workload.partitioning.kind === 'single') parallelism = 1;
    const r: Running = {
      workload,
      parallelism,
      workers: [],
      eventsIn: 0,
      eventsOut: 0,
      busyMs: 0,
      lastSample: { at: performance.now(), eventsIn: 0, eventsOut: 0, busyMs: 0 },
    };
    running.set(d.runId, r);

    if (parallelism === 1 && Number(d.state['parallelism'] ?? 1) === 1) {
      const runner = new QueryRunner(workload, req.params, binding.emit, watermarkDelayMs);
      r.inline = runner;
      binding.subscribe((events) => runner.process(events));
      if (runner.hasProcessingTime) r.timer = setInterval(() => runner.processingTime(Date.now()), TICK_MS);
      return;
    }

    await startWorkers(r, req, binding.emit, watermarkDelayMs);
    const part = workload.partitioning;
    const shards: unknown[][] = Array.from({ length: parallelism }, () => []);
    let maxEventTime = Number.NEGATIVE_INFINITY;
    binding.subscribe((events) => {
      const t0 = performance.now();
      for (const e of events) {
        const t = workload.eventTime(e);
        if (t > maxEventTime) maxEventTime = t;
      }
      if (part.kind === 'key') {
        for (const e of events) shards[Math.abs(part.key(e)) % parallelism]!.push(e);
      } else {
        const per = Math.ceil(events.length / parallelism);
        for (let i = 0; i < parallelism; i++) shards[i] = events.slice(i * per, (i + 1) * per);
      }
      // Every worker hears of every batch, so watermarks advance everywhere even on idle partitions.
      for (let i = 0; i < parallelism; i++) {
        r.workers[i]!.postMessage({ kind: 'batch', events: shards[i], maxEventTime });
        shards[i] = [];
      }
      r.eventsIn += events.length;
      r.busyMs += performance.now() - t0;
    });
    r.timer = setInterval(() => {
      for (const w of r.workers) w.postMessage({ kind: 'tick', now: Date.now() });
    }, TICK_MS);
  },

  async metrics(d: Deployment): Promise<Record<string, number>> {
    const r = running.get(d.runId);
    if (!r) return {};
    const eventsIn = r.inline ? r.inline.eventsIn : r.eventsIn;
    const eventsOut = r.inline ? r.inline.eventsOut : r.eventsOut;
    const busyMs = r.inline ? r.inline.busyMs : r.busyMs;
    const now = performance.now();
    const dt = (now - r.lastSample.at) / 1000;
    const m = {
      recordsInPerSecond: dt > 0 ? (eventsIn - r.lastSample.eventsIn) / dt : 0,
      recordsOutPerSecond: dt > 0 ? (eventsOut - r.lastSample.eventsOut) / dt : 0,
      /** Share of wall time the harness thread spent inside the engine (inline) or dispatching. */
      busyRatio: dt > 0 ? (busyMs - r.lastSample.busyMs) / 1000 / dt : 0,
      heapUsedMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
      workers: r.parallelism,
    };
    r.lastSample = { at: now, eventsIn, eventsOut, busyMs };
    return m;
  },

  async stop(d: Deployment): Promise<void> {
    const r = running.get(d.runId);
    if (r?.timer) clearInterval(r.timer);
    if (r) r.timer = undefined;
  },

  async teardown(d: Deployment, ctx: RunContext): Promise<void> {
    const r = running.get(d.runId);
    if (r) {
      if (r.timer) clearInterval(r.timer);
      await Promise.all(r.workers.map((w) => w.terminate()));
      running.delete(d.runId);
    }
    const id = d.state['ledgerId'];
    if (typeof id === 'string') {
      try {
        if (ctx.ledger.get(id).state !== 'deleted') ctx.ledger.deleted(id);
      } catch {
        // Not in this ledger (teardown repeated from another process): nothing to record.
      }
    }
  },

  async cleanup(): Promise<CleanupReport> {
    // Nothing outlives the process: worker threads end with it.
    return { found: [], deleted: [], failed: [] };
  },
};
