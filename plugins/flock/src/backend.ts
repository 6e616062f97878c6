import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import {
  UserError,
  type Backend,
  type CleanupFilter,
  type CleanupReport,
  type Deployment,
  type ProcessRef,
  type FaultSpec,
  type InjectedFault,
  type KinesisBinding,
  type AnsweredQuery,
  type AnyWorkload,
  type KnobValues,
  type Plan,
  type RunContext,
  type RunRequest,
  type StartRequest,
  type IamPolicyDocument,
} from '@streamscore/core';
import { KinesisReader, kinesisClient } from '@streamscore/kinesis';
import { LAMBDA_MAX_INVOCATION_S, alwaysOnLambda, lambdaLogs, loadPriceBook, projectCost, type PriceBook, type ProjectedResource } from '@streamscore/cost';
import { buildTemplate } from './function/bundle.js';
import { CONTEXT_ENV, encodeContext, type FlockContext } from './function/context.js';
import { errorName, lambdaClient, loadLambdaSdk, type ParsedReport } from './lambda-client.js';
import { LocalLambdaService, leftWorkDirs } from './lambda-local/server.js';
import { FLOCK_FAULTS, checkFlockFaults, injectFlockFault } from './faults.js';
import { DEFAULT_SEMANTICS_EPOCH_MS, FLOCK_EPOCH_WORKLOADS, SEMANTICS, flockEpochQuery } from './epoch-semantics.js';
import { FLOCK_WORKLOADS, declares, loadStatics, planQuery, refuseWorkload, type FlockQueryPlan } from './query.js';
import { FlockDriver } from './driver/driver.js';
import { RemoteFlockDriver } from './driver/remote.js';
import { callerPolicy, ensureRole, deleteRole, listRunRoles, type IamConfig } from './iam.js';
import { buildDuckdbLayer } from './layer/build.js';
import { checkLayerLocally } from './layer/check.js';
import { cleanupLayers, deleteLayerVersion, layerNameOf, publishDuckdbLayer } from './layer/publish.js';
import { collectAsyncReports, logsClient } from './logs.js';

/** Tag keys on every function (the same keys as the run's Kinesis streams). */
export const TAG_TOOL = 'streamscore/tool';
export const TAG_RUN_ID = 'streamscore/run-id';
export const TAG_BACKEND = 'streamscore/backend';
/** Prefix of every function name this backend creates; `cleanup` lists by it. */
export const FUNCTION_PREFIX = 'ss-flock-';

/**
 * vCPU-µs of compute per event that the pre-run estimate bills: the highest per-event compute
 * billed in streamscore's measured Flock runs (8.7–57 vCPU-µs/event, issue 14), so that
 * `--max-cost` errs towards refusing. The planner uses the measured figure of each query.
 */
export const ESTIMATE_COMPUTE_US_PER_EVENT = 57;
/** Billed time of an invocation beyond its events' compute, ms at one vCPU (as the planner's flock-lambda profile). */
const ESTIMATE_INVOCATION_OVERHEAD_MS = 10;
/** Flock's source function: 4,096 MB, always on (flock-lab/flock flock/src/configs/flock.toml, flock_datasource). */
export const FLOCK_SOURCE_MEMORY_MB = 4096;

export interface FlockKnobs {
  memoryMB: number;
  arch: 'arm64' | 'x86_64';
  groupSize: number;
  invocation: 'sync' | 'async';
  epochMs: number;
  fragmentBytes?: number;
  timeoutS: number;
}

export function knobsOf(k: KnobValues): FlockKnobs {
  const int = (name: string, def: number, lo: number, hi: number): number => {
    const v = k[name] === undefined ? def : Number(k[name]);
    if (!Number.isInteger(v) || v < lo || v > hi) throw new UserError(`--${name} must be an integer from ${lo} to ${hi} (got ${String(k[name])}).`);
    return v;
  };
  const arch = String(k['arch'] ?? 'arm64');
  if (arch !== 'arm64' && arch !== 'x86_64') throw new UserError(`--arch must be arm64 or x86_64 (got ${arch}).`);
  const invocation = String(k['invocation'] ?? 'sync');
  if (invocation !== 'sync' && invocation !== 'async') throw new UserError(`--invocation must be sync or async (got ${invocation}).`);
  const fragmentBytes = k['fragment-bytes'] === undefined ? undefined : int('fragment-bytes', 0, 4096, 6 * 1024 * 1024);
  return {
    memoryMB: int('memory', 1024, 128, 10240),
    arch,
    groupSize: int('group-size', 4, 1, 256),
    invocation,
    epochMs: int('epoch-ms', 250, 10, 60_000),
    timeoutS: int('timeout', 60, 1, 900),
    ...(fragmentBytes !== undefined ? { fragmentBytes } : {}),
  };
}

/** Short, stable function-name stem for a run (names are limited to 64 characters). */
export function runStem(runId: string): string {
  return FUNCTION_PREFIX + createHash('sha256').update(runId).digest('hex').slice(0, 10);
}

function functionNames(runId: string, q: FlockQueryPlan, groupSize: number): string[] {
  const stem = runStem(runId);
  if (q.stage === 'per-event') return [`${stem}-map`];
  return Array.from({ length: groupSize }, (_, i) => `${stem}-agg-${String(i).padStart(2, '0')}`);
}

function tagSafe(v: string): string {
  return v.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '-').slice(0, 256);
}

interface Live {
  service?: LocalLambdaService;
  client?: LambdaClient;
  driver?: FlockDriver | RemoteFlockDriver;
  readerStop?: () => Promise<void>;
  stopUnsub?: () => void;
  kinesisClient?: { destroy(): void };
  /** The run's deployment (local target): what cleanup deletes when the run never tears down. */
  deployment?: Deployment;
}

/** Process-local handles (the service, clients, the driver); Deployment.state stays plain JSON. */
const live = new Map<string, Live>();

export function layerNodeModules(): string {
  // node_modules holding @duckdb/node-api: …/node_modules/@duckdb/node-api/package.json → …/node_modules
  const pkg = createRequire(import.meta.url).resolve('@duckdb/node-api/package.json');
  return dirname(dirname(dirname(pkg)));
}

/**
 * Where the backend reaches AWS. Defaults: the SDK's credential chain and endpoints, the region
 * from AWS_REGION. Tests point the endpoints at moto's server (control plane) or mock the clients.
 */
export interface FlockBackendOptions {
  /** Workload ids or globs the backend declares (default FLOCK_WORKLOADS); plan() refuses the rest. */
  workloads?: readonly string[];
  region?: string;
  endpoints?: { lambda?: string; iam?: string; logs?: string };
  credentials?: { accessKeyId: string; secretAccessKey: string };
  /** Delay before retry `attempt` (0-based) of a CreateFunction the role is not yet assumable for. Default 250·2^attempt ms, ≤ 5 s. */
  retryDelayMs?: (attempt: number) => number;
  /** Attempts of such a CreateFunction (default 12, ~40 s: IAM roles take seconds to propagate). */
  createAttempts?: number;
  /** How long stop() waits for async REPORT lines to reach CloudWatch Logs (default 90 s). */
  asyncReportWaitMs?: number;
  /** Poll interval of that wait (default 5 s). */
  asyncReportPollMs?: number;
}

/** The unreserved concurrency AWS keeps out of reach of reservations. */
export const MIN_UNRESERVED_CONCURRENCY = 100;

function regionOf(o: FlockBackendOptions): string {
  return o.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
}

async function retry<T>(what: string, f: () => Promise<T>, retryable: (e: unknown) => boolean, attempts: number, delayMs: (attempt: number) => number): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await f();
    } catch (e) {
      if (i + 1 >= attempts || !retryable(e)) {
        const err = new Error(`${what}: ${errorName(e)}: ${(e as Error).message}${i > 0 ? ` (after ${i + 1} attempts)` : ''}`);
        (err as Error & { cause?: unknown }).cause = e;
        throw err;
      }
      await new Promise((r) => setTimeout(r, delayMs(i)));
    }
  }
}

/** Lambda's answer to a CreateFunction whose new role IAM has not propagated yet. */
export function roleNotYetAssumable(e: unknown): boolean {
  return errorName(e) === 'InvalidParameterValueException' && /role.*cannot be assumed|cannot be assumed by Lambda/i.test((e as Error).message ?? '');
}

/**
 * Reads GetAccountSettings and refuses a group that cannot have its reserved concurrency: AWS
 * keeps 100 executions unreserved, and a new account's limit is often 10 in all.
 */
export async function checkAccountConcurrency(client: LambdaClient, q: FlockQueryPlan, k: FlockKnobs): Promise<{ concurrentExecutions?: number; unreserved?: number }> {
  const sdk = await loadLambdaSdk();
  const acct = await client.send(new sdk.GetAccountSettingsCommand({}));
  const total = acct.AccountLimit?.ConcurrentExecutions;
  const unreserved = acct.AccountLimit?.UnreservedConcurrentExecutions ?? total ?? 0;
  if (q.stage === 'window-aggregate' && unreserved - k.groupSize < MIN_UNRESERVED_CONCURRENCY) {
    throw new UserError(
      `This AWS account cannot reserve concurrency for a group of ${k.groupSize}: its concurrency limit is ${total ?? '?'} with ${unreserved} unreserved, and AWS keeps ${MIN_UNRESERVED_CONCURRENCY} unreserved, so at most ${Math.max(0, unreserved - MIN_UNRESERVED_CONCURRENCY)} can be reserved (a new account's limit is often 10).`,
      'Ask AWS to raise the "Concurrent executions" quota (Service Quotas, Lambda, L-B99A9384), lower --group-size, or use --target local.',
    );
  }
  return { ...(total !== undefined ? { concurrentExecutions: total } : {}), unreserved };
}

export interface FlockProjection {
  requestsPerSecond: number;
  avgBilledMs: number;
  /** What the run would cost, by resource name, priced with the price book. */
  costByResource: Record<string, number>;
  usd: number;
  resources: ProjectedResource[];
}

/**
 * The pre-run estimate, priced with the price book like every other backend's: the query stage's
 * invocations (one per epoch, or per window fragment; each billed its events' compute at the
 * function's share of a vCPU plus an overhead), Flock's source as Flock runs it (an always-on
 * 4,096 MB function; in this run the driver (a process of its own) stands in for it, and the estimate
 * prices it so that the bill is Flock's whole bill), and CloudWatch Logs ingestion of every
 * invocation's REPORT lines. Measured runs are billed from the REPORT lines themselves.
 */
export function projectedCost(request: RunRequest, k: FlockKnobs, q: FlockQueryPlan, book: PriceBook, names: { stem: string }): FlockProjection {
  const eventsPerEpoch = (request.rate * k.epochMs) / 1000;
  const approxEventBytes = 60; // Arrow + gzip, NEXMark bid
  const fragmentBytes = k.fragmentBytes ?? (k.invocation === 'sync' ? 6e6 : 1e6);
  let requestsPerSecond: number;
  if (q.stage === 'per-event') requestsPerSecond = (1000 / k.epochMs) * Math.max(1, Math.ceil((eventsPerEpoch * approxEventBytes) / fragmentBytes));
  else {
    const w = q.window!;
    const size = w.kind === 'session' ? w.gapMs : w.sizeMs;
    const windowsPerSecond = w.kind === 'hopping' ? 1000 / w.slideMs : w.kind === 'session' ? 1000 / k.epochMs : 1000 / w.sizeMs;
    const eventsPerWindow = (request.rate * size) / 1000;
    requestsPerSecond = windowsPerSecond * Math.max(1, Math.ceil((eventsPerWindow * approxEventBytes) / fragmentBytes));
  }
  const eventsPerRequest = request.rate / Math.max(requestsPerSecond, 1e-9);
  // Lambda gives a function memory/1,769 MB of a vCPU (AWS configuration-memory page); below one vCPU compute slows in proportion.
  const vcpu = Math.min(1, k.memoryMB / 1769);
  const avgBilledMs = Math.ceil((ESTIMATE_INVOCATION_OVERHEAD_MS + (eventsPerRequest * ESTIMATE_COMPUTE_US_PER_EVENT) / 1000) / vcpu);
  const sourceInvocationsPerSecond = 1 / LAMBDA_MAX_INVOCATION_S;
  const resources: ProjectedResource[] = [
    { kind: 'lambda-invocations', name: `${names.stem}-invocations`, count: 1, attributes: { requestsPerSecond, avgBilledMs, memoryMB: k.memoryMB, architecture: k.arch } },
    alwaysOnLambda(FLOCK_SOURCE_MEMORY_MB, k.arch, `${names.stem}-source`),
    lambdaLogs(requestsPerSecond + sourceInvocationsPerSecond, `${names.stem}-logs`),
  ];
  const cost = projectCost(resources, book, { durationS: request.durationS });
  const costByResource: Record<string, number> = {};
  for (const l of cost.lines) costByResource[l.resource] = (costByResource[l.resource] ?? 0) + l.costUsd;
  return { requestsPerSecond, avgBilledMs, costByResource, usd: cost.totalUsd, resources };
}

/** The flock backend, with its AWS endpoints and declared workloads configurable (tests). */
export function createFlockBackend(o: FlockBackendOptions = {}): Backend {
  /** Deployments provisioned and not torn down, by the run's ledger (one run, one ledger): provision is idempotent. */
  const provisioned = new WeakMap<RunContext['ledger'], Deployment>();
  const workloads = [...(o.workloads ?? FLOCK_WORKLOADS)];
  const iamCfg: IamConfig = { ...(o.endpoints?.iam ? { endpoint: o.endpoints.iam } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) };
  const retryDelay = o.retryDelayMs ?? ((i: number) => Math.min(5_000, 250 * 2 ** i));
  const awsLambda = (region: string) =>
    lambdaClient({ region, ...(o.endpoints?.lambda ? { endpoint: o.endpoints.lambda } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) });

  async function clientFor(d: Deployment): Promise<LambdaClient> {
    const l = live.get(d.runId) ?? {};
    live.set(d.runId, l);
    if (l.client) return l.client;
    const endpoint = d.state['lambdaEndpoint'];
    l.client = typeof endpoint === 'string' ? await lambdaClient({ region: String(d.state['region']), endpoint }) : await awsLambda(String(d.state['region']));
    return l.client;
  }

  /** The query plan: the workload's own query, or its epoch-scoped form when the knobs ask for Flock's epoch semantics. */
  function queryOf(r: { workload: AnyWorkload; params: Record<string, unknown>; knobs: KnobValues }): { q: FlockQueryPlan; answered: AnsweredQuery | undefined } {
    const answered = flockEpochQuery(r.workload, r.knobs);
    if (!answered && !declares(workloads, r.workload.id)) throw refuseWorkload(r.workload.id, workloads);
    return { q: planQuery(answered?.workload ?? r.workload, r.params), answered };
  }

  const backend: Backend = {
    name: 'flock',
    description:
      "Flock's architecture on AWS Lambda: query stages as functions created from one template, batches in Invoke payloads, windows aggregated by function groups (DuckDB in each function). Target `local` runs a local Lambda service on this machine.",
    capabilities: {
      workloads,
      targets: ['local', 'aws'],
      transports: ['kinesis'],
      knobs: {
        memory: { description: 'memory of every function, MB (128–10240; 1,769 MB = 1 vCPU)', type: 'integer', default: 1024 },
        arch: { description: 'function architecture', type: 'string', default: 'arm64', options: ['arm64', 'x86_64'] },
        'group-size': { description: 'functions in a window-aggregation group (each with reserved concurrency 1)', type: 'integer', default: 4 },
        invocation: { description: 'how stages invoke the next one: sync (RequestResponse, 6 MB payloads) or async (Event, 1 MB)', type: 'string', default: 'sync', options: ['sync', 'async'] },
        'epoch-ms': { description: 'how often the source cuts an epoch of input and sends what is due', type: 'integer', default: 250 },
        'fragment-bytes': { description: 'largest payload per invocation (default: the invocation type’s limit less a margin)', type: 'integer' },
        timeout: { description: 'function timeout, seconds', type: 'integer', default: 60 },
        semantics: {
          description: `query: the workload's true query (default); flock-epoch: ${FLOCK_EPOCH_WORKLOADS.join(', ')} as Flock ran them, joins and aggregates within one epoch of event time, judged against an epoch-scoped oracle and compared with the true query`,
          type: 'string',
          default: 'query',
          options: [...SEMANTICS],
        },
        'semantics-epoch-ms': { description: 'the epoch of semantics=flock-epoch, ms of event time (Flock’s NEXMark source: 1 s)', type: 'integer', default: DEFAULT_SEMANTICS_EPOCH_MS },
      },
      faults: [...FLOCK_FAULTS],
    },

    transportFor: () => 'kinesis',

    answers(r) {
      return flockEpochQuery(r.workload, r.knobs);
    },

    async injectFault(d: Deployment, fault: FaultSpec): Promise<InjectedFault> {
      return injectFlockFault(live.get(d.runId)?.service, fault);
    },

    async plan(request: RunRequest): Promise<Plan> {
      checkFlockFaults(request.faults ?? [], request.target);
      if (request.target !== 'local' && request.target !== 'aws') throw new UserError(`The flock backend has targets local and aws, not ${request.target}.`);
      const k = knobsOf(request.knobs);
      const { q, answered } = queryOf(request);
      const names = functionNames(request.runId, q, k.groupSize);
      const book = loadPriceBook(request.target === 'local' ? 'us-east-1' : regionOf(o));
      const stem = runStem(request.runId);
      const cost = projectedCost(request, k, q, book, { stem });
      const notes = [
        q.stage === 'per-event'
          ? `per-event query: one function (${names[0]}), unreserved concurrency`
          : `windowed query (${q.window!.kind}): a group of ${k.groupSize} functions with reserved concurrency 1; a consistent hash of the window id picks the member`,
        `source: the driver, a process of its own beside the harness, reads Kinesis, cuts ${k.epochMs} ms epochs and invokes (${k.invocation})`,
        `projection (price book ${book.region} ${book.date}): ~${cost.requestsPerSecond.toFixed(1)} invocations/s × ~${cost.avgBilledMs} billed ms × ${k.memoryMB} MB (${k.arch}) at ${ESTIMATE_COMPUTE_US_PER_EVENT} vCPU-µs/event (the highest measured: an upper estimate); measured runs are billed from REPORT lines`,
        `Flock's source is an always-on ${FLOCK_SOURCE_MEMORY_MB} MB function re-invoked every ${LAMBDA_MAX_INVOCATION_S / 60} minutes ($${(cost.costByResource[`${stem}-source`] ?? 0).toFixed(4)} for this run); here the driver, a process beside the harness, stands in for it, and the estimate prices it so the bill is Flock's whole bill`,
        `CloudWatch Logs: START/END/REPORT lines of every invocation ($${(cost.costByResource[`${stem}-logs`] ?? 0).toFixed(4)})`,
      ];
      if (answered) notes.push(`semantics ${answered.name}: ${answered.description}; the Result also says how many answers of the true query it missed or got wrong`);
      if (request.target === 'local') notes.push('target local: a local Lambda service on 127.0.0.1 runs the functions; the bill is what AWS would charge for the same REPORT lines');
      if (request.target === 'aws') {
        notes.push(`target aws: DuckDB comes from a Lambda layer built for ${k.arch} from the npm registry's platform packages, loaded with the function bundle in a local Lambda service before it is published`);
        // A new account's concurrency is far below the default: refuse a group that cannot fit now.
        let client: LambdaClient | undefined;
        try {
          client = await awsLambda(regionOf(o));
          const acct = await checkAccountConcurrency(client, q, k);
          notes.push(`account: ${acct.concurrentExecutions ?? '?'} concurrent executions, ${acct.unreserved ?? '?'} unreserved`);
        } catch (e) {
          if (e instanceof UserError || errorName(e) === 'UserError') throw e;
          notes.push(`account settings not read (${errorName(e)}: ${(e as Error).message.slice(0, 160)}); provision checks again`);
        } finally {
          client?.destroy();
        }
      }
      return {
        backend: 'flock',
        target: request.target,
        request,
        resources: [
          { kind: 'lambda-function', name: names.length > 1 ? `${names[0]} … ${names[names.length - 1]}` : names[0]!, size: `${k.memoryMB}MB/${k.arch}`, count: names.length, projectedCostUsd: 0 },
          { kind: 'lambda-invocations', name: `${stem}-invocations`, size: `${k.memoryMB}MB/${k.arch}`, count: 1, projectedCostUsd: cost.costByResource[`${stem}-invocations`] ?? 0 },
          { kind: 'lambda-invocations', name: `${stem}-source`, size: `${FLOCK_SOURCE_MEMORY_MB}MB/${k.arch}`, count: 1, projectedCostUsd: cost.costByResource[`${stem}-source`] ?? 0 },
          { kind: 'cloudwatch-logs', name: `${stem}-logs`, count: 1, projectedCostUsd: cost.costByResource[`${stem}-logs`] ?? 0 },
          ...(request.target === 'aws' ? [{ kind: 'iam-role', name: `${runStem(request.runId)}-role`, count: 1, projectedCostUsd: 0 }] : []),
          ...(request.target === 'aws' ? [{ kind: 'lambda-layer', name: layerNameOf(stem), size: `DuckDB/${k.arch}`, count: 1, projectedCostUsd: 0 }] : []),
        ],
        projectedCostUsd: cost.usd,
        notes,
      };
    },

    async provision(plan: Plan, ctx: RunContext): Promise<Deployment> {
      // Idempotent: provisioning a run that is already provisioned (and not torn down) returns it.
      const existing = provisioned.get(ctx.ledger);
      if (existing && live.has(ctx.runId)) return existing;
      const t0 = performance.now();
      const request = plan.request;
      if (plan.target !== 'local' && plan.target !== 'aws') throw new UserError(`The flock backend has targets local and aws, not ${plan.target}.`);
      const k = knobsOf(request.knobs);
      const { q } = queryOf(request);
      const names = functionNames(ctx.runId, q, k.groupSize);
      const stem = runStem(ctx.runId);
      const l: Live = live.get(ctx.runId) ?? {};
      live.set(ctx.runId, l);
      const state: Record<string, unknown> = {
        region: plan.target === 'local' ? 'us-east-1' : regionOf(o),
        stem,
        functions: names,
        stage: q.stage,
        window: q.window ?? null,
        memoryMB: k.memoryMB,
        architecture: k.arch,
        groupSize: q.stage === 'per-event' ? 1 : k.groupSize,
        invocation: k.invocation,
        epochMs: k.epochMs,
        invocationsLedgerId: `${stem}-invocations`,
      };
      const d: Deployment = { backend: 'flock', target: plan.target, runId: ctx.runId, state, provisioningMs: 0 };

      if (plan.target === 'local') {
        l.service = await new LocalLambdaService({ layerNodeModules: layerNodeModules(), maxProcesses: Math.max(32, names.length + 8), owner: ctx.runId }).start();
        l.deployment = d;
        state['lambdaEndpoint'] = l.service.endpoint;
        ctx.ledger.intend({ id: `${stem}-service`, backend: 'flock', kind: 'local-lambda-service', count: 1, attributes: { endpoint: l.service.endpoint } });
        ctx.ledger.created(`${stem}-service`);
      }
      const client = await clientFor(d);
      const sdk = await loadLambdaSdk();
      let role = 'arn:aws:iam::000000000000:role/streamscore-flock-local';
      if (plan.target === 'aws') {
        // A new account may allow less than the defaults: check before creating anything.
        try {
          state['account'] = await checkAccountConcurrency(client, q, k);
        } catch (e) {
          if (e instanceof UserError || errorName(e) === 'UserError') throw e;
          // (moto's server has no GetAccountSettings; a caller without the permission gets here too.)
          ctx.log(`flock: GetAccountSettings failed (${errorName(e)}: ${(e as Error).message.slice(0, 200)}); going on without the concurrency check`);
        }
        const roleName = `${stem}-role`;
        ctx.ledger.intend({ id: roleName, backend: 'flock', kind: 'iam-role', count: 1, region: String(state['region']) });
        state['roleName'] = roleName;
        role = await ensureRole(roleName, ctx.runId, iamCfg);
        ctx.ledger.created(roleName, { cloudId: role });
      }

      const pkg = await buildTemplate();
      state['codeSha256'] = pkg.sha256;
      let layerArn: string | undefined;
      if (plan.target === 'aws') {
        // The functions load DuckDB from a layer: built, then loaded with the bundle on this machine before anything is uploaded.
        const layer = await buildDuckdbLayer({ arch: k.arch });
        const check = await checkLayerLocally(pkg, layer);
        ctx.log(check.loaded ? `flock: DuckDB layer (${layer.arch}) loaded and queried with the bundle in a local Lambda service` : `flock: DuckDB layer (${layer.arch}): ${check.reason}`);
        const published = await publishDuckdbLayer(client, layer, { stem, runtime: pkg.runtime, region: String(state['region']), ctx });
        state['layer'] = { name: published.name, version: published.version, arn: published.arn };
        layerArn = published.arn;
      }
      state['packageBytes'] = pkg.zip.length;
      const tags = { [TAG_TOOL]: 'streamscore', [TAG_RUN_ID]: tagSafe(ctx.runId), [TAG_BACKEND]: 'flock' };
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const context: FlockContext = {
          v: 1,
          runId: ctx.runId,
          query: request.workload.id,
          stage: q.stage,
          sql: q.sql,
          ...(q.stage === 'window-aggregate' ? { group: { name: stem + '-agg', size: names.length, index: i } } : {}),
          next: { kind: 'return' }, // set to the run's output stream by start()
        };
        ctx.ledger.intend({ id: name, backend: 'flock', kind: 'lambda-function', size: `${k.memoryMB}MB/${k.arch}`, count: 1, region: String(state['region']), ...(plan.target === 'local' ? { attributes: { local: true } } : {}) });
        const create = () =>
          client.send(
            new sdk.CreateFunctionCommand({
              FunctionName: name,
              Role: role,
              Runtime: pkg.runtime as 'nodejs20.x',
              Handler: pkg.handler,
              Architectures: [k.arch],
              MemorySize: k.memoryMB,
              Timeout: k.timeoutS,
              Code: { ZipFile: pkg.zip },
              ...(layerArn ? { Layers: [layerArn] } : {}),
              Environment: { Variables: { [CONTEXT_ENV]: encodeContext(context) } },
              Tags: tags,
              Description: `streamscore flock ${q.stage} stage of ${request.workload.id}, run ${ctx.runId}`.slice(0, 256),
            }),
          );
        let arn: string | undefined;
        try {
          // IAM roles take a few seconds to be assumable by Lambda after creation.
          arn = (await retry(`CreateFunction ${name}`, create, roleNotYetAssumable, o.createAttempts ?? 12, retryDelay)).FunctionArn;
        } catch (e) {
          if (errorName((e as { cause?: unknown }).cause) !== 'ResourceConflictException') {
            ctx.ledger.failed(name);
            throw e;
          }
          // Already there (a repeated provision): bring its code up to date.
          arn = (await client.send(new sdk.UpdateFunctionCodeCommand({ FunctionName: name, ZipFile: pkg.zip }))).FunctionArn;
        }
        await sdk.waitUntilFunctionActiveV2({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { FunctionName: name });
        ctx.ledger.created(name, arn ? { cloudId: arn } : {});
        if (q.stage === 'window-aggregate') await client.send(new sdk.PutFunctionConcurrencyCommand({ FunctionName: name, ReservedConcurrentExecutions: 1 }));
      }
      const invId = String(state['invocationsLedgerId']);
      ctx.ledger.intend({
        id: invId,
        backend: 'flock',
        kind: 'lambda-invocations',
        size: `${k.memoryMB}MB/${k.arch}`,
        count: 1,
        region: String(state['region']),
        attributes: { memoryMB: k.memoryMB, architecture: k.arch, billedMs: 0, requests: 0, initMs: 0, coldStarts: 0, ...(plan.target === 'local' ? { local: true } : {}) },
      });
      ctx.ledger.created(invId);
      d.provisioningMs = Math.round(performance.now() - t0);
      provisioned.set(ctx.ledger, d);
      return d;
    },

    async start(d: Deployment, req: StartRequest, ctx: RunContext): Promise<void> {
      if (req.transport.kind !== 'kinesis') throw new UserError('The flock backend reads from and writes to Kinesis; run it with the kinesis transport.');
      const binding = req.transport as KinesisBinding;
      const k = knobsOf(req.knobs);
      const { q } = queryOf(req);
      const client = await clientFor(d);
      const sdk = await loadLambdaSdk();
      const names = d.state['functions'] as string[];
      // Point every function's next hop at the run's output stream (its configuration, as Flock's
      // context names the next hop); on the local target the functions reach the local Kinesis.
      for (let i = 0; i < names.length; i++) {
        const name = names[i]!;
        const context: FlockContext = {
          v: 1,
          runId: d.runId,
          query: req.workload.id,
          stage: q.stage,
          sql: q.sql,
          ...(q.stage === 'window-aggregate' ? { group: { name: String(d.state['stem']) + '-agg', size: names.length, index: i } } : {}),
          next: { kind: 'kinesis', stream: binding.outputStream, region: binding.region, ...(binding.endpoint ? { endpoint: binding.endpoint } : {}) },
        };
        await client.send(new sdk.UpdateFunctionConfigurationCommand({ FunctionName: name, Environment: { Variables: { [CONTEXT_ENV]: encodeContext(context) } } }));
        await sdk.waitUntilFunctionUpdatedV2({ client, maxWaitTime: 300, minDelay: 1, maxDelay: 5 }, { FunctionName: name });
      }
      const l = live.get(d.runId) ?? {};
      live.set(d.runId, l);
      const statics = await loadStatics(q);
      // Async invocations return no log tail: REPORT lines come from the function logs. Locally the
      // service's log store stands in for CloudWatch Logs (on AWS they are read after the run); they
      // are taken from before the driver starts, so none is missed.
      let reportsTo: { addReport(r: ParsedReport): void } | undefined;
      const early: ParsedReport[] = [];
      if (k.invocation === 'async' && l.service) {
        const set = new Set(names);
        l.stopUnsub = l.service.onReport((r) => {
          if (!set.has(r.functionName) || r.invocationType !== 'Event') return;
          if (reportsTo) reportsTo.addReport(r);
          else early.push(r);
        });
      }
      // The driver runs in a process of its own (./driver/process.ts), apart from the harness's
      // load driver and collector, when the child can load the workload by its module; a workload
      // it cannot (a test's synthetic one) gets the driver in this process.
      const lambdaEndpoint = typeof d.state['lambdaEndpoint'] === 'string' ? d.state['lambdaEndpoint'] : o.endpoints?.lambda;
      const driver = (await loadableByModule(req.workload))
        ? await RemoteFlockDriver.start(
            {
              lambda: { region: String(d.state['region']), ...(lambdaEndpoint ? { endpoint: lambdaEndpoint } : {}), ...(o.credentials && d.target !== 'local' ? { credentials: o.credentials } : {}) },
              kinesis: { region: binding.region, ...(binding.endpoint ? { endpoint: binding.endpoint } : {}), stream: binding.inputStream },
              workload: { module: req.workload.module, id: req.workload.id },
              plan: q,
              functions: names,
              invocation: k.invocation,
              epochMs: k.epochMs,
              ...(k.fragmentBytes !== undefined ? { maxFragmentBytes: k.fragmentBytes } : {}),
              ...(statics ? { statics } : {}),
            },
            ctx.log,
          )
        : await inProcessDriver();
      async function inProcessDriver(): Promise<FlockDriver> {
        const drv = new FlockDriver({
          ...(statics ? { statics } : {}),
          lambda: client,
          plan: q,
          functions: names,
          invocation: k.invocation,
          epochMs: k.epochMs,
          ...(k.fragmentBytes !== undefined ? { maxFragmentBytes: k.fragmentBytes } : {}),
          eventTime: (e: Record<string, unknown>) => req.workload.eventTime(e),
          log: ctx.log,
        });
        const kc = await kinesisClient({ region: binding.region, ...(binding.endpoint ? { endpoint: binding.endpoint } : {}) });
        l.kinesisClient = kc;
        const reader = new KinesisReader<object>(kc, binding.inputStream, { start: 'TRIM_HORIZON', onRows: (rows) => drv.push(rows) });
        drv.attachReader(reader);
        await reader.start();
        l.readerStop = () => reader.stop();
        drv.start();
        return drv;
      }
      l.driver = driver;
      reportsTo = driver;
      for (const r of early.splice(0)) driver.addReport(r);
      d.state['startedAt'] = Date.now();
    },

    /**
     * The source/window driver's process and, on the local target, the local Lambda service's
     * function environments (the service's front end runs in the harness process).
     */
    processes(d: Deployment): ProcessRef[] {
      const l = live.get(d.runId);
      const driverPid = l?.driver instanceof RemoteFlockDriver ? l.driver.pid : undefined;
      return [...(driverPid !== undefined ? [driverPid] : []), ...(l?.service?.pids() ?? [])].map((pid) => ({ role: 'sut' as const, pid }));
    },

    async metrics(d: Deployment): Promise<Record<string, number>> {
      const l = live.get(d.runId);
      const drv = l?.driver;
      if (!drv) return {};
      const s = drv.stats;
      const prev = (d.state['lastSample'] as Record<string, number> | undefined) ?? {};
      const now = Date.now();
      const dt = prev['at'] ? (now - prev['at']) / 1000 : 0;
      const rate = (key: keyof typeof s) => (dt > 0 ? ((s[key] as number) - (prev[key] ?? 0)) / dt : 0);
      const m: Record<string, number> = {
        recordsInPerSecond: rate('eventsIn'),
        invocationsPerSecond: rate('invocations'),
        throttlesPerSecond: rate('throttles'),
        billedMsPerSecond: rate('billedMs'),
        fragmentsInFlight: s.inFlight,
        coldStarts: s.coldStarts,
        functionErrors: s.functionErrors,
        windowsSent: s.windowsSent,
        ...drv.position(),
      };
      if (l?.service) {
        const envs = l.service.environments();
        m['environments'] = Object.values(envs).reduce((a, e) => a + e.total, 0);
        // Async invocations that failed after Lambda's two retries (its on-failure destination).
        m['asyncFailedInvocations'] = l.service.stats.asyncFailed;
      }
      d.state['lastSample'] = { at: now, eventsIn: s.eventsIn, invocations: s.invocations, throttles: s.throttles, billedMs: s.billedMs };
      return m;
    },

    async stop(d: Deployment, ctx: RunContext): Promise<void> {
      const l = live.get(d.runId);
      if (!l?.driver) return;
      await l.driver.stop();
      await l.readerStop?.();
      l.readerStop = undefined;
      // Async REPORT lines may still be on their way from the log store.
      if (l.stopUnsub) await new Promise((r) => setTimeout(r, 300));
      l.stopUnsub?.();
      l.stopUnsub = undefined;
      // On AWS they are in CloudWatch Logs, a few seconds after each invocation.
      if (d.target === 'aws' && d.state['invocation'] === 'async' && l.driver.stats.accepted > 0) {
        const logs = await logsClient({ region: String(d.state['region']), ...(o.endpoints?.logs ? { endpoint: o.endpoints.logs } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) });
        const drv = l.driver;
        try {
          const r = await collectAsyncReports(logs, d.state['functions'] as string[], {
            startTime: Number(d.state['startedAt'] ?? Date.now()) - 60_000,
            expected: drv.stats.accepted,
            waitMs: o.asyncReportWaitMs ?? 90_000,
            pollMs: o.asyncReportPollMs ?? 5_000,
            add: (rep) => drv.addReport(rep),
          });
          d.state['asyncReports'] = { seen: r.seen, expected: drv.stats.accepted, complete: r.complete };
          if (!r.complete) ctx.log(`flock: ${r.seen} of ${drv.stats.accepted} async REPORT lines reached CloudWatch Logs in time; the bill counts those`);
        } catch (e) {
          ctx.log(`flock: reading async REPORT lines from CloudWatch Logs failed (${errorName(e)}: ${(e as Error).message}); the bill is incomplete`);
          d.state['asyncReports'] = { error: (e as Error).message };
        } finally {
          logs.destroy();
        }
      }
      record(d, ctx, l.driver);
      // The last rows were written just now: give the harness's output reader time for a few polls
      // to see them (it observes once more after stop()); a loaded machine needs more than one.
      await new Promise((r) => setTimeout(r, 1_500));
    },

    async teardown(d: Deployment, ctx: RunContext): Promise<void> {
      const l = live.get(d.runId) ?? {};
      if (l.driver) {
        await l.driver.stop(5_000).catch(() => undefined);
        await l.readerStop?.().catch(() => undefined);
        record(d, ctx, l.driver);
      }
      const errors: string[] = [];
      // On the local target the functions live inside the local Lambda service: once that is
      // stopped (an earlier teardown), they are gone with it and there is nothing to call.
      if (d.target === 'local' && !l.service) {
        for (const name of (d.state['functions'] as string[] | undefined) ?? []) markDeleted(ctx, name);
        markDeleted(ctx, String(d.state['invocationsLedgerId']));
        live.delete(d.runId);
        provisioned.delete(ctx.ledger);
        return;
      }
      try {
        const client = await clientFor(d);
        const sdk = await loadLambdaSdk();
        for (const name of (d.state['functions'] as string[] | undefined) ?? []) {
          try {
            await client.send(new sdk.DeleteFunctionCommand({ FunctionName: name }));
          } catch (e) {
            if (errorName(e) !== 'ResourceNotFoundException') {
              errors.push(`DeleteFunction ${name}: ${errorName(e)}: ${(e as Error).message}`);
              continue;
            }
          }
          markDeleted(ctx, name);
        }
        const layer = d.state['layer'] as { name: string; version: number } | undefined;
        if (layer) {
          await deleteLayerVersion(client, layer.name, layer.version);
          markDeleted(ctx, layer.name);
        }
        if (typeof d.state['roleName'] === 'string') {
          await deleteRole(d.state['roleName'], iamCfg);
          markDeleted(ctx, d.state['roleName']);
        }
      } catch (e) {
        errors.push((e as Error).message);
      }
      markDeleted(ctx, String(d.state['invocationsLedgerId']));
      l.client?.destroy();
      l.kinesisClient?.destroy();
      if (l.service) {
        await l.service.stop();
        markDeleted(ctx, `${String(d.state['stem'])}-service`);
      }
      live.delete(d.runId);
      provisioned.delete(ctx.ledger);
      if (errors.length > 0) throw new Error(`flock teardown: ${errors.join('; ')}`);
    },

    async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
      const report: CleanupReport = { found: [], deleted: [], failed: [] };
      await cleanupLocal(filter, ctx, report);
      if (filter.runId && ranLocally(filter.runId, ctx)) return report;
      let client: LambdaClient;
      try {
        client = await awsLambda(regionOf(o));
        // The SDK resolves credentials on the first call: a machine that runs only local targets has none.
        await client.config.credentials();
      } catch (e) {
        if (errorName(e) !== 'CredentialsProviderError' && !/credentials/i.test((e as Error).message)) throw e;
        ctx.log(
          'flock: cloud resources (Lambda functions, IAM roles) not checked — no AWS credentials were found; set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, to check them.',
        );
        return report;
      }
      const sdk = await loadLambdaSdk();
      try {
        let marker: string | undefined;
        const cutoff = filter.olderThanMinutes !== undefined ? Date.now() - filter.olderThanMinutes * 60_000 : undefined;
        do {
          const page = await client.send(new sdk.ListFunctionsCommand({ ...(marker ? { Marker: marker } : {}), MaxItems: 50 }));
          for (const f of page.Functions ?? []) {
            if (!f.FunctionName?.startsWith(FUNCTION_PREFIX) || !f.FunctionArn) continue;
            const tags = (await client.send(new sdk.ListTagsCommand({ Resource: f.FunctionArn }))).Tags ?? {};
            if (tags[TAG_TOOL] !== 'streamscore') continue;
            const runId = tags[TAG_RUN_ID];
            if (filter.runId && runId !== tagSafe(filter.runId)) continue;
            if (cutoff !== undefined && f.LastModified && Date.parse(f.LastModified) > cutoff) continue;
            report.found.push({ kind: 'lambda-function', id: f.FunctionName, ...(runId ? { runId } : {}) });
            if (filter.dryRun) continue;
            try {
              await client.send(new sdk.DeleteFunctionCommand({ FunctionName: f.FunctionName }));
              report.deleted.push({ kind: 'lambda-function', id: f.FunctionName });
            } catch (e) {
              report.failed.push({ kind: 'lambda-function', id: f.FunctionName, reason: (e as Error).message });
            }
          }
          marker = page.NextMarker;
        } while (marker);
        for (const r of await listRunRoles(filter.runId, iamCfg)) {
          report.found.push({ kind: 'iam-role', id: r.name, ...(r.runId ? { runId: r.runId } : {}) });
          if (filter.dryRun) continue;
          try {
            await deleteRole(r.name, iamCfg);
            report.deleted.push({ kind: 'iam-role', id: r.name });
          } catch (e) {
            report.failed.push({ kind: 'iam-role', id: r.name, reason: (e as Error).message });
          }
        }
        await cleanupLayers(client, filter, { prefix: FUNCTION_PREFIX, stemOf: runStem }, report);
      } catch (e) {
        ctx.log(`flock cleanup: ${(e as Error).message}`);
        throw e;
      } finally {
        client.destroy();
      }
      return report;
    },

    iamPolicy(target: string): IamPolicyDocument {
      if (target !== 'aws') throw new UserError(`The flock backend's ${target} target creates nothing in AWS, so it needs no policy.`, 'Use --target aws.', 0);
      return callerPolicy();
    },
  };
  return backend;
}

/** The backend the plugin registers: AWS through the SDK's defaults; the local Lambda service for `--target local`. */
export const flockBackend: Backend = createFlockBackend();

/**
 * The local target's leftovers. A killed run's local Lambda service died with its process (its
 * environments follow it), but its temp dir (`/tmp/streamscore-lambda-*`: packages, logs) stays.
 * A run in this very process that never tore down (the conformance kit's "killed" run) still has
 * its service: cleanup({ runId }) stops it.
 */
async function cleanupLocal(filter: CleanupFilter, ctx: RunContext, report: CleanupReport): Promise<void> {
  for (const [runId, l] of live) {
    const d = l.deployment;
    if (!filter.runId || runId !== filter.runId || !l.service || !d) continue;
    const ids: { kind: string; id: string }[] = [
      { kind: 'local-lambda-service', id: `${String(d.state['stem'])}-service` },
      ...((d.state['functions'] as string[] | undefined) ?? []).map((id) => ({ kind: 'lambda-function', id })),
      { kind: 'lambda-invocations', id: String(d.state['invocationsLedgerId']) },
    ];
    for (const x of ids) report.found.push({ ...x, runId });
    if (filter.dryRun) continue;
    try {
      if (l.driver) await l.driver.stop(1_000).catch(() => undefined);
      await l.readerStop?.().catch(() => undefined);
      l.client?.destroy();
      l.kinesisClient?.destroy();
      await l.service.stop();
      live.delete(runId);
      for (const x of ids) {
        markDeleted(ctx, x.id);
        report.deleted.push(x);
      }
    } catch (e) {
      for (const x of ids) report.failed.push({ ...x, reason: (e as Error).message });
    }
  }
  for (const w of leftWorkDirs()) {
    if (filter.runId && w.owner !== filter.runId) continue;
    const x = { kind: 'local-directory', id: w.dir };
    report.found.push({ ...x, ...(w.owner ? { runId: w.owner } : {}) });
    if (filter.dryRun) continue;
    try {
      rmSync(w.dir, { recursive: true, force: true });
      report.deleted.push(x);
    } catch (e) {
      report.failed.push({ ...x, reason: (e as Error).message });
    }
  }
}

/** True when the ledger shows the run on the local target only: there is nothing of it on AWS to look for. */
function ranLocally(runId: string, ctx: RunContext): boolean {
  const mine = ctx.ledger.list().filter((e) => e.runId === runId && e.backend === 'flock');
  return mine.length > 0 && mine.every((e) => e.attributes?.['local'] === true || e.kind.startsWith('local-'));
}

function markDeleted(ctx: RunContext, id: string): void {
  try {
    const e = ctx.ledger.get(id);
    if (e.state !== 'deleted') ctx.ledger.deleted(id);
  } catch {
    // Not in this ledger (teardown repeated from another process).
  }
}

/** Totals from the REPORT lines into the `lambda-invocations` ledger entry; init histogram into the deployment state. */
function record(d: Deployment, ctx: RunContext, drv: Pick<FlockDriver, 'stats' | 'summary' | 'errors'>): void {
  const s = drv.stats;
  const id = String(d.state['invocationsLedgerId']);
  try {
    const prev = ctx.ledger.get(id);
    ctx.ledger.created(id, {
      attributes: {
        ...(prev.attributes ?? {}),
        billedMs: s.billedMs,
        requests: s.reports,
        invocations: s.invocations,
        memoryMB: Number(d.state['memoryMB']),
        architecture: String(d.state['architecture']),
        initMs: Math.round(s.initMs * 100) / 100,
        coldStarts: s.coldStarts,
        throttles: s.throttles,
        functionErrors: s.functionErrors,
      },
    });
  } catch {
    // Ledger entry missing: nothing to update.
  }
  const sum = drv.summary();
  d.state['driver'] = sum;
  d.state['coldStartInitHistogram'] = sum['initDurationUs'];
  if (drv.errors.length > 0) d.state['driverErrors'] = drv.errors.slice(0, 20);
}

/** Whether a child process can load this workload by its module (`workloads` lists it). */
async function loadableByModule(w: { module: string; id: string }): Promise<boolean> {
  try {
    const mod = (await import(w.module)) as { workloads?: { id: string }[] };
    return mod.workloads?.some((x) => x.id === w.id) ?? false;
  } catch {
    return false;
  }
}
