import { loadPriceBook, projectCost, type ProjectedResource } from '@streamscore/cost';
import {
  UserError,
  type Backend,
  type CleanupFilter,
  type CleanupReport,
  type Deployment,
  type KinesisBinding,
  type Plan,
  type PlannedResource,
  type RunContext,
  type RunRequest,
  type StartRequest,
} from '@streamscore/core';
import { defaultClients, explainAwsError, loadSdk, realClock, type AwsClients, type ClientFactory, type ClientOptions, type Clock } from './aws.js';
import { cleanupKda } from './cleanup.js';
import { resolveJobJar, type JobJar } from './jar.js';
import { applicationKpus, kdaKnobs, KNOBS, type KdaKnobs } from './knobs.js';
import { DEFAULT_TIMING, deleteApplication, describe, startApplication, stopApplication, type Timing } from './lifecycle.js';
import { newMetricsCache, sampleMetrics, type MetricsCache } from './metrics.js';
import { arnParts, runNames, type RunNames } from './names.js';
import { callerPolicy, createApplicationInput, fillSql, jobPropertyGroups, servicePolicy } from './request.js';
import {
  createBucket,
  createLogGroup,
  createRole,
  deleteBucket,
  deleteLogGroup,
  deleteObject,
  deleteRole,
  putRolePolicy,
  retryWhileRoleNotReady,
  uploadJar,
} from './resources.js';

/** Start-up and stop time a run adds to the KPU bill, for plans (a cold start takes minutes). */
export const STARTUP_ALLOWANCE_S = 300;

/** What provision and start created; plain JSON, written into the Result's deployment details. */
export interface KdaState {
  region: string;
  knobs: KdaKnobs;
  names: RunNames;
  bucket: string;
  bucketCreated: boolean;
  jarKey: string;
  jarBytes: number;
  roleArn?: string;
  applicationArn?: string;
  /** CreateTimestamp of the application (ms since epoch). */
  createTimestampMs?: number;
  /** StartApplication sent → RUNNING seen, ms: measured. */
  startupMs?: number;
  startedAtMs?: number;
  /** Statuses seen while starting and stopping. */
  startStatuses?: string[];
  stopStatuses?: string[];
  forcedStop?: boolean;
  describeThrottled?: number;
  metrics: MetricsCache;
  [key: string]: unknown;
}

export interface KdaBackendOptions {
  clients?: ClientFactory;
  /** Endpoint overrides passed to the client factory (tests: moto for s3, iam, cloudwatch, logs). */
  endpoints?: ClientOptions['endpoints'];
  clock?: Clock;
  timing?: Partial<Omit<Timing, 'clock' | 'signal'>>;
  jar?: () => JobJar;
  /** GetMetricData at most this often (the service publishes once a minute). Default 60 s. */
  metricsEveryMs?: number;
  /** Journal of earlier runs' ledgers, for cleanup of jar objects in a user's bucket. */
  journalPath?: string;
  /** Regions cleanup searches (default: AWS_REGION, and every region in the journal). */
  cleanupRegions?: string[];
  /** Accept a local Kinesis (kinesalite) transport: only for tests against a mocked service. */
  allowLocalStreams?: boolean;
}

const ID = {
  bucket: (b: string) => `s3-bucket:${b}`,
  object: (b: string, k: string) => `s3-object:${b}/${k}`,
  role: (r: string) => `iam-role:${r}`,
  logGroup: (g: string) => `log-group:${g}`,
  app: (a: string) => `kda-application:${a}`,
  metrics: (a: string) => `cloudwatch-metrics:${a}`,
};

function stateOf(d: Deployment): KdaState {
  return d.state as KdaState;
}

function has(ctx: RunContext, id: string): boolean {
  return ctx.ledger.list().some((e) => e.id === id);
}

export function createKdaBackend(o: KdaBackendOptions = {}): Backend {
  const clock = o.clock ?? realClock;
  const factory = o.clients ?? defaultClients;
  const jarOf = o.jar ?? (() => resolveJobJar());
  const cached = new Map<string, Promise<AwsClients>>();
  const clientsFor = (region: string): Promise<AwsClients> => {
    let c = cached.get(region);
    if (!c) {
      c = factory({ region, ...(o.endpoints ? { endpoints: o.endpoints } : {}) });
      cached.set(region, c);
    }
    return c;
  };
  const release = async (region: string) => {
    const c = cached.get(region);
    cached.delete(region);
    if (c) (await c).destroy();
  };
  const timing = (signal?: AbortSignal): Timing => ({ ...DEFAULT_TIMING, ...o.timing, clock, ...(signal ? { signal } : {}) });

  /** Undoes whatever the state says exists, in reverse order of creation; collects failures. */
  async function teardownState(s: KdaState, ctx: RunContext): Promise<void> {
    const c = await clientsFor(s.region);
    const t = timing();
    const problems: string[] = [];
    const step = async (what: string, fn: () => Promise<void>) => {
      try {
        await fn();
      } catch (e) {
        problems.push(`${what}: ${explainAwsError(e, what).message}`);
      }
    };
    const app = s.names.application;
    if (has(ctx, ID.app(app)) && ctx.ledger.get(ID.app(app)).state !== 'deleted') {
      if (s['stoppedAtMs'] === undefined) await step(`stopping application ${app}`, async () => {
        const st = await stopApplication(c.kda, app, t);
        s.forcedStop = s.forcedStop || st.forced;
        s.stopStatuses = st.seen;
        s['stoppedAtMs'] = st.stoppedAtMs;
      });
      await step(`deleting application ${app}`, async () => {
        await deleteApplication(c.kda, app, t);
        // KPUs are billed while the application runs: up to when it was seen stopped.
        const stoppedAt = typeof s['stoppedAtMs'] === 'number' ? (s['stoppedAtMs'] as number) : clock.now();
        ctx.ledger.deleted(ID.app(app), stoppedAt);
      });
    }
    if (s.metrics.requested > 0 && !has(ctx, ID.metrics(app))) {
      ctx.ledger.intend({ id: ID.metrics(app), backend: 'kda', kind: 'cloudwatch-metrics', count: 1, region: s.region, start: s.startedAtMs ?? clock.now() });
      ctx.ledger.created(ID.metrics(app), { attributes: { metricsRequested: s.metrics.requested } });
      ctx.ledger.deleted(ID.metrics(app), clock.now());
    }
    const gone = (id: string) => !has(ctx, id) || ctx.ledger.get(id).state === 'deleted';
    if (!gone(ID.logGroup(s.names.logGroup))) {
      await step(`deleting log group ${s.names.logGroup}`, async () => {
        await deleteLogGroup(c, s.names.logGroup);
        ctx.ledger.deleted(ID.logGroup(s.names.logGroup), clock.now());
      });
    }
    if (!gone(ID.role(s.names.role))) {
      await step(`deleting role ${s.names.role}`, async () => {
        await deleteRole(c, s.names.role);
        ctx.ledger.deleted(ID.role(s.names.role), clock.now());
      });
    }
    if (!gone(ID.object(s.bucket, s.jarKey))) {
      await step(`deleting s3://${s.bucket}/${s.jarKey}`, async () => {
        await deleteObject(c, s.bucket, s.jarKey);
        ctx.ledger.deleted(ID.object(s.bucket, s.jarKey), clock.now());
      });
    }
    if (s.bucketCreated && !gone(ID.bucket(s.bucket))) {
      await step(`deleting bucket ${s.bucket}`, async () => {
        await deleteBucket(c, s.bucket);
        ctx.ledger.deleted(ID.bucket(s.bucket), clock.now());
      });
    }
    if (problems.length) throw new Error(`kda teardown left something behind (run \`streamscore cleanup --backend kda --run-id ${ctx.runId}\`): ${problems.join('; ')}`);
  }

  const backend: Backend = {
    name: 'kda',
    description:
      'The Flink job jar on Amazon Managed Service for Apache Flink (Kinesis Data Analytics v2): one application per run, fed and drained through Kinesis, billed in KPUs.',
    capabilities: {
      workloads: ['nexmark/*', 'ysb/*'],
      targets: ['aws'],
      transports: ['kinesis'],
      knobs: KNOBS,
    },

    transportFor: () => 'kinesis',

    async plan(request: RunRequest): Promise<Plan> {
      if (request.target !== 'aws') throw new UserError(`the kda backend has no target "${request.target}".`, 'Its only target is aws.');
      const k = kdaKnobs(request.knobs);
      const names = runNames(request.runId);
      const notes: string[] = [];
      let jarBytes: number;
      try {
        jarBytes = jarOf().bytes;
      } catch (e) {
        jarBytes = 150 * 1024 * 1024;
        notes.push(`${(e as Error).message} The plan assumes a 150 MiB jar.`);
      }
      if (!request.workload.sql?.['flink-sql']) notes.push(`${request.workload.id} has no Flink SQL: it cannot run on Managed Flink`);
      const bucket = k.bucket ?? names.bucket;
      const kpus = applicationKpus(k);
      const durationS = request.durationS + STARTUP_ALLOWANCE_S;
      const projected: (ProjectedResource & { planned: PlannedResource })[] = [
        {
          kind: 'kda-application',
          name: names.application,
          count: 1,
          attributes: { parallelism: k.parallelism, parallelismPerKpu: k.parallelismPerKpu },
          planned: { kind: 'kda-application', name: names.application, size: `${kpus} KPU + 1 orchestration KPU (${k.runtime})`, count: 1 },
        },
        {
          kind: 's3-object',
          name: `s3://${bucket}/${names.jarKey}`,
          count: 1,
          attributes: { bytes: jarBytes, puts: 1 },
          planned: { kind: 's3-object', name: `s3://${bucket}/${names.jarKey}`, size: `${jarBytes} bytes`, count: 1 },
        },
        {
          kind: 'cloudwatch-metrics',
          name: `GetMetricData ${names.application}`,
          count: 1,
          attributes: { metricsRequestedPerSecond: 6 / ((o.metricsEveryMs ?? 60_000) / 1000) },
          planned: { kind: 'cloudwatch-metrics', name: `GetMetricData ${names.application}`, count: 1 },
        },
        {
          kind: 'kinesis-shard',
          name: 'kinesis streams (transport)',
          count: 2,
          planned: { kind: 'kinesis-shard', name: 'kinesis streams (transport): input + output, 1 shard each', count: 2 },
        },
      ];
      const book = loadPriceBook(k.region);
      const cost = projectCost(projected, book, { durationS });
      const resources: PlannedResource[] = projected.map((p) => ({
        ...p.planned,
        projectedCostUsd: cost.lines.filter((l) => l.resource === p.name).reduce((a, l) => a + l.costUsd, 0),
      }));
      if (!k.bucket) resources.push({ kind: 's3-bucket', name: bucket, count: 1, projectedCostUsd: 0 });
      resources.push({ kind: 'iam-role', name: names.role, count: 1, projectedCostUsd: 0 });
      resources.push({ kind: 'cloudwatch-log-group', name: names.logGroup, count: 1, projectedCostUsd: 0 });
      notes.push(
        `Managed Flink bills ⌈${k.parallelism} / ${k.parallelismPerKpu}⌉ = ${kpus} KPUs + 1 orchestration KPU at $${book.kda.kpuHourUsd}/KPU-hour, per second with a ${book.kda.minimumSeconds / 60}-minute minimum, plus ${book.kda.storageGbPerKpu} GB running storage per KPU; projected over the run (${request.durationS} s) + ${STARTUP_ALLOWANCE_S} s for start-up and stop`,
        'not projected: Kinesis PUT payload units (depend on the framing), CloudWatch Logs ingestion',
      );
      if (k.autoscaling) notes.push('autoscaling is on: the service may add KPUs under load, above this projection');
      return { backend: 'kda', target: 'aws', request, resources, projectedCostUsd: cost.totalUsd, notes };
    },

    async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
      const k = kdaKnobs(plan.request.knobs);
      const jar = jarOf();
      const names = runNames(ctx.runId);
      const t0 = clock.now();
      const state: KdaState = {
        region: k.region,
        knobs: k,
        names,
        bucket: k.bucket ?? names.bucket,
        bucketCreated: !k.bucket,
        jarKey: names.jarKey,
        jarBytes: jar.bytes,
        metrics: newMetricsCache(),
      };
      const d: Deployment = { backend: 'kda', target: 'aws', runId: ctx.runId, state, provisioningMs: 0 };
      const c = await clientsFor(k.region);
      let doing = '';
      try {
        if (state.bucketCreated && !has(ctx, ID.bucket(state.bucket))) {
          doing = `creating bucket ${state.bucket}`;
          ctx.ledger.intend({ id: ID.bucket(state.bucket), backend: 'kda', kind: 's3-bucket', count: 1, region: k.region, start: clock.now() });
          await createBucket(c, state.bucket, k.region, ctx.runId);
          ctx.ledger.created(ID.bucket(state.bucket), { cloudId: `arn:aws:s3:::${state.bucket}` });
        }
        const obj = ID.object(state.bucket, state.jarKey);
        if (!has(ctx, obj)) {
          doing = `uploading the job jar to s3://${state.bucket}/${state.jarKey}`;
          ctx.ledger.intend({
            id: obj,
            backend: 'kda',
            kind: 's3-object',
            size: String(jar.bytes),
            count: 1,
            region: k.region,
            start: clock.now(),
            attributes: { bytes: jar.bytes, puts: 1, bucket: state.bucket, key: state.jarKey },
          });
          await uploadJar(c, state.bucket, state.jarKey, jar.path, jar.bytes, ctx.runId);
          ctx.ledger.created(obj, { cloudId: `arn:aws:s3:::${state.bucket}/${state.jarKey}` });
        }
      } catch (e) {
        const err = explainAwsError(e, doing);
        // The harness tears down only what provision returned: undo the half-done work here.
        await teardownState(state, ctx).catch((t) => ctx.log(String((t as Error).message)));
        throw err;
      }
      d.provisioningMs = clock.now() - t0;
      ctx.log(`kda: job jar (${jar.bytes} bytes) in s3://${state.bucket}/${state.jarKey}`);
      return d;
    },

    async start(d: Deployment, req: StartRequest, ctx: RunContext): Promise<void> {
      const s = stateOf(d);
      if (s.startupMs !== undefined) return; // already running (idempotent)
      if (req.transport.kind !== 'kinesis') throw new UserError('The kda backend reads and writes Kinesis streams only.');
      const binding = req.transport as KinesisBinding;
      if (binding.region !== s.region) {
        throw new UserError(`The run's Kinesis streams are in ${binding.region}, the kda application in ${s.region}.`, `Use one region: --region ${s.region}, or --knob region=${binding.region}.`);
      }
      const sqlText = req.workload.sql?.['flink-sql'];
      if (!sqlText) throw new UserError(`${req.workload.id} has no Flink SQL, so it cannot run on the kda backend.`);
      const propertyGroups = jobPropertyGroups({
        workloadId: req.workload.id,
        sql: fillSql(sqlText, req.params),
        binding,
        parallelism: s.knobs.parallelism,
        params: req.params,
        checkpointing: s.knobs.checkpointing,
        ...(o.allowLocalStreams ? { allowLocalEndpoint: true } : {}),
      });
      const c = await clientsFor(s.region);
      const { kda: m } = await loadSdk();
      const n = s.names;
      let doing = '';
      try {
        // The service execution role: least privilege on this run's streams, jar and log stream.
        if (!has(ctx, ID.role(n.role))) {
          doing = `creating role ${n.role}`;
          ctx.ledger.intend({ id: ID.role(n.role), backend: 'kda', kind: 'iam-role', count: 1, region: s.region, start: clock.now() });
          s.roleArn = await createRole(c, n.role, ctx.runId);
          ctx.ledger.created(ID.role(n.role), { cloudId: s.roleArn });
        }
        s.roleArn ??= ctx.ledger.get(ID.role(n.role)).cloudId;
        if (!s.roleArn) throw new Error(`role ${n.role} has no ARN`);
        const { partition, account } = arnParts(s.roleArn);
        doing = `writing the policy of role ${n.role}`;
        await putRolePolicy(
          c,
          n.role,
          servicePolicy({ partition, region: s.region, account, inputStream: binding.inputStream, outputStream: binding.outputStream, bucket: s.bucket, jarKey: s.jarKey, logGroup: n.logGroup, logStream: n.logStream }),
        );

        if (!has(ctx, ID.logGroup(n.logGroup))) {
          doing = `creating log group ${n.logGroup}`;
          ctx.ledger.intend({ id: ID.logGroup(n.logGroup), backend: 'kda', kind: 'cloudwatch-log-group', count: 1, region: s.region, start: clock.now() });
          await createLogGroup(c, n.logGroup, n.logStream, ctx.runId);
          ctx.ledger.created(ID.logGroup(n.logGroup), { cloudId: `arn:${partition}:logs:${s.region}:${account}:log-group:${n.logGroup}` });
        }

        const appId = ID.app(n.application);
        if (!has(ctx, appId)) {
          doing = `creating application ${n.application}`;
          ctx.ledger.intend({
            id: appId,
            backend: 'kda',
            kind: 'kda-application',
            size: s.knobs.runtime,
            count: 1,
            region: s.region,
            start: clock.now(),
            attributes: { parallelism: s.knobs.parallelism, parallelismPerKpu: s.knobs.parallelismPerKpu, autoscaling: s.knobs.autoscaling, runtime: s.knobs.runtime },
          });
          const input = createApplicationInput({
            runId: ctx.runId,
            applicationName: n.application,
            knobs: s.knobs,
            roleArn: s.roleArn,
            bucket: s.bucket,
            jarKey: s.jarKey,
            logStreamArn: `arn:${partition}:logs:${s.region}:${account}:log-group:${n.logGroup}:log-stream:${n.logStream}`,
            propertyGroups,
            workloadId: req.workload.id,
          });
          try {
            const r = await retryWhileRoleNotReady(() => c.kda.send(new m.CreateApplicationCommand(input)), clock, ctx.signal);
            s.applicationArn = r.ApplicationDetail?.ApplicationARN;
            const ts = r.ApplicationDetail?.CreateTimestamp;
            if (ts) s.createTimestampMs = ts.getTime();
          } catch (e) {
            if ((e as { name?: string }).name !== 'ResourceInUseException') throw e;
            // Created by an earlier attempt of this step.
            const found = await describe(c.kda, n.application);
            s.applicationArn = found?.ApplicationARN;
          }
          ctx.ledger.created(appId, { ...(s.applicationArn ? { cloudId: s.applicationArn } : {}) });
        }

        doing = `starting application ${n.application}`;
        const t = timing(ctx.signal);
        ctx.log(`kda: starting ${n.application} (${s.knobs.runtime}, parallelism ${s.knobs.parallelism}, ${s.knobs.parallelismPerKpu} per KPU); this takes minutes`);
        const started = await startApplication(c.kda, n.application, t);
        s.startupMs = started.startupMs;
        s.startedAtMs = clock.now();
        s.startStatuses = started.seen;
        s.describeThrottled = started.throttled;
        const ts = started.detail.CreateTimestamp;
        if (ts) s.createTimestampMs = ts.getTime();
        ctx.log(`kda: ${n.application} RUNNING after ${Math.round(started.startupMs / 1000)} s (${started.seen.join(' → ')})`);
      } catch (e) {
        throw explainAwsError(e, doing);
      }
    },

    async metrics(d: Deployment): Promise<Record<string, number>> {
      const s = stateOf(d);
      if (s.startupMs === undefined) return {};
      const c = await clientsFor(s.region);
      return sampleMetrics(c.cloudwatch, s.names.application, s.metrics, clock.now(), { ...(o.metricsEveryMs ? { everyMs: o.metricsEveryMs } : {}) });
    },

    async stop(d: Deployment, ctx: RunContext): Promise<void> {
      const s = stateOf(d);
      if (!has(ctx, ID.app(s.names.application))) return;
      const c = await clientsFor(s.region);
      try {
        const st = await stopApplication(c.kda, s.names.application, timing());
        s.forcedStop = st.forced;
        s.stopStatuses = st.seen;
        s['stoppedAtMs'] = st.stoppedAtMs;
        if (st.forced) ctx.log(`kda: ${s.names.application} did not stop within ${Math.round(timing().stopTimeoutMs / 1000)} s and was stopped with Force`);
      } catch (e) {
        ctx.log(`kda: could not stop ${s.names.application}: ${(e as Error).message}`);
      }
    },

    async teardown(d: Deployment, ctx: RunContext): Promise<void> {
      const s = stateOf(d);
      try {
        await teardownState(s, ctx);
      } finally {
        await release(s.region);
      }
    },

    async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
      return cleanupKda(filter, ctx, {
        clientsFor,
        clock,
        timing: timing(),
        ...(o.journalPath ? { journalPath: o.journalPath } : {}),
        ...(o.cleanupRegions ? { regions: o.cleanupRegions } : {}),
      });
    },

    iamPolicy(target: string) {
      if (target !== 'aws') throw new UserError(`the kda backend has no target "${target}".`, 'Its only target is aws.');
      return callerPolicy();
    },
  };
  return backend;
}

/** The backend the plugin registers: real AWS clients, the real clock. */
export const kdaBackend: Backend = createKdaBackend();
