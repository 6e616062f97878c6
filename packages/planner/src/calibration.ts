import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError, type Result } from '@streamscore/core';
import { type PriceBook, instanceSpec } from '@streamscore/cost';
import type { Engine, Family, PlanConfig } from './types.js';

/**
 * Calibration: what the planner knows about how fast each engine runs each workload.
 *
 * - **Shipped profiles** (`packages/planner/resources/calibration/*.json`): published or measured
 *   figures with their source and date — nexmark/nexmark's per-core throughput of Flink per query,
 *   the per-event compute of streamscore's Flock architecture measured on the local Lambda service,
 *   and the platforms' latency and readiness constants.
 * - **Measured points**: one per Result folded in with `streamscore plan --calibrate RESULT...`,
 *   kept in `~/.streamscore/calibration.json`. A point says which engine and configuration ran,
 *   what rate it sustained and at what latency, and how long it took to get running.
 */

export const CALIBRATION_SCHEMA_VERSION = 1;

export const FigureSchema = z.object({
  value: z.unknown(),
  /** measured-local (on this project's machines), published, aws-doc, third-party, memory, assumption, streamscore (the project's own setting), planner (a bound of the sweep). */
  basis: z.string(),
  ref: z.string(),
  note: z.string().optional(),
});
export type CalibrationFigure = z.infer<typeof FigureSchema>;

const QueryCalibrationSchema = z.object({
  /** Saturation throughput of a published run, and the vCPUs it kept busy. */
  throughputEventsPerS: z.number().positive().optional(),
  cores: z.number().positive().optional(),
  /** Events per second per vCPU, directly. */
  perVcpuEventsPerS: z.number().positive().optional(),
  /** vCPU-microseconds of compute per event (Flock). */
  computeUsPerEvent: z.number().positive().optional(),
});

export const CalibrationProfileSchema = z.object({
  schemaVersion: z.literal(CALIBRATION_SCHEMA_VERSION),
  id: z.string(),
  engine: z.enum(['flink', 'flock', 'local']),
  title: z.string(),
  basis: z.string(),
  /** saturation: as fast as it goes (headroom applies); sustained: under an SLO; compute: per-event compute. */
  measure: z.enum(['saturation', 'sustained', 'compute']),
  source: z.object({ ref: z.string(), date: z.string(), note: z.string().optional() }),
  /** For published profiles: the machines, the Flink version, and the guarantee the figures were measured under. */
  hardware: z.string().optional(),
  flinkVersion: z.string().optional(),
  guarantee: z.enum(['exactly-once', 'none']).optional(),
  queries: z.record(z.string(), QueryCalibrationSchema),
  adjustments: z.record(z.string(), FigureSchema).optional(),
  lambda: z.record(z.string(), FigureSchema).optional(),
});
export type CalibrationProfile = z.infer<typeof CalibrationProfileSchema>;

export const PlatformsSchema = z.object({
  schemaVersion: z.literal(CALIBRATION_SCHEMA_VERSION),
  id: z.literal('platforms'),
  title: z.string(),
  date: z.string(),
  figures: z.record(z.string(), FigureSchema),
});
export type Platforms = z.infer<typeof PlatformsSchema>;

export const PlanConfigSchema = z.discriminatedUnion('family', [
  z.object({ family: z.literal('flink-ec2'), instanceType: z.string(), nodes: z.number().int().positive() }),
  z.object({ family: z.literal('kda'), parallelism: z.number().int().positive(), parallelismPerKpu: z.number().int().positive() }),
  z.object({ family: z.literal('flock-lambda'), memoryMB: z.number().positive(), architecture: z.enum(['x86_64', 'arm64']), groupSize: z.number().int().nonnegative() }),
  z.object({ family: z.literal('flock-local'), memoryMB: z.number().positive(), architecture: z.enum(['x86_64', 'arm64']), groupSize: z.number().int().nonnegative() }),
  z.object({ family: z.literal('local'), parallelism: z.number().int().positive(), cpus: z.number().int().positive() }),
  z.object({ family: z.literal('flink-local'), parallelism: z.number().int().positive(), cpus: z.number().int().positive() }),
]);

/**
 * What a find-max trial failed on, read from the harness's reason (packages/harness find-max joins
 * them with '; '): `latency` p99 above the SLO; `backlog` the backlog grew beyond its scatter;
 * `rate` the rate was not achieved; `answer` a wrong or unchecked answer; `other` an incomplete
 * trial or too few scored answers (its p99 means little).
 */
export const TRIAL_FAILURES = ['latency', 'backlog', 'rate', 'answer', 'other'] as const;
export type TrialFailure = (typeof TRIAL_FAILURES)[number];

export function trialFailures(reason: string): TrialFailure[] {
  const out = new Set<TrialFailure>();
  for (const part of reason.split(';').map((x) => x.trim()).filter((x) => x && x !== 'within SLO')) {
    if (/^p99 [\d.]+ ms > SLO/.test(part)) out.add('latency');
    else if (part.startsWith('backlog grows')) out.add('backlog');
    else if (/^achieved \d/.test(part)) out.add('rate');
    else if (part === 'wrong answer' || part.startsWith('verdict ')) out.add('answer');
    else out.add('other');
  }
  return [...out];
}

const TrialSchema = z.object({
  rate: z.number().nonnegative(),
  p99Ms: z.number().nonnegative(),
  passed: z.boolean(),
  /** Why it failed (empty when it passed); absent in points folded in before it was recorded. */
  failedOn: z.array(z.enum(TRIAL_FAILURES)).optional(),
});
export type MeasuredTrial = z.infer<typeof TrialSchema>;

/** The system fell behind at this trial: its backlog grew, or the rate was not achieved. */
export function fellBehind(t: MeasuredTrial): boolean {
  return t.failedOn !== undefined && (t.failedOn.includes('backlog') || t.failedOn.includes('rate'));
}

/**
 * Where a search saw the system stop keeping up (its throughput knee): the middle of the bracket
 * between the lowest trial rate that fell behind and the highest rate below it that kept up (the
 * search bisects that bracket arithmetically, so the middle is where it would have tried next);
 * the lowest rate that fell behind when nothing below it kept up. Undefined when no trial fell
 * behind (the search never found it), or when the trials do not say why they failed.
 */
export function kneeOfTrials(trials: readonly MeasuredTrial[]): number | undefined {
  if (trials.length === 0 || trials.some((t) => t.failedOn === undefined)) return undefined;
  const behind = trials.filter(fellBehind);
  if (behind.length === 0) return undefined;
  const hi = Math.min(...behind.map((t) => t.rate));
  const kept = trials.filter((t) => t.rate < hi && !fellBehind(t) && !t.failedOn!.includes('other'));
  if (kept.length === 0) return hi;
  return (Math.max(...kept.map((t) => t.rate)) + hi) / 2;
}

export const MeasuredPointSchema = z.object({
  runId: z.string(),
  /** The Result file it came from, when known. */
  file: z.string().optional(),
  endedAt: z.string(),
  workload: z.string(),
  backend: z.string(),
  target: z.string(),
  engine: z.enum(['flink', 'flock', 'local']),
  config: PlanConfigSchema,
  /** Units the work was spread over (nodes, KPUs, workers) and the vCPUs of one unit. */
  units: z.number().positive(),
  vcpusPerUnit: z.number().positive(),
  /** The rate the run was driven at (the best passing trial's, for a find-max). */
  rate: z.number().nonnegative(),
  /** find-max's sustained rate; absent for a single run. */
  sustainedRate: z.number().nonnegative().optional(),
  /** A single passing run: it sustained at least this (a lower bound on capacity; never used as one). */
  lowerBoundRate: z.number().nonnegative().optional(),
  /** find-max: the lowest failing trial's rate above the sustained one (where the engine saturates). */
  saturationRate: z.number().positive().optional(),
  /** find-max: where the system stopped keeping up (`kneeOfTrials`): the utilisation the latency model counts from. */
  kneeRate: z.number().positive().optional(),
  /** find-max: every trial's rate, p99, verdict and what it failed on (the queueing model is fitted on them). */
  trials: z.array(TrialSchema).optional(),
  /** The workload's parameters the run used (windows, watermark delay): `--check` projects the run as it ran. */
  params: z.record(z.string(), z.unknown()).optional(),
  latencyP99Ms: z.number().nonnegative(),
  latencySloMs: z.number().optional(),
  provisioningMs: z.number().nonnegative(),
  /** Events per CPU-second the system under test used (Result.summary), when the run measured its CPU. */
  eventsPerSutCpuSecond: z.number().positive().optional(),
  /** Flock: billed vCPU-microseconds per event (REPORT lines), when the ledger has them. */
  computeUsPerEvent: z.number().positive().optional(),
  eventsIn: z.number().nonnegative(),
  eventsOut: z.number().nonnegative(),
  cpus: z.number().positive(),
});
export type MeasuredPoint = z.infer<typeof MeasuredPointSchema>;

export const UserCalibrationSchema = z.object({
  schemaVersion: z.literal(CALIBRATION_SCHEMA_VERSION),
  points: z.array(MeasuredPointSchema),
});
export type UserCalibration = z.infer<typeof UserCalibrationSchema>;

/** Where the shipped profiles live (works from src/ and from dist/). */
export function shippedCalibrationDir(): string {
  return fileURLToPath(new URL('../resources/calibration/', import.meta.url));
}

/** `~/.streamscore/calibration.json` (or under `home`). */
export function userCalibrationPath(home: string = homedir()): string {
  return join(home, '.streamscore', 'calibration.json');
}

export interface ShippedCalibration {
  profiles: CalibrationProfile[];
  platforms: Platforms;
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`Cannot read calibration file ${path}: ${e instanceof SyntaxError ? 'not JSON' : ((e as NodeJS.ErrnoException).code ?? String(e))}.`);
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, json: unknown, path: string): T {
  const r = schema.safeParse(json);
  if (!r.success) {
    const first = r.error.issues[0];
    throw new UserError(`${path} is not a valid calibration file: ${first ? first.path.join('.') || '(root)' : '(root)'}: ${first?.message ?? 'invalid'}.`, 'See docs/planner.md for the format.');
  }
  return r.data;
}

/** The profiles and platform constants that ship with the package. */
export function loadShippedCalibration(dir: string = shippedCalibrationDir()): ShippedCalibration {
  const profiles: CalibrationProfile[] = [];
  let platforms: Platforms | undefined;
  for (const f of readdirSync(dir).filter((x) => x.endsWith('.json')).sort()) {
    const path = join(dir, f);
    const json = readJson(path) as { id?: unknown };
    if (json.id === 'platforms') platforms = parseOrThrow(PlatformsSchema, json, path);
    else profiles.push(parseOrThrow(CalibrationProfileSchema, json, path));
  }
  if (!platforms) throw new UserError(`No platforms.json in ${dir}.`, 'Reinstall streamscore.');
  return { profiles, platforms };
}

/** The user's measured points (none when the file does not exist). */
export function loadUserCalibration(path: string = userCalibrationPath()): UserCalibration {
  if (!existsSync(path)) return { schemaVersion: CALIBRATION_SCHEMA_VERSION, points: [] };
  return parseOrThrow(UserCalibrationSchema, readJson(path), path);
}

export function saveUserCalibration(cal: UserCalibration, path: string = userCalibrationPath()): void {
  const checked = UserCalibrationSchema.parse(cal);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(checked, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Adds points, replacing any with the same run id. */
export function mergePoints(existing: readonly MeasuredPoint[], added: readonly MeasuredPoint[]): MeasuredPoint[] {
  const byRun = new Map(existing.map((p) => [p.runId, p] as const));
  for (const p of added) byRun.set(p.runId, p);
  return [...byRun.values()].sort((a, b) => a.endedAt.localeCompare(b.endedAt) || a.runId.localeCompare(b.runId));
}

/** A figure of the platforms file, as a number. */
export function platformNumber(platforms: Platforms, key: string): number {
  const v = platforms.figures[key]?.value;
  if (typeof v !== 'number') throw new Error(`platforms.json has no number "${key}"`);
  return v;
}

export function platformList(platforms: Platforms, key: string): number[] {
  const v = platforms.figures[key]?.value;
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'number')) throw new Error(`platforms.json has no list "${key}"`);
  return v as number[];
}

/** A figure of the platforms file that is a table of numbers by name. */
export function platformTable(platforms: Platforms, key: string): Record<string, number> {
  const v = platforms.figures[key]?.value;
  if (typeof v !== 'object' || v === null || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'number')) throw new Error(`platforms.json has no table "${key}"`);
  return v as Record<string, number>;
}

/** A Flock lambda figure, as a number. */
export function lambdaNumber(profile: CalibrationProfile, key: string): number {
  const v = profile.lambda?.[key]?.value;
  if (typeof v !== 'number') throw new Error(`calibration profile ${profile.id} has no lambda figure "${key}"`);
  return v;
}

// ---------------------------------------------------------------------------------------------
// Results -> measured points

function knob(knobs: Record<string, string | number | boolean>, ...names: string[]): string | number | boolean | undefined {
  for (const n of names) if (knobs[n] !== undefined) return knobs[n];
  return undefined;
}

function num(v: string | number | boolean | undefined, dflt: number): number {
  const n = typeof v === 'number' ? v : typeof v === 'string' ? Number(v) : NaN;
  return Number.isFinite(n) && n > 0 ? n : dflt;
}

/** Lambda vCPU share of a memory size on AWS (1,769 MB = 1 vCPU, at most `maxVcpus`). */
export function lambdaVcpus(memoryMB: number, mbPerVcpu = 1769, maxVcpus = 6): number {
  return Math.min(memoryMB / mbPerVcpu, maxVcpus);
}

export interface PointOrSkip {
  point?: MeasuredPoint;
  /** Why a Result gives no calibration. */
  skipped?: string;
}

/**
 * What a Result teaches the planner: the engine and configuration that ran (from
 * `config.backend/target/knobs` and `environment.cpus`), the rate it sustained (find-max's
 * `sustainedRate`, or the achieved rate of a passing single run as a lower bound), its p99, and
 * how long it took to get running (`deployment.provisioningMs`).
 */
export function pointFromResult(r: Result, book: PriceBook, file?: string): PointOrSkip {
  const { backend, target, knobs, workload } = r.config;
  const cpus = Math.max(1, Math.round(r.environment.cpus));
  let engine: Engine;
  let config: PlanConfig;
  let units: number;
  let vcpusPerUnit: number;
  let computeUsPerEvent: number | undefined;
  if (backend === 'local') {
    engine = 'local';
    const p = num(knob(knobs, 'parallelism'), 1);
    config = { family: 'local', parallelism: p, cpus };
    units = Math.min(p, cpus);
    vcpusPerUnit = 1;
  } else if (backend === 'flink' && target === 'local') {
    engine = 'flink';
    const p = num(knob(knobs, 'parallelism'), 1);
    config = { family: 'flink-local', parallelism: p, cpus };
    units = Math.min(p, cpus);
    vcpusPerUnit = 1;
  } else if (backend === 'flink' && target === 'ec2') {
    engine = 'flink';
    const type = knob(knobs, 'instance-type', 'instanceType', 'instance_type');
    if (typeof type !== 'string') return { skipped: `${r.runId}: flink on ec2 without an instance-type knob` };
    let spec;
    try {
      spec = instanceSpec(book, type);
    } catch {
      return { skipped: `${r.runId}: instance type ${type} is not in the price book` };
    }
    const nodes = num(knob(knobs, 'nodes', 'taskmanagers', 'instances'), 1);
    config = { family: 'flink-ec2', instanceType: type, nodes };
    units = nodes;
    vcpusPerUnit = spec.vcpu;
  } else if (backend === 'kda') {
    engine = 'flink';
    const p = num(knob(knobs, 'parallelism'), 1);
    const ppk = num(knob(knobs, 'parallelism-per-kpu', 'parallelismPerKpu', 'parallelismPerKPU'), 1);
    config = { family: 'kda', parallelism: p, parallelismPerKpu: ppk };
    units = Math.ceil(p / ppk);
    vcpusPerUnit = 1;
  } else if (backend === 'flock') {
    engine = 'flock';
    const memoryMB = num(knob(knobs, 'memory', 'memoryMB', 'memory-mb'), 1024);
    const arch = knob(knobs, 'arch', 'architecture') === 'x86_64' ? 'x86_64' : 'arm64';
    const groupSize = num(knob(knobs, 'group-size', 'groupSize'), 4);
    const local = target === 'local';
    config = { family: local ? 'flock-local' : 'flock-lambda', memoryMB, architecture: arch, groupSize };
    units = groupSize;
    // The local Lambda service gives each environment a whole core; AWS gives memory/1769 of one.
    vcpusPerUnit = local ? 1 : lambdaVcpus(memoryMB);
    const inv = r.ledger.find((e) => e.kind === 'lambda-invocations');
    const billedMs = inv?.attributes?.['billedMs'];
    if (typeof billedMs === 'number' && billedMs > 0 && r.summary.eventsIn > 0) {
      computeUsPerEvent = ((billedMs * 1000) / r.summary.eventsIn) * Math.min(vcpusPerUnit, 1);
    }
  } else {
    return { skipped: `${r.runId}: backend ${backend} on target ${target} has no capacity model (the planner knows local, flink local/ec2, kda, flock)` };
  }
  const fm = r.findMax;
  // Only a checked, passing answer counts: unchecked, vacuous and incomplete runs are not capacity.
  const passed = r.complete && r.verdict.status === 'pass' && (r.config.latencySloMs === undefined || r.summary.latency.p99 <= r.config.latencySloMs * 1000);
  if ((!fm || fm.sustainedRate <= 0) && !passed && computeUsPerEvent === undefined) {
    return { skipped: `${r.runId}: neither a find-max result nor a passing run (nothing sustained to learn from)` };
  }
  const trials: MeasuredTrial[] | undefined = fm?.trials.map((t) => ({ rate: t.rate, p99Ms: t.p99Us / 1000, passed: t.passed, ...(t.passed ? { failedOn: [] } : typeof t.reason === 'string' ? { failedOn: trialFailures(t.reason) } : {}) }));
  const knee = fm && fm.sustainedRate > 0 && trials ? kneeOfTrials(trials) : undefined;
  const point: MeasuredPoint = {
    runId: r.runId,
    ...(file ? { file } : {}),
    endedAt: r.endedAt,
    workload,
    backend,
    target,
    engine,
    config,
    units,
    vcpusPerUnit,
    rate: r.summary.targetRate,
    ...(fm && fm.sustainedRate > 0 ? { sustainedRate: fm.sustainedRate } : {}),
    ...(fm && fm.sustainedRate > 0 && fm.trials.some((t) => !t.passed && t.rate > fm.sustainedRate)
      ? { saturationRate: Math.min(...fm.trials.filter((t) => !t.passed && t.rate > fm.sustainedRate).map((t) => t.rate)) }
      : {}),
    ...(trials && trials.length > 0 ? { trials } : {}),
    ...(knee !== undefined ? { kneeRate: knee } : {}),
    ...(Object.keys(r.config.params ?? {}).length > 0 ? { params: r.config.params } : {}),
    ...(!(fm && fm.sustainedRate > 0) && passed ? { lowerBoundRate: r.summary.achievedRate } : {}),
    latencyP99Ms: r.summary.latency.p99 / 1000,
    ...(fm ? { latencySloMs: fm.latencySloMs } : r.config.latencySloMs !== undefined ? { latencySloMs: r.config.latencySloMs } : {}),
    provisioningMs: r.deployment.provisioningMs,
    ...(computeUsPerEvent !== undefined ? { computeUsPerEvent } : {}),
    ...(r.summary.eventsPerSutCpuSecond !== undefined && r.summary.eventsPerSutCpuSecond > 0 ? { eventsPerSutCpuSecond: r.summary.eventsPerSutCpuSecond } : {}),
    eventsIn: r.summary.eventsIn,
    eventsOut: r.summary.eventsOut,
    cpus,
  };
  return { point };
}

/** Which family a point's configuration belongs to. */
export function familyOf(p: MeasuredPoint): Family {
  return p.config.family;
}
