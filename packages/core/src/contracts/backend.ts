import { z } from 'zod';
import type { AnyWorkload } from './workload.js';
import type { Row } from './rows.js';
import type { TransportBinding, TransportKind } from './transport.js';
import type { Ledger } from '../ledger/ledger.js';
import type { FaultSpec, InjectedFault } from './fault.js';

/** A knob a backend accepts on `run`/`plan` (instance type, node count, memory, …). */
export const KnobSpecSchema = z.object({
  description: z.string(),
  type: z.enum(['string', 'integer', 'number', 'boolean']),
  default: z.union([z.string(), z.number(), z.boolean()]).optional(),
  options: z.array(z.string()).optional(),
});
export type KnobSpec = z.infer<typeof KnobSpecSchema>;

export const CapabilitiesSchema = z.object({
  /** Workload ids or globs (`nexmark/*`) the backend runs. */
  workloads: z.array(z.string()).min(1),
  targets: z.array(z.string()).min(1),
  transports: z.array(z.enum(['memory', 'kinesis'])).min(1),
  knobs: z.record(z.string(), KnobSpecSchema),
  /** Fault kinds `injectFault` accepts (see contracts/fault.ts); absent: none. */
  faults: z.array(z.string()).optional(),
});
export type Capabilities = z.infer<typeof CapabilitiesSchema>;

export type KnobValues = Record<string, string | number | boolean>;

export interface RunRequest {
  runId: string;
  workload: AnyWorkload;
  params: Record<string, unknown>;
  target: string;
  knobs: KnobValues;
  /** Planned events per second (peak of the load shape). */
  rate: number;
  durationS: number;
  /** Faults the run will inject: a backend refuses in plan() those its target cannot do. */
  faults?: readonly FaultSpec[];
}

/** A resource a plan would create, with its projected cost; nothing exists yet. */
export interface PlannedResource {
  kind: string;
  name: string;
  size?: string;
  count: number;
  projectedCostUsd?: number;
}

export interface Plan {
  backend: string;
  target: string;
  request: RunRequest;
  resources: PlannedResource[];
  projectedCostUsd: number;
  notes: string[];
}

/** What provision created; plain JSON so it can be written down and resumed after a crash. */
export interface Deployment {
  backend: string;
  target: string;
  runId: string;
  state: Record<string, unknown>;
  /** Milliseconds spent provisioning (0 when nothing had to be created). */
  provisioningMs: number;
}

export interface RunContext {
  runId: string;
  /** Every resource enters the ledger before it is created. */
  ledger: Ledger;
  log(message: string): void;
  signal: AbortSignal;
}

export interface StartRequest {
  workload: AnyWorkload;
  params: Record<string, unknown>;
  transport: TransportBinding;
  knobs: KnobValues;
}

export interface CleanupFilter {
  runId?: string;
  /** Only this target's resources: a sweep after a local run need not search a cloud. */
  target?: string;
  /** Only resources older than this many minutes. */
  olderThanMinutes?: number;
  dryRun?: boolean;
}

export interface CleanupReport {
  found: { kind: string; id: string; runId?: string }[];
  deleted: { kind: string; id: string }[];
  failed: { kind: string; id: string; reason: string }[];
}

/**
 * A local process of a run: the transport's stand-in or the system under test. The harness
 * records the CPU each role used, counting every descendant of the pid with it (Flink's JVMs
 * under their launcher, a local Lambda service's workers).
 */
export interface ProcessRef {
  role: 'transport' | 'sut';
  pid: number;
}

/**
 * The query a backend answers, by an opt-in semantics of its own, in place of the workload's
 * (Flock's epoch semantics: joins and aggregates within one epoch's events, no state between
 * epochs). The harness scores and judges the run against `workload`, and also compares the answers
 * with the workload's true query, so a figure never passes off the one for the other.
 */
export interface AnsweredQuery {
  /** The semantics' name, as the knob spells it (e.g. `flock-epoch`). */
  name: string;
  /** One sentence: how the answers differ from the workload's query. */
  description: string;
  /** The query answered: its output, oracle and timing. Same id, generator and event time as the workload. */
  workload: AnyWorkload;
  /** Answered rows as rows of the workload's own output (the semantics' extra columns dropped). */
  asTrueRows(rows: readonly Row[]): Row[];
  /**
   * Event time before which the answered query has given everything, when the run is judged up to
   * `cutoffMs`: the true query is computed over the events before it, and only the answers due
   * before it are compared with it.
   */
  answeredBeforeMs(cutoffMs: number): number;
}

/**
 * A backend plugin. Each step is idempotent and safe to repeat after a crash.
 * Rate control, measurement, verification, cost and reports belong to the harness, not here.
 */
export interface Backend {
  name: string;
  description: string;
  capabilities: Capabilities;
  /** The transport the harness must provide for a target. */
  transportFor(target: string): TransportKind;
  /** Resources it would create and their projected cost; creates nothing. */
  plan(request: RunRequest): Promise<Plan>;
  provision(plan: Plan, ctx: RunContext): Promise<Deployment>;
  start(deployment: Deployment, request: StartRequest, ctx: RunContext): Promise<void>;
  /** Backend-side metrics sampled once per interval (records in/out per second, CPU, …). */
  metrics(deployment: Deployment): Promise<Record<string, number>>;
  stop(deployment: Deployment, ctx: RunContext): Promise<void>;
  teardown(deployment: Deployment, ctx: RunContext): Promise<void>;
  cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport>;
  /**
   * The least-privilege IAM policy a user needs to run this backend on a cloud target (printed by
   * `streamscore iam-policy --backend NAME`). Absent for backends that touch no cloud.
   */
  iamPolicy?(target: string): IamPolicyDocument;
  /**
   * Injects one fault of a kind listed in `capabilities.faults` into a started deployment, at the
   * instant the harness calls it. Throws a UserError when the target cannot do it.
   */
  injectFault?(deployment: Deployment, fault: FaultSpec, ctx: RunContext): Promise<InjectedFault>;
  /**
   * How long, at most, the backend holds an answer before writing it (a transactional sink holds
   * a checkpoint's output until the checkpoint completes). The drain after the load waits at
   * least this long, so held answers are not taken for lost.
   */
  holdsAnswersMs?(deployment: Deployment): number;
  /**
   * The query the backend will answer for this request when its knobs choose semantics other than
   * the workload's (see AnsweredQuery); absent or undefined: the workload's own query.
   */
  answers?(request: { workload: AnyWorkload; params: Record<string, unknown>; knobs: KnobValues }): AnsweredQuery | undefined;
  /**
   * The processes on this machine that run the system under test (role `sut`), once started, so
   * each Result records the CPU they used. Absent or empty where they are not on this machine.
   */
  processes?(deployment: Deployment): ProcessRef[];
}

export interface IamPolicyDocument {
  Version: '2012-10-17';
  Statement: {
    Sid?: string;
    Effect: 'Allow' | 'Deny';
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
  }[];
}

const fn = z.custom<(...args: never[]) => unknown>((v) => typeof v === 'function', 'must be a function');

/** The shape a plugin's hook answer must have; checked once, where the plugin hands it over. */
export const BackendSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/, 'backend names are lower-case words joined by -'),
  description: z.string(),
  capabilities: CapabilitiesSchema,
  transportFor: fn,
  plan: fn,
  provision: fn,
  start: fn,
  metrics: fn,
  stop: fn,
  teardown: fn,
  cleanup: fn,
  injectFault: fn.optional(),
  processes: fn.optional(),
}).refine((b) => !b.capabilities.faults?.length || b.injectFault !== undefined, {
  message: 'a backend that lists capabilities.faults must implement injectFault',
  path: ['injectFault'],
});

/** Matches a workload id against a capability pattern (`nexmark/*`, `*`, exact id). */
export function workloadMatches(pattern: string, workloadId: string): boolean {
  if (pattern === '*' || pattern === workloadId) return true;
  if (pattern.endsWith('/*')) return workloadId.startsWith(pattern.slice(0, -1));
  return false;
}
