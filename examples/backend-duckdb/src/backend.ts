import { mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import {
  UserError,
  workloadMatches,
  type Backend,
  type CleanupFilter,
  type CleanupReport,
  type Deployment,
  type LedgerEntry,
  type MemoryBinding,
  type Plan,
  type RunContext,
  type RunRequest,
  type StartRequest,
} from '@streamscore/core';
import { MicroBatchRunner } from './microbatch.js';

/**
 * `duckdb`: runs each workload's micro-batch SQL on DuckDB, in this process. A baseline for the
 * streaming engines: a vectorized SQL engine on one machine, fed in micro-batches.
 *
 * Resources, each in the ledger before it exists: the DuckDB instance (`local-process`: it lives
 * and dies with this process) and its spill directory (`local-dir`, named after the run: what a
 * killed run leaves on disk, and what `cleanup` finds by that name).
 */
const NAME = 'duckdb';
/** Where spill directories live; one per run, named by its run id (the "tag"). */
const SPILL_ROOT = join(tmpdir(), 'streamscore-duckdb');

interface Engine {
  instance: DuckDBInstance;
  conn: DuckDBConnection;
}

/** Live DuckDB instances and runners of this process, by run id. */
const engines = new Map<string, Engine>();
const runners = new Map<string, MicroBatchRunner>();
const samples = new Map<string, { at: number; eventsIn: number; eventsOut: number; busyMs: number }>();

// #region capabilities
const capabilities: Backend['capabilities'] = {
  workloads: ['nexmark/q0', 'nexmark/q1', 'nexmark/q2', 'nexmark/q5', 'nexmark/q7', 'nexmark/q8'],
  targets: ['local'],
  transports: ['memory'],
  knobs: {
    threads: { description: 'DuckDB worker threads', type: 'integer', default: 1 },
    memoryLimit: { description: 'DuckDB memory limit before it spills to disk', type: 'string', default: '512MB' },
  },
};
// #endregion capabilities

function knobsOf(knobs: Record<string, unknown>): { threads: number; memoryLimit: string } {
  const threads = Number(knobs['threads'] ?? 1);
  if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
    throw new UserError(`--knob threads must be an integer from 1 to 256 (got ${String(knobs['threads'])}).`);
  }
  const memoryLimit = String(knobs['memoryLimit'] ?? '512MB');
  if (!/^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$/i.test(memoryLimit)) {
    throw new UserError(`--knob memoryLimit must be a size such as 512MB or 2GB (got "${memoryLimit}").`);
  }
  return { threads, memoryLimit };
}

function spillDirOf(runId: string): string {
  if (!/^[A-Za-z0-9._-]+$/.test(runId)) throw new UserError(`Run id "${runId}" cannot name a directory.`);
  return join(SPILL_ROOT, runId);
}

/** A path from a deployment read back from disk: only ever one of ours. */
function ownSpillDir(d: Deployment): string {
  const dir = resolve(String(d.state['spillDir'] ?? spillDirOf(d.runId)));
  if (!dir.startsWith(SPILL_ROOT + sep)) throw new Error(`refusing to remove ${dir}: not under ${SPILL_ROOT}`);
  return dir;
}

function entry(ctx: RunContext, id: string): LedgerEntry | undefined {
  return ctx.ledger.list().find((e) => e.id === id);
}

function markDeleted(ctx: RunContext, id: string): void {
  const e = entry(ctx, id);
  if (e && e.state !== 'deleted') ctx.ledger.deleted(id);
}

function closeEngine(runId: string): void {
  runners.delete(runId);
  samples.delete(runId);
  const engine = engines.get(runId);
  if (!engine) return;
  engines.delete(runId);
  engine.conn.closeSync();
  engine.instance.closeSync();
}

export const duckdbBackend: Backend = {
  name: NAME,
  description: 'DuckDB in process: each workload’s micro-batch SQL over batches and event-time windows (a single-machine SQL baseline).',
  capabilities,

  transportFor: () => 'memory',

  // #region plan
  async plan(request: RunRequest): Promise<Plan> {
    if (!capabilities.targets.includes(request.target)) {
      throw new UserError(`Backend ${NAME} has no target "${request.target}".`, `Its targets: ${capabilities.targets.join(', ')}.`);
    }
    const id = request.workload.id;
    if (!capabilities.workloads.some((p) => workloadMatches(p, id))) {
      throw new UserError(`Backend ${NAME} does not run ${id}.`, `It runs: ${capabilities.workloads.join(', ')}.`);
    }
    if (!request.workload.sql?.['microbatch-sql']) {
      throw new UserError(`Workload ${id} has no micro-batch SQL, which backend ${NAME} runs.`);
    }
    const { threads, memoryLimit } = knobsOf(request.knobs);
    return {
      backend: NAME,
      target: request.target,
      request,
      resources: [
        { kind: 'local-process', name: 'duckdb', size: `${threads} thread(s), ${memoryLimit}`, count: 1, projectedCostUsd: 0 },
        { kind: 'local-dir', name: 'spill directory', count: 1, projectedCostUsd: 0 },
      ],
      projectedCostUsd: 0,
      notes: ['runs in this process; costs nothing but this machine'],
    };
  },
  // #endregion plan

  // #region provision
  async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
    const t0 = performance.now();
    const { threads, memoryLimit } = knobsOf(plan.request.knobs);
    const spillDir = spillDirOf(ctx.runId);
    const dirId = `duckdb-spill-${ctx.runId}`;
    const dbId = `duckdb-${ctx.runId}`;

    // Into the ledger first, then create: a crash in between leaves a trail for cleanup.
    if (entry(ctx, dirId)?.state !== 'created') {
      ctx.ledger.intend({ id: dirId, backend: NAME, kind: 'local-dir', count: 1, attributes: { path: spillDir } });
      mkdirSync(spillDir, { recursive: true });
      ctx.ledger.created(dirId);
    }
    if (!engines.has(ctx.runId)) {
      if (entry(ctx, dbId)?.state !== 'created') {
        ctx.ledger.intend({ id: dbId, backend: NAME, kind: 'local-process', size: `threads=${threads}`, count: 1 });
      }
      const instance = await DuckDBInstance.create(':memory:', { threads: String(threads), memory_limit: memoryLimit, temp_directory: spillDir });
      engines.set(ctx.runId, { instance, conn: await instance.connect() });
      if (entry(ctx, dbId)?.state !== 'created') ctx.ledger.created(dbId);
    }
    return {
      backend: NAME,
      target: plan.target,
      runId: ctx.runId,
      state: { spillDir, threads, memoryLimit, ledgerIds: [dbId, dirId] },
      provisioningMs: Math.round(performance.now() - t0),
    };
  },
  // #endregion provision

  async start(d: Deployment, req: StartRequest): Promise<void> {
    if (runners.has(d.runId)) return; // already running: starting again changes nothing
    if (req.transport.kind !== 'memory') throw new UserError(`Backend ${NAME} reads from the in-process transport only.`);
    const engine = engines.get(d.runId);
    if (!engine) throw new UserError(`Run ${d.runId} has no DuckDB instance in this process.`, 'Provision it again (or run it again).');
    const binding = req.transport as MemoryBinding;
    const runner = new MicroBatchRunner(engine.conn, req.workload, req.params, binding.emit);
    runners.set(d.runId, runner);
    samples.set(d.runId, { at: performance.now(), eventsIn: 0, eventsOut: 0, busyMs: 0 });
    binding.subscribe((events) => runner.push(events));
    binding.onEnd(() => runner.end());
  },

  async metrics(d: Deployment): Promise<Record<string, number>> {
    const r = runners.get(d.runId);
    const last = samples.get(d.runId);
    if (!r || !last) return {};
    const now = performance.now();
    const dt = (now - last.at) / 1000;
    samples.set(d.runId, { at: now, eventsIn: r.eventsIn, eventsOut: r.eventsOut, busyMs: r.busyMs });
    return {
      recordsInPerSecond: dt > 0 ? (r.eventsIn - last.eventsIn) / dt : 0,
      recordsOutPerSecond: dt > 0 ? (r.eventsOut - last.eventsOut) / dt : 0,
      busyRatio: dt > 0 ? (r.busyMs - last.busyMs) / 1000 / dt : 0,
      batches: r.batches,
      lateDropped: r.lateDropped,
    };
  },

  async stop(d: Deployment): Promise<void> {
    // Every batch and window handed over is answered before stop returns.
    await runners.get(d.runId)?.drain();
  },

  // #region teardown
  async teardown(d: Deployment, ctx: RunContext): Promise<void> {
    closeEngine(d.runId);
    markDeleted(ctx, `duckdb-${d.runId}`);
    rmSync(ownSpillDir(d), { recursive: true, force: true });
    markDeleted(ctx, `duckdb-spill-${d.runId}`);
  },
  // #endregion teardown

  // #region cleanup
  async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
    const report: CleanupReport = { found: [], deleted: [], failed: [] };
    let runIds: string[] = [];
    try {
      runIds = readdirSync(SPILL_ROOT);
    } catch {
      return report; // no spill root: nothing was ever left
    }
    for (const runId of runIds) {
      if (filter.runId && runId !== filter.runId) continue;
      const dir = join(SPILL_ROOT, runId);
      if (filter.olderThanMinutes !== undefined && Date.now() - statSync(dir).mtimeMs < filter.olderThanMinutes * 60_000) continue;
      const id = `duckdb-spill-${runId}`;
      report.found.push({ kind: 'local-dir', id, runId });
      if (filter.dryRun) continue;
      try {
        closeEngine(runId); // a run abandoned in this very process
        rmSync(dir, { recursive: true, force: true });
        report.deleted.push({ kind: 'local-dir', id });
        markDeleted(ctx, id);
        markDeleted(ctx, `duckdb-${runId}`);
      } catch (e) {
        report.failed.push({ kind: 'local-dir', id, reason: (e as Error).message });
      }
    }
    return report;
  },
  // #endregion cleanup
};
