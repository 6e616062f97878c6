import type {
  Backend,
  CleanupFilter,
  CleanupReport,
  Deployment,
  IamPolicyDocument,
  FaultSpec,
  InjectedFault,
  KinesisBinding,
  KnobValues,
  Plan,
  ProcessRef,
  RunContext,
  RunRequest,
  StartRequest,
} from '@streamscore/core';
import { UserError, workloadMatches } from '@streamscore/core';
import { FlinkRestClient, FlinkRestError, TERMINAL_JOB_STATES } from './rest/client.js';
import { fillWorkloadParams, jobArgs } from './sql.js';
import { FLINK_VERSION, JOB_ENTRY_CLASS, jobJarExists, jobJarPath } from './paths.js';
import { MIN_TASK_MANAGER_MB } from './node/config.js';
import { localTarget } from './targets/local.js';
import { ensureJobJar } from './local/job-jar.js';
import { existingTarget } from './targets/existing.js';
import { ec2Target } from './targets/ec2.js';
import type { ClusterDefaults, ClusterKnobs, FlinkTarget } from './targets/target.js';
import { readSession, type SessionRecord } from './session/store.js';
import { GUARANTEE_KNOBS, describeGuarantees, guaranteeArgs, guaranteesOf } from './guarantees.js';
import { FLINK_FAULTS, checkFaults, injectFlinkFault } from './faults.js';

/** Targets by name (the first cloud one is what `streamscore iam-policy --backend flink` prints). */
export const TARGETS: Record<string, FlinkTarget> = {
  local: localTarget,
  ec2: ec2Target,
  existing: existingTarget,
};

export function targetOf(name: string): FlinkTarget {
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

/** The knobs of a run, validated, with defaults filled in (a target's defaults where it gives them). */
export function clusterKnobs(knobs: KnobValues, defaults: ClusterDefaults = {}): ClusterKnobs {
  const parallelism = intKnob(knobs, 'parallelism', defaults.parallelism ?? 1, 1, 1024);
  const taskManagers = intKnob(knobs, 'taskmanagers', defaults.taskManagers ?? 1, 1, 256);
  const slotsPerTaskManager = intKnob(knobs, 'slots', Math.max(defaults.slots ?? 1, Math.ceil(parallelism / taskManagers)), 1, 256);
  const taskManagerMemoryMb = intKnob(knobs, 'tm-memory-mb', defaults.taskManagerMemoryMb ?? 1024, MIN_TASK_MANAGER_MB, 1024 * 1024);
  if (taskManagers * slotsPerTaskManager < parallelism) {
    throw new UserError(
      `--parallelism ${parallelism} needs ${parallelism} slots, but ${taskManagers} TaskManager(s) × ${slotsPerTaskManager} slot(s) give ${taskManagers * slotsPerTaskManager}.`,
      'Raise --taskmanagers or --slots, or lower --parallelism.',
    );
  }
  const restUrl = knobs['rest-url'];
  return {
    parallelism,
    taskManagers,
    slotsPerTaskManager,
    taskManagerMemoryMb,
    ...(defaults.jobManagerHeapMb ? { jobManagerHeapMb: defaults.jobManagerHeapMb } : {}),
    ...(typeof restUrl === 'string' && restUrl ? { restUrl } : {}),
    raw: knobs,
  };
}

/** The cluster knobs of a run on a target: on EC2, TaskManagers = nodes − 1 (the `taskmanagers` knob is local's). */
export function clusterKnobsFor(t: FlinkTarget, knobs: KnobValues): ClusterKnobs {
  const defaults = t.clusterDefaults?.(knobs) ?? {};
  if (t.name === 'ec2' && knobs['taskmanagers'] !== undefined) {
    throw new UserError('--target ec2 runs one TaskManager per node after the first: set --knob nodes, not taskmanagers.');
  }
  return clusterKnobs(knobs, defaults);
}

/** The session a run attaches to (`--knob session=NAME`), if any. */
function sessionOf(knobs: KnobValues): string | undefined {
  const v = knobs['session'];
  return v === undefined || v === '' ? undefined : String(v);
}

/** Cluster knobs of a run in a session: the session's cluster, the run's parallelism. */
function sessionKnobs(rec: SessionRecord, knobs: KnobValues): ClusterKnobs {
  const own = Object.keys(knobs).filter((k) => !['session', 'parallelism', 'region'].includes(k));
  if (own.length) {
    throw new UserError(
      `--knob ${own.join(', ')} cannot change the cluster of session "${rec.name}"; a run in a session sets only its parallelism.`,
      `Drop them, or start another session: streamscore flink session up NAME --target ${rec.target} ...`,
    );
  }
  const parallelism = knobs['parallelism'] === undefined ? rec.knobs.parallelism : Number(knobs['parallelism']);
  const slots = rec.knobs.taskManagers * rec.knobs.slotsPerTaskManager;
  if (!Number.isInteger(parallelism) || parallelism < 1 || parallelism > slots) {
    throw new UserError(`--parallelism must be an integer from 1 to ${slots}, the slots of session "${rec.name}" (got ${String(knobs['parallelism'])}).`);
  }
  return { ...rec.knobs, parallelism, raw: knobs };
}

interface FlinkState {
  restUrl: string;
  knobs: ClusterKnobs;
  /** application: a cluster of the run's own; session: a shared one it attached to. */
  mode: 'application' | 'session';
  session?: string;
  jarId?: string;
  jobId?: string;
  submitMs?: number;
  /** Job flags for the guarantees, and where checkpoints go (local: a file:// URI). */
  jobArgsExtra?: string[];
  /** The job's full argument list (a JobManager restarted without HA gets the job again). */
  jobArgs?: string[];
  checkpointDir?: string;
  [key: string]: unknown;
}

function stateOf(d: Deployment): FlinkState {
  return d.state as FlinkState;
}

/** Wraps what the Flink REST API said about a job into an error the user can act on. */
function jobError(e: unknown, what: string): Error {
  if (e instanceof UserError) return e;
  if (e instanceof FlinkRestError) {
    return new UserError(
      `${what}: ${e.message}`,
      'That is Flink\'s own report (GET /jobs/{id}/exceptions): fix the query or its parameters, or look at the TaskManager logs. The cluster was torn down (a session\'s cluster is kept).',
    );
  }
  return e as Error;
}

/** Application clusters provisioned and not torn down, by the run's ledger (one run, one ledger). */
const provisioned = new WeakMap<RunContext['ledger'], Deployment>();

export const flinkBackend: Backend = {
  name: 'flink',
  description: `Apache Flink ${FLINK_VERSION}: the workload's Flink SQL in one job jar, fed and drained through Kinesis; a real cluster on this machine (local), on EC2 instances (ec2), or one you run (existing); application or session mode.`,
  capabilities: {
    workloads: ['nexmark/*', 'ysb/*'],
    targets: Object.keys(TARGETS),
    transports: ['kinesis'],
    knobs: {
      parallelism: { description: 'job parallelism (ec2 default: every slot)', type: 'integer', default: 1 },
      taskmanagers: { description: 'TaskManager processes (local)', type: 'integer', default: 1 },
      slots: { description: 'task slots per TaskManager (default: enough for the parallelism; ec2: one per vCPU)', type: 'integer' },
      'tm-memory-mb': { description: 'process memory of one TaskManager, MiB (local default 1024; ec2: 75% of the instance)', type: 'integer', default: 1024 },
      'rest-url': { description: 'REST URL of the cluster (target existing)', type: 'string' },
      session: { description: 'run in this session cluster (`streamscore flink session up NAME`) instead of a cluster of its own', type: 'string' },
      'instance-type': { description: 'EC2 instance type of every node (ec2; arm64 or x86_64 from the price book)', type: 'string', default: 'c6g.xlarge' },
      nodes: { description: 'EC2 instances: 1 JobManager + (nodes − 1) TaskManagers (ec2)', type: 'integer', default: 3 },
      'caller-cidr': { description: 'your public address as A.B.C.D/32, the only source allowed to reach REST 8081 (ec2; default: asked of checkip.amazonaws.com)', type: 'string' },
      'key-name': { description: 'EC2 key pair for SSH (ec2; optional: no SSH port is opened either way)', type: 'string' },
      region: { description: 'AWS region (ec2; default --region / AWS_REGION)', type: 'string' },
      'volume-gb': { description: 'gp3 root volume per node, GB (ec2)', type: 'integer', default: 20 },
      'start-timeout-s': { description: 'bound on the wait for the cluster to answer (ec2)', type: 'integer', default: 900 },
      ...GUARANTEE_KNOBS,
    },
    faults: [...FLINK_FAULTS],
  },

  transportFor: () => 'kinesis',

  async plan(request: RunRequest): Promise<Plan> {
    if (!flinkBackend.capabilities.workloads.some((p) => workloadMatches(p, request.workload.id))) {
      throw new UserError(`The flink backend does not run ${request.workload.id}; it runs ${flinkBackend.capabilities.workloads.join(', ')}.`);
    }
    const notes: string[] = [];
    if (!request.workload.sql?.['flink-sql']) notes.push(`${request.workload.id} has no Flink SQL: it cannot run on Flink`);
    const guarantees = guaranteesOf(request.knobs);
    if (guarantees.stateBackend === 'rocksdb') {
      throw new UserError(
        'the rocksdb state backend is not in the Flink distribution streamscore runs (local, ec2) yet.',
        'Use --knob state-backend=hashmap, or --backend kda (Managed Flink runs RocksDB).',
      );
    }
    checkFaults(request.faults ?? [], request.target, sessionOf(request.knobs) !== undefined);
    notes.push(describeGuarantees(guarantees));
    const name = sessionOf(request.knobs);
    if (name) {
      const rec = readSession(name);
      if (rec.target !== request.target) {
        throw new UserError(`session "${name}" runs on target ${rec.target}, not ${request.target}.`, `Pass --target ${rec.target}.`);
      }
      const k = sessionKnobs(rec, request.knobs);
      notes.unshift(`attaches to session "${name}" (${rec.target}, ${rec.restUrl}): creates nothing, cancels only its own job at the end; parallelism ${k.parallelism}`);
      return { backend: 'flink', target: rec.target, request, resources: [], projectedCostUsd: 0, notes };
    }
    const t = targetOf(request.target);
    const k = clusterKnobsFor(t, request.knobs);
    const p = t.plan(k, { durationS: request.durationS });
    return { backend: 'flink', target: t.name, request, resources: p.resources, projectedCostUsd: p.projectedCostUsd, notes: [...p.notes, ...notes] };
  },

  async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
    const started = Date.now();
    const name = sessionOf(plan.request.knobs);
    if (name) {
      const rec = readSession(name);
      const k = sessionKnobs(rec, plan.request.knobs);
      try {
        await existingTarget.provision({ ...k, restUrl: rec.restUrl }, ctx);
      } catch (e) {
        throw new UserError(
          `session "${name}" does not take the run: ${(e as Error).message}`,
          `See \`streamscore flink session status ${name}\`; restart it with \`session down ${name}\` and \`session up ${name}\`.`,
        );
      }
      const state: FlinkState = {
        restUrl: rec.restUrl,
        knobs: k,
        mode: 'session',
        session: name,
        sessionRunId: rec.runId,
        sessionProvisioningMs: rec.provisioningMs,
        ...(rec.region ? { region: rec.region } : {}),
      };
      recordSessionShare(rec, ctx);
      return { backend: 'flink', target: rec.target, runId: ctx.runId, state, provisioningMs: Math.max(1, Date.now() - started) };
    }
    // Idempotent: a second provision of a run whose cluster is up returns that cluster.
    const already = provisioned.get(ctx.ledger);
    if (already && !already.state['tornDown']) return already;
    // The job jar before the JVMs: a checkout's first local run builds it, or stops here in one line.
    if (plan.target === 'local') await ensureJobJar((m) => ctx.log(m), ctx.signal);
    const t = targetOf(plan.target);
    const k = clusterKnobsFor(t, plan.request.knobs);
    const c = await t.provision(k, ctx);
    const state: FlinkState = { ...c.state, restUrl: c.restUrl, knobs: k, mode: 'application' };
    const d: Deployment = { backend: 'flink', target: t.name, runId: ctx.runId, state, provisioningMs: Date.now() - started };
    provisioned.set(ctx.ledger, d);
    return d;
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
    // Checkpoints of a local cluster go beside its nodes' homes; elsewhere to the JobManager's heap.
    const cluster = d.state['cluster'] as { dir?: string } | undefined;
    const checkpointDir = d.target === 'local' && cluster?.dir ? `file://${cluster.dir}/checkpoints` : undefined;
    s.jobArgsExtra = guaranteeArgs(guaranteesOf(req.knobs), checkpointDir);
    s.checkpointDir = checkpointDir;
    // POST /jars/{id}/run answers once the JobManager has planned the job: tens of seconds on a busy machine.
    const rest = new FlinkRestClient(s.restUrl, { timeoutMs: 120_000 });
    const started = Date.now();
    try {
      s.jarId ??= await rest.uploadJar(jobJarPath());
      s.jobArgs = jobArgs({ workloadId: req.workload.id, sql, binding, parallelism: s.knobs.parallelism, params: req.params, extraArgs: s.jobArgsExtra });
      const jobId = await rest.runJar(s.jarId, {
        entryClass: JOB_ENTRY_CLASS,
        programArgsList: s.jobArgs,
        parallelism: s.knobs.parallelism,
      });
      s.jobId = jobId;
      await rest.waitForJobRunning(jobId, { timeoutMs: 120_000, signal: ctx.signal });
    } catch (e) {
      throw jobError(e, `the Flink job of ${req.workload.id} did not start on ${s.restUrl}`);
    }
    s.submitMs = Date.now() - started;
    ctx.log(`Flink job ${s.jobId} running (${req.workload.id}, parallelism ${s.knobs.parallelism}; submitted in ${s.submitMs} ms)`);
  },

  holdsAnswersMs(d: Deployment): number {
    // The exactly-once sink writes a checkpoint's output when it completes: up to an interval, and the commit.
    const g = guaranteesOf(stateOf(d).knobs.raw ?? {});
    return g.checkpointing === 'exactly-once' ? g.checkpointIntervalS * 1000 + 2_000 : 0;
  },

  async injectFault(d: Deployment, fault: FaultSpec, ctx: RunContext): Promise<InjectedFault> {
    return injectFlinkFault(d, fault, ctx);
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

  /** A local cluster's JobManager and TaskManagers (their launchers; the JVMs are their children). */
  processes(d: Deployment): ProcessRef[] {
    const cluster = d.state['cluster'] as { nodes?: { pid?: unknown }[] } | undefined;
    if (d.target !== 'local' || !Array.isArray(cluster?.nodes)) return [];
    return cluster.nodes.flatMap((n) => (typeof n.pid === 'number' ? [{ role: 'sut' as const, pid: n.pid }] : []));
  },

  async stop(d: Deployment, ctx: RunContext): Promise<void> {
    const s = stateOf(d);
    if (!s.jobId) return;
    const rest = new FlinkRestClient(s.restUrl, { timeoutMs: 10_000 });
    let failed: string | undefined;
    try {
      const j = await rest.job(s.jobId);
      if (j.state === 'FAILED') {
        failed = (await rest.jobException(s.jobId)) ?? 'no exception recorded';
      } else if (!TERMINAL_JOB_STATES.has(j.state)) {
        await rest.cancelJob(s.jobId);
        const deadline = Date.now() + 30_000;
        while (Date.now() < deadline) {
          const st = (await rest.job(s.jobId)).state;
          if (TERMINAL_JOB_STATES.has(st)) break;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    } catch (e) {
      ctx.log(`could not cancel Flink job ${s.jobId}: ${(e as Error).message}`);
    }
    if (failed) {
      throw new UserError(
        `the Flink job ${s.jobId} failed during the run: ${failed.split('\n').slice(0, 6).join('\n')}`,
        'That is Flink\'s own report (GET /jobs/{id}/exceptions); the measurements after the failure are not valid.',
      );
    }
  },

  async teardown(d: Deployment, ctx: RunContext): Promise<void> {
    const s = stateOf(d);
    try {
      await flinkBackend.stop(d, ctx);
    } catch (e) {
      ctx.log((e as Error).message);
    }
    if (s.jarId && (d.target === 'existing' || s.mode === 'session')) {
      await new FlinkRestClient(s.restUrl, { timeoutMs: 10_000 }).deleteJar(s.jarId).catch(() => undefined);
    }
    if (s.mode === 'session') {
      // The cluster is the session's: only this run's job and jar go.
      for (const id of ['flink-session-share-nodes', 'flink-session-share-volumes', 'flink-session-share-ipv4']) {
        try {
          ctx.ledger.deleted(id);
        } catch {
          // not recorded (a local session)
        }
      }
      return;
    }
    await targetOf(d.target).teardown(d, ctx);
    d.state['tornDown'] = true;
    provisioned.delete(ctx.ledger);
  },

  async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
    const report: CleanupReport = { found: [], deleted: [], failed: [] };
    for (const [name, t] of Object.entries(TARGETS)) {
      if (filter.target !== undefined && filter.target !== name) continue;
      const r = await t.cleanup(filter, ctx);
      report.found.push(...r.found);
      report.deleted.push(...r.deleted);
      report.failed.push(...r.failed);
    }
    return report;
  },

  iamPolicy(target: string): IamPolicyDocument {
    const t = targetOf(target);
    if (!t.iamPolicy) {
      throw new UserError(
        `the flink backend's ${target} target creates nothing in AWS, so it needs no policy of its own.`,
        target === 'existing' ? 'The cluster’s own role needs Kinesis read/write on the run’s streams (streamscore-*).' : 'Use --target ec2.',
        0,
      );
    }
    return t.iamPolicy();
  },
};

/**
 * A run in an EC2 session uses instances the session pays for. So that its Result's cost says
 * what the run used, the run's ledger gets the session's nodes, volumes and addresses for the
 * run's own time (created now, deleted at teardown), marked as shared.
 */
function recordSessionShare(rec: SessionRecord, ctx: RunContext): void {
  const ec2 = rec.state['ec2'] as { instanceType?: string; nodes?: { instanceId?: string }[]; region?: string } | undefined;
  if (rec.target !== 'ec2' || !ec2?.nodes?.length) return;
  const count = ec2.nodes.length;
  const ids = ec2.nodes.map((n) => n.instanceId ?? '?').join(',');
  const volumeGb = Number((rec.state['volumeGb'] as number | undefined) ?? rec.knobs.raw?.['volume-gb'] ?? 20);
  const attributes = { sharedFrom: rec.runId, session: rec.name };
  const base = { backend: 'flink', count, ...(ec2.region ? { region: ec2.region } : {}), attributes };
  ctx.ledger.intend({ ...base, id: 'flink-session-share-nodes', kind: 'ec2-instance', size: ec2.instanceType ?? 'unknown' });
  ctx.ledger.created('flink-session-share-nodes', { cloudId: ids });
  ctx.ledger.intend({ ...base, id: 'flink-session-share-volumes', kind: 'ebs-gp3', size: String(volumeGb) });
  ctx.ledger.created('flink-session-share-volumes', { cloudId: `root volumes of ${ids}` });
  ctx.ledger.intend({ ...base, id: 'flink-session-share-ipv4', kind: 'public-ipv4' });
  ctx.ledger.created('flink-session-share-ipv4', { cloudId: `public IPv4 of ${ids}` });
}
