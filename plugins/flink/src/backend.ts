import type {
  Backend,
  CleanupFilter,
  CleanupReport,
  Deployment,
  KinesisBinding,
  KnobValues,
  Plan,
  RunContext,
  RunRequest,
  StartRequest,
} from '@streamscore/core';
import { UserError } from '@streamscore/core';
import { FlinkRestClient, TERMINAL_JOB_STATES } from './rest/client.js';
import { fillWorkloadParams, jobArgs } from './sql.js';
import { FLINK_VERSION, JOB_ENTRY_CLASS, jobJarExists, jobJarPath } from './paths.js';
import { MIN_TASK_MANAGER_MB } from './node/config.js';
import { localTarget } from './targets/local.js';
import { existingTarget } from './targets/existing.js';
import type { ClusterKnobs, FlinkTarget } from './targets/target.js';

/** Targets by name; `ec2` joins this table. */
export const TARGETS: Record<string, FlinkTarget> = {
  local: localTarget,
  existing: existingTarget,
};

function targetOf(name: string): FlinkTarget {
  const t = TARGETS[name];
  if (!t) throw new UserError(`the flink backend has no target "${name}".`, `Use one of: ${Object.keys(TARGETS).join(', ')}.`);
  return t;
}

function intKnob(knobs: KnobValues, name: string, fallback: number, min: number, max: number): number {
  const raw = knobs[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) {
    throw new UserError(`--${name} must be an integer from ${min} to ${max} (got ${String(raw)}).`);
  }
  return v;
}

/** The knobs of a run, validated, with defaults filled in. */
export function clusterKnobs(knobs: KnobValues): ClusterKnobs {
  const parallelism = intKnob(knobs, 'parallelism', 1, 1, 1024);
  const taskManagers = intKnob(knobs, 'taskmanagers', 1, 1, 256);
  const slotsPerTaskManager = intKnob(knobs, 'slots', Math.ceil(parallelism / taskManagers), 1, 256);
  const taskManagerMemoryMb = intKnob(knobs, 'tm-memory-mb', 1024, MIN_TASK_MANAGER_MB, 1024 * 1024);
  if (taskManagers * slotsPerTaskManager < parallelism) {
    throw new UserError(
      `--parallelism ${parallelism} needs ${parallelism} slots, but ${taskManagers} TaskManager(s) × ${slotsPerTaskManager} slot(s) give ${taskManagers * slotsPerTaskManager}.`,
      'Raise --taskmanagers or --slots, or lower --parallelism.',
    );
  }
  const restUrl = knobs['rest-url'];
  return { parallelism, taskManagers, slotsPerTaskManager, taskManagerMemoryMb, ...(typeof restUrl === 'string' && restUrl ? { restUrl } : {}) };
}

interface FlinkState {
  restUrl: string;
  knobs: ClusterKnobs;
  jarId?: string;
  jobId?: string;
  submitMs?: number;
  [key: string]: unknown;
}

function stateOf(d: Deployment): FlinkState {
  return d.state as FlinkState;
}

export const flinkBackend: Backend = {
  name: 'flink',
  description: `Apache Flink ${FLINK_VERSION}: the workload's Flink SQL in one job jar, fed and drained through Kinesis; a real cluster on this machine (local) or one you run (existing).`,
  capabilities: {
    workloads: ['nexmark/*', 'ysb/*'],
    targets: Object.keys(TARGETS),
    transports: ['kinesis'],
    knobs: {
      parallelism: { description: 'job parallelism', type: 'integer', default: 1 },
      taskmanagers: { description: 'TaskManager processes (local)', type: 'integer', default: 1 },
      slots: { description: 'task slots per TaskManager (default: enough for the parallelism)', type: 'integer' },
      'tm-memory-mb': { description: 'process memory of one TaskManager, MiB (local)', type: 'integer', default: 1024 },
      'rest-url': { description: 'REST URL of the cluster (target existing)', type: 'string' },
    },
  },

  transportFor: () => 'kinesis',

  async plan(request: RunRequest): Promise<Plan> {
    const k = clusterKnobs(request.knobs);
    const t = targetOf(request.target);
    const p = t.plan(k);
    const notes = [...p.notes];
    if (!request.workload.sql?.['flink-sql']) notes.push(`${request.workload.id} has no Flink SQL: it cannot run on Flink`);
    return { backend: 'flink', target: t.name, request, resources: p.resources, projectedCostUsd: p.projectedCostUsd, notes };
  },

  async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
    const k = clusterKnobs(plan.request.knobs);
    const t = targetOf(plan.target);
    const started = Date.now();
    const c = await t.provision(k, ctx);
    const state: FlinkState = { ...c.state, restUrl: c.restUrl, knobs: k };
    return { backend: 'flink', target: t.name, runId: ctx.runId, state, provisioningMs: Date.now() - started };
  },

  async start(d: Deployment, req: StartRequest, ctx: RunContext): Promise<void> {
    const s = stateOf(d);
    if (s.jobId) return; // already started (idempotent)
    if (req.transport.kind !== 'kinesis') throw new UserError('The flink backend reads and writes Kinesis streams only.');
    const binding = req.transport as KinesisBinding;
    const sqlText = req.workload.sql?.['flink-sql'];
    if (!sqlText) throw new UserError(`${req.workload.id} has no Flink SQL, so it cannot run on the flink backend.`);
    if (!jobJarExists()) {
      throw new UserError(`the Flink job jar is missing (${jobJarPath()}).`, 'Build it with: bash scripts/build-flink-job.sh');
    }
    const sql = fillWorkloadParams(sqlText, req.params);
    const rest = new FlinkRestClient(s.restUrl);
    const started = Date.now();
    s.jarId ??= await rest.uploadJar(jobJarPath());
    const jobId = await rest.runJar(s.jarId, {
      entryClass: JOB_ENTRY_CLASS,
      programArgsList: jobArgs({ workloadId: req.workload.id, sql, binding, parallelism: s.knobs.parallelism, params: req.params }),
      parallelism: s.knobs.parallelism,
    });
    s.jobId = jobId;
    await rest.waitForJobRunning(jobId, { timeoutMs: 120_000, signal: ctx.signal });
    s.submitMs = Date.now() - started;
    ctx.log(`Flink job ${jobId} running (${req.workload.id}, parallelism ${s.knobs.parallelism}; submitted in ${s.submitMs} ms)`);
  },

  async metrics(d: Deployment): Promise<Record<string, number>> {
    const s = stateOf(d);
    if (!s.jobId) return {};
    try {
      return await new FlinkRestClient(s.restUrl, { timeoutMs: 5_000 }).sampleJobMetrics(s.jobId);
    } catch {
      return {};
    }
  },

  async stop(d: Deployment, ctx: RunContext): Promise<void> {
    const s = stateOf(d);
    if (!s.jobId) return;
    const rest = new FlinkRestClient(s.restUrl, { timeoutMs: 10_000 });
    try {
      const j = await rest.job(s.jobId);
      if (TERMINAL_JOB_STATES.has(j.state)) return;
      await rest.cancelJob(s.jobId);
      const deadline = Date.now() + 30_000;
      while (Date.now() < deadline) {
        const st = (await rest.job(s.jobId)).state;
        if (TERMINAL_JOB_STATES.has(st)) break;
        await new Promise((r) => setTimeout(r, 200));
      }
    } catch (e) {
      ctx.log(`could not cancel Flink job ${s.jobId}: ${(e as Error).message}`);
    }
  },

  async teardown(d: Deployment, ctx: RunContext): Promise<void> {
    const s = stateOf(d);
    await flinkBackend.stop(d, ctx);
    if (s.jarId && d.target === 'existing') {
      await new FlinkRestClient(s.restUrl, { timeoutMs: 10_000 }).deleteJar(s.jarId).catch(() => undefined);
    }
    await targetOf(d.target).teardown(d, ctx);
  },

  async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
    const report: CleanupReport = { found: [], deleted: [], failed: [] };
    for (const t of Object.values(TARGETS)) {
      const r = await t.cleanup(filter, ctx);
      report.found.push(...r.found);
      report.deleted.push(...r.deleted);
      report.failed.push(...r.failed);
    }
    return report;
  },
};
