import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  UserError,
  workloadMatches,
  type Backend,
  type CleanupReport,
  type Deployment,
  type MemoryBinding,
  type Plan,
  type RunContext,
  type RunRequest,
  type StartRequest,
} from '@streamscore/core';

/**
 * A small backend that keeps every promise of the contract, for the kit's own tests: it runs the
 * workload's streaming implementation in process, and holds one real leftover-able resource, a
 * scratch file named after the run, so that cleanup has something to find.
 */
export interface ModelBackend extends Backend {
  /** Files of runs still alive in this process (what a crash would leave). */
  scratchFile(runId: string): string;
}

interface Running {
  stopped: boolean;
}

const PREFIX = 'streamscore-kit-model-';

export function modelBackend(name = 'model'): ModelBackend {
  const running = new Map<string, Running>();
  const scratchFile = (runId: string) => join(tmpdir(), `${PREFIX}${name}-${runId}.scratch`);
  const refuse = (req: RunRequest) => {
    if (!backend.capabilities.targets.includes(req.target)) throw new UserError(`Backend ${name} has no target "${req.target}".`);
    if (!backend.capabilities.workloads.some((p) => workloadMatches(p, req.workload.id))) throw new UserError(`Backend ${name} does not run ${req.workload.id}.`);
  };
  const backend: ModelBackend = {
    name,
    description: 'the kit’s model backend',
    capabilities: { workloads: ['pulse/*'], targets: ['local'], transports: ['memory'], knobs: {} },
    transportFor: () => 'memory',
    scratchFile,
    async plan(request: RunRequest): Promise<Plan> {
      refuse(request);
      return {
        backend: name,
        target: request.target,
        request,
        resources: [{ kind: 'local-file', name: 'scratch', count: 1, projectedCostUsd: 0 }],
        projectedCostUsd: 0,
        notes: [],
      };
    },
    async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
      const file = scratchFile(ctx.runId);
      const id = `scratch-${ctx.runId}`;
      const known = ctx.ledger.list().find((e) => e.id === id);
      if (!known || known.state !== 'created') {
        ctx.ledger.intend({ id, backend: name, kind: 'local-file', count: 1, attributes: { path: file } });
        writeFileSync(file, 'scratch\n');
        ctx.ledger.created(id);
      }
      return { backend: name, target: plan.target, runId: ctx.runId, state: { file, ledgerId: id }, provisioningMs: 0 };
    },
    async start(d: Deployment, req: StartRequest): Promise<void> {
      if (running.has(d.runId)) return;
      const r: Running = { stopped: false };
      running.set(d.runId, r);
      const binding = req.transport as MemoryBinding;
      const query = req.workload.streaming(req.params);
      const { watermarkDelayMs } = req.workload.timing(req.params);
      let max = Number.NEGATIVE_INFINITY;
      binding.subscribe((events) => {
        for (const e of events) {
          max = Math.max(max, req.workload.eventTime(e));
          query.onEvent(e, binding.emit);
        }
        query.onWatermark(max - watermarkDelayMs, binding.emit);
      });
      binding.onEnd(() => query.onEnd?.(binding.emit));
    },
    async metrics(): Promise<Record<string, number>> {
      return {};
    },
    async stop(d: Deployment): Promise<void> {
      const r = running.get(d.runId);
      if (r) r.stopped = true;
    },
    async teardown(d: Deployment, ctx: RunContext): Promise<void> {
      running.delete(d.runId);
      const file = String(d.state['file']);
      rmSync(file, { force: true });
      const id = String(d.state['ledgerId']);
      const e = ctx.ledger.list().find((x) => x.id === id);
      if (e && e.state !== 'deleted') ctx.ledger.deleted(id);
    },
    async cleanup(filter, ctx: RunContext): Promise<CleanupReport> {
      const report: CleanupReport = { found: [], deleted: [], failed: [] };
      const mine = `${PREFIX}${name}-`;
      for (const f of readdirSync(tmpdir())) {
        if (!f.startsWith(mine) || !f.endsWith('.scratch')) continue;
        const runId = f.slice(mine.length, -'.scratch'.length);
        if (filter.runId && runId !== filter.runId) continue;
        const id = `scratch-${runId}`;
        report.found.push({ kind: 'local-file', id, runId });
        if (filter.dryRun) continue;
        const path = join(tmpdir(), f);
        rmSync(path, { force: true });
        if (existsSync(path)) report.failed.push({ kind: 'local-file', id, reason: 'still there' });
        else report.deleted.push({ kind: 'local-file', id });
        const e = ctx.ledger.list().find((x) => x.id === id);
        if (e && e.state !== 'deleted') ctx.ledger.deleted(id);
      }
      return report;
    },
  };
  return backend;
}
