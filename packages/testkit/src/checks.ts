import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  BackendSchema,
  isUserError,
  Ledger,
  ResultSchema,
  workloadMatches,
  type AnyWorkload,
  type Backend,
  type CleanupReport,
  type Deployment,
  type HarnessTransport,
  type KnobValues,
  type LedgerEntry,
  type Plan,
  type Result,
  type RunContext,
  type RunRequest,
} from '@streamscore/core';
import { MemoryHarnessTransport, runBenchmark } from '@streamscore/harness';
import { ruleMessage, type RuleId } from './rules.js';
import {
  captureOutput,
  endsWithProcess,
  journalLines,
  ledgerFromJournal,
  settle,
  snapshot,
  warmUp,
  type ResourceSnapshot,
} from './probe.js';
import { findSecrets, installCanaries, type Text } from './secrets.js';

/** The outcome of one rule's check: callable outside describe/it, so a failure can be asserted on. */
export interface CheckOutcome {
  rule: RuleId;
  ok: boolean;
  /** "rule C3 (…) broken: … — see docs/plugins.md#…" when not ok; a one-line summary when ok. */
  message: string;
  problems: string[];
  /** What the check could not apply and why (e.g. a backend that declares every workload). */
  notes: string[];
}

export interface KitOptions {
  /** Workloads to run, each declared by the backend; the kit expects a passing verdict on each. */
  workloads: AnyWorkload[];
  target: string;
  knobs?: KnobValues;
  /** Query parameters per workload id (defaults: the workload's own). */
  params?: Record<string, Record<string, unknown>>;
  /** Events/s of the runs the kit drives (default 2000). */
  rate?: number;
  /** Measured seconds of each run (default 2). */
  durationS?: number;
  /** The harness's side of the transport, for backends that need more than `memory` (kinesis). */
  transport?: (runId: string) => HarnessTransport;
  /** Where journals go (default: a fresh temporary directory). */
  workDir?: string;
}

const UNDECLARED_TARGET = 'conformance-undeclared-target';
const UNDECLARED_SUITE = 'conformance-undeclared';

function outcome(rule: RuleId, problems: string[], okSummary: string, notes: string[] = []): CheckOutcome {
  return { rule, ok: problems.length === 0, message: problems.length === 0 ? `rule ${rule}: ${okSummary}` : ruleMessage(rule, problems), problems, notes };
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}

let workDirDefault: string | undefined;
function workDir(o: KitOptions): string {
  if (o.workDir) return o.workDir;
  workDirDefault ??= mkdtempSync(join(tmpdir(), 'streamscore-kit-'));
  return workDirDefault;
}

export function kitRunId(label: string): string {
  return `kit-${label}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** The RunRequest the harness would build for this workload. */
export function requestFor(backend: Backend, workload: AnyWorkload, o: KitOptions, runId = kitRunId(backend.name)): RunRequest {
  const params = workload.params.parse(o.params?.[workload.id] ?? {});
  return { runId, workload, params, target: o.target, knobs: o.knobs ?? {}, rate: o.rate ?? 2000, durationS: o.durationS ?? 2 };
}

interface Session {
  ctx: RunContext;
  logs: string[];
  journal: string;
}

function session(o: KitOptions, runId: string, ledger?: Ledger): Session {
  const journal = join(workDir(o), `${runId}.ledger.jsonl`);
  const logs: string[] = [];
  const ctx: RunContext = { runId, ledger: ledger ?? new Ledger(runId, journal), log: (m) => logs.push(m), signal: new AbortController().signal };
  return { ctx, logs, journal };
}

function transportOf(backend: Backend, o: KitOptions, runId: string): HarnessTransport {
  if (o.transport) return o.transport(runId);
  const kind = backend.transportFor(o.target);
  if (kind !== 'memory') throw new Error(`backend ${backend.name} needs the ${kind} transport on ${o.target}: give the kit a transport factory (options.transport)`);
  return new MemoryHarnessTransport();
}

/** A deployment as a fresh process would read it back: plain JSON. */
function reread(d: Deployment): Deployment {
  return JSON.parse(JSON.stringify(d)) as Deployment;
}

async function attempt(problems: string[], what: string, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (e) {
    problems.push(`${what} threw ${errText(e)}`);
    return false;
  }
}

/** Best-effort release of what a check set up, so one failed check does not spill into the next. */
async function release(backend: Backend, d: Deployment | undefined, ctx: RunContext, transport?: HarnessTransport): Promise<void> {
  if (d) {
    await backend.stop(d, ctx).catch(() => {});
    await backend.teardown(d, ctx).catch(() => {});
  }
  await transport?.close().catch(() => {});
}

function first(o: KitOptions): AnyWorkload {
  const w = o.workloads[0];
  if (!w) throw new Error('the conformance kit needs at least one workload (options.workloads)');
  return w;
}

function outstandingIds(l: Ledger): string[] {
  return l.outstanding().map((e) => e.id);
}

// ---------------------------------------------------------------------------------------------
// C1

export async function checkShape(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const parsed = BackendSchema.safeParse(backend);
  if (!parsed.success) {
    for (const i of parsed.error.issues.slice(0, 5)) problems.push(`BackendSchema: ${i.path.join('.') || '(root)'}: ${i.message}`);
    return outcome('C1', problems, '');
  }
  const caps = backend.capabilities;
  for (const t of caps.targets) {
    try {
      const kind = backend.transportFor(t);
      if (!caps.transports.includes(kind)) problems.push(`transportFor('${t}') is '${kind}', which capabilities.transports (${caps.transports.join(', ')}) does not declare`);
    } catch (e) {
      problems.push(`transportFor('${t}') threw ${errText(e)}`);
    }
  }
  if (!caps.targets.includes(o.target)) problems.push(`the kit was asked to test target '${o.target}', which the backend does not declare (${caps.targets.join(', ')})`);
  for (const w of o.workloads) {
    if (!caps.workloads.some((p) => workloadMatches(p, w.id))) problems.push(`the kit was given workload ${w.id}, which the backend does not declare (${caps.workloads.join(', ')})`);
  }
  for (const k of Object.keys(o.knobs ?? {})) {
    if (!caps.knobs[k]) problems.push(`the kit was given knob '${k}', which the backend does not declare`);
  }
  return outcome('C1', problems, `${backend.name} passes BackendSchema; transportFor() names a declared transport for ${caps.targets.join(', ')}`);
}

// ---------------------------------------------------------------------------------------------
// C2

function undeclaredWorkload(w: AnyWorkload): AnyWorkload {
  const id = `${UNDECLARED_SUITE}/${w.id.split('/').pop() ?? 'q'}`;
  return Object.assign(Object.create(w) as AnyWorkload, { id, suite: UNDECLARED_SUITE });
}

async function expectRefusal(problems: string[], what: string, name: string, call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
    problems.push(`plan() accepted ${what} '${name}', which the backend does not declare; it must throw a UserError`);
  } catch (e) {
    if (!isUserError(e)) problems.push(`plan() refused ${what} '${name}' with ${errText(e)}; it must be a UserError (what went wrong and the next step)`);
    else if (!(e as Error).message.includes(name)) problems.push(`plan() refused ${what} '${name}' with a UserError that does not name it: "${(e as Error).message}"`);
  }
}

function checkPlanShape(problems: string[], backend: Backend, req: RunRequest, plan: Plan): void {
  if (!plan || typeof plan !== 'object') {
    problems.push(`plan() for ${req.workload.id} returned ${String(plan)}, not a Plan`);
    return;
  }
  if (plan.backend !== backend.name) problems.push(`plan().backend is '${String(plan.backend)}', not '${backend.name}'`);
  if (plan.target !== req.target) problems.push(`plan().target is '${String(plan.target)}', not '${req.target}'`);
  if (!Array.isArray(plan.resources)) problems.push('plan().resources is not an array');
  if (!(Number.isFinite(plan.projectedCostUsd) && plan.projectedCostUsd >= 0)) problems.push(`plan().projectedCostUsd is ${String(plan.projectedCostUsd)}, not a cost ≥ 0`);
}

export async function checkCapabilities(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const notes: string[] = [];
  for (const w of o.workloads) {
    const req = requestFor(backend, w, o);
    try {
      checkPlanShape(problems, backend, req, await backend.plan(req));
    } catch (e) {
      problems.push(`plan() refused the declared workload ${w.id} on target ${o.target}: ${errText(e)}`);
    }
  }
  const w = first(o);
  if (backend.capabilities.targets.includes(UNDECLARED_TARGET)) notes.push('the backend declares the kit’s made-up target; target refusal not checked');
  else await expectRefusal(problems, 'target', UNDECLARED_TARGET, () => backend.plan({ ...requestFor(backend, w, o), target: UNDECLARED_TARGET }));
  const stranger = undeclaredWorkload(w);
  if (backend.capabilities.workloads.some((p) => workloadMatches(p, stranger.id))) {
    notes.push(`the backend declares every workload (${backend.capabilities.workloads.join(', ')}): workload refusal not applicable`);
  } else {
    await expectRefusal(problems, 'workload', stranger.id, () => backend.plan({ ...requestFor(backend, w, o), workload: stranger }));
  }
  return outcome('C2', problems, `plan() accepts ${o.workloads.map((x) => x.id).join(', ')} on ${o.target} and refuses what is undeclared`, notes);
}

// ---------------------------------------------------------------------------------------------
// C3

export async function checkTeardown(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const w = first(o);
  await warmUp();
  const base = snapshot();

  // (a) the whole life, then teardown twice.
  {
    const req = requestFor(backend, w, o, kitRunId('teardown'));
    const s = session(o, req.runId);
    const transport = transportOf(backend, o, req.runId);
    let d: Deployment | undefined;
    try {
      const plan = await backend.plan(req);
      d = await backend.provision(plan, s.ctx);
      await transport.open();
      await backend.start(d, { workload: w, params: req.params, transport: transport.binding, knobs: req.knobs }, s.ctx);
      await backend.stop(d, s.ctx);
      if (await attempt(problems, 'teardown() after a full run', () => backend.teardown(d!, s.ctx))) {
        await attempt(problems, 'teardown() called a second time', () => backend.teardown(d!, s.ctx));
      }
      const left = s.ctx.ledger.outstanding();
      if (left.length) problems.push(`after teardown the ledger still has ${describeEntries(left)}`);
    } catch (e) {
      problems.push(`the run before teardown failed: ${errText(e)}`);
      await release(backend, d, s.ctx);
    }
    await transport.close().catch(() => {});
  }

  // (b) a deployment that never started.
  {
    const req = requestFor(backend, w, o, kitRunId('never-started'));
    const s = session(o, req.runId);
    try {
      const d = await backend.provision(await backend.plan(req), s.ctx);
      if (await attempt(problems, 'teardown() of a deployment that never started', () => backend.teardown(d, s.ctx))) {
        await attempt(problems, 'teardown() of a never-started deployment, the second time', () => backend.teardown(d, s.ctx));
      }
      const left = s.ctx.ledger.outstanding();
      if (left.length) problems.push(`after teardown of a never-started deployment the ledger still has ${describeEntries(left)}`);
    } catch (e) {
      problems.push(`provision() failed: ${errText(e)}`);
    }
  }

  // (c) a crash after start: teardown from a fresh context (ledger rebuilt from the journal,
  // deployment read back from JSON), as `streamscore cleanup` or a restarted run would do it.
  {
    const req = requestFor(backend, w, o, kitRunId('crash'));
    const s = session(o, req.runId);
    const transport = transportOf(backend, o, req.runId);
    let d: Deployment | undefined;
    try {
      d = await backend.provision(await backend.plan(req), s.ctx);
      await transport.open();
      await backend.start(d, { workload: w, params: req.params, transport: transport.binding, knobs: req.knobs }, s.ctx);
      const fresh = session(o, req.runId, ledgerFromJournal(req.runId, s.journal));
      const dd = reread(d);
      if (await attempt(problems, 'teardown() from a fresh context after a crash', () => backend.teardown(dd, fresh.ctx))) {
        await attempt(problems, 'teardown() from a fresh context, the second time', () => backend.teardown(dd, fresh.ctx));
      }
      const left = fresh.ctx.ledger.outstanding();
      if (left.length) problems.push(`after teardown from a fresh context the ledger still has ${describeEntries(left)}`);
    } catch (e) {
      problems.push(`the run before the crash failed: ${errText(e)}`);
      await release(backend, d, s.ctx);
    }
    await transport.close().catch(() => {});
  }

  const leaks = await settle(base);
  if (leaks.length) problems.push(`after every teardown, still running: ${leaks.join('; ')}`);
  return outcome('C3', problems, 'teardown twice, of a never-started deployment, and after a crash from a fresh context: nothing left');
}

function describeEntries(entries: readonly LedgerEntry[]): string {
  return entries.map((e) => `${e.kind} ${e.id} (${e.state})`).join(', ');
}

// ---------------------------------------------------------------------------------------------
// C4

export async function checkIdempotentSteps(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const w = first(o);
  const req = requestFor(backend, w, o, kitRunId('idempotent'));
  const s = session(o, req.runId);
  const transport = transportOf(backend, o, req.runId);
  let d: Deployment | undefined;
  try {
    const plan = await backend.plan(req);
    d = await backend.provision(plan, s.ctx);
    const ids = s.ctx.ledger.list().map((e) => e.id).sort();
    let again: Deployment | undefined;
    if (await attempt(problems, 'provision() called a second time', async () => (again = await backend.provision(plan, s.ctx)))) {
      const ids2 = s.ctx.ledger.list().map((e) => e.id).sort();
      const added = ids2.filter((id) => !ids.includes(id));
      if (added.length) problems.push(`provision() called a second time created more resources: ${added.join(', ')}`);
      if (again && JSON.stringify(again.state) !== JSON.stringify(d.state)) {
        problems.push(`provision() called a second time returned a different deployment (${JSON.stringify(again.state).slice(0, 120)})`);
      }
    }
    await transport.open();
    const start = { workload: w, params: req.params, transport: transport.binding, knobs: req.knobs };
    if (await attempt(problems, 'start()', () => backend.start(d!, start, s.ctx))) {
      await attempt(problems, 'start() called a second time', () => backend.start(d!, start, s.ctx));
    }
    if (await attempt(problems, 'stop()', () => backend.stop(d!, s.ctx))) {
      await attempt(problems, 'stop() called a second time', () => backend.stop(d!, s.ctx));
    }
  } catch (e) {
    problems.push(`setting up failed: ${errText(e)}`);
  } finally {
    await release(backend, d, s.ctx, transport);
  }
  return outcome('C4', problems, 'provision, start and stop each succeed twice and create nothing new');
}

// ---------------------------------------------------------------------------------------------
// C5

export async function checkPlanCreatesNothing(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  await warmUp();
  const base: ResourceSnapshot = snapshot();
  for (const w of o.workloads) {
    const req = requestFor(backend, w, o);
    try {
      await backend.plan(req);
      await backend.plan(req);
    } catch (e) {
      problems.push(`plan() for ${w.id} threw ${errText(e)}`);
    }
  }
  // Two checks, a moment apart: a plan that started something shows it by now.
  const leaks = await settle(base, 200);
  if (leaks.length) problems.push(`plan() left something running: ${leaks.join('; ')}`);
  return outcome('C5', problems, 'plan() wrote nothing and started nothing');
}

// ---------------------------------------------------------------------------------------------
// C6

function reported(report: CleanupReport | undefined, e: LedgerEntry): boolean {
  if (!report) return false;
  return report.found.some((f) => f.id === e.id || (e.cloudId !== undefined && f.id === e.cloudId));
}

function validReport(problems: string[], what: string, r: unknown): r is CleanupReport {
  const ok = !!r && typeof r === 'object' && ['found', 'deleted', 'failed'].every((k) => Array.isArray((r as Record<string, unknown>)[k]));
  if (!ok) problems.push(`${what} did not return a CleanupReport ({ found, deleted, failed })`);
  return ok;
}

export async function checkCleanup(backend: Backend, o: KitOptions): Promise<CheckOutcome> {
  const problems: string[] = [];
  const notes: string[] = [];
  const w = first(o);
  const killed = requestFor(backend, w, o, kitRunId('killed'));
  const bystander = requestFor(backend, w, o, kitRunId('bystander'));
  const k = session(o, killed.runId);
  const b = session(o, bystander.runId);
  const transport = transportOf(backend, o, killed.runId);
  let dk: Deployment | undefined;
  let db: Deployment | undefined;
  try {
    dk = await backend.provision(await backend.plan(killed), k.ctx);
    await transport.open();
    await backend.start(dk, { workload: w, params: killed.params, transport: transport.binding, knobs: killed.knobs }, k.ctx);
    db = await backend.provision(await backend.plan(bystander), b.ctx);
  } catch (e) {
    problems.push(`setting up the killed run failed: ${errText(e)}`);
  }
  // The run is killed here: nothing more is called on it. A fresh process rebuilds its ledger.
  const leftInJournal = ledgerFromJournal(killed.runId, k.journal).outstanding();
  const mustFind = leftInJournal.filter((e) => !endsWithProcess(e.kind));
  if (leftInJournal.length > mustFind.length) notes.push(`not required of cleanup (they end with the process): ${describeEntries(leftInJournal.filter((e) => endsWithProcess(e.kind)))}`);

  if (problems.length === 0) {
    const fresh = session(o, killed.runId, ledgerFromJournal(killed.runId, k.journal));
    try {
      const dry = await backend.cleanup({ runId: killed.runId, dryRun: true }, fresh.ctx);
      if (validReport(problems, 'cleanup({ runId, dryRun: true })', dry)) {
        if (dry.deleted.length) problems.push(`a dry run deleted ${dry.deleted.map((x) => `${x.kind} ${x.id}`).join(', ')}; it must only list`);
        const changed = fresh.ctx.ledger.list().filter((e) => e.state === 'deleted' && leftInJournal.some((l) => l.id === e.id));
        if (changed.length) problems.push(`a dry run marked ${changed.map((e) => e.id).join(', ')} deleted in the ledger`);
        const missedDry = mustFind.filter((e) => !reported(dry, e));
        if (missedDry.length) problems.push(`a dry run did not list ${describeEntries(missedDry)}`);
      }
      const real = await backend.cleanup({ runId: killed.runId }, fresh.ctx);
      if (validReport(problems, 'cleanup({ runId })', real)) {
        const missed = mustFind.filter((e) => !reported(real, e) && !['deleted', 'failed'].includes(safeState(fresh.ctx.ledger, e.id)));
        if (missed.length) problems.push(`cleanup({ runId }) did not find ${describeEntries(missed)} left by the killed run`);
        if (real.failed.length) problems.push(`cleanup({ runId }) failed to delete ${real.failed.map((f) => `${f.kind} ${f.id}: ${f.reason}`).join('; ')}`);
        const bystanderIds = new Set([...b.ctx.ledger.list().flatMap((e) => [e.id, e.cloudId ?? ''])].filter(Boolean));
        const touched = [...real.found, ...real.deleted].filter((f) => bystanderIds.has(f.id) || ('runId' in f && f.runId === bystander.runId));
        if (touched.length) problems.push(`cleanup({ runId }) reached into another run: ${touched.map((f) => f.id).join(', ')}`);
      }
      const again = await backend.cleanup({ runId: killed.runId }, fresh.ctx);
      if (validReport(problems, 'cleanup({ runId }) a second time', again) && again.failed.length) {
        problems.push(`cleanup({ runId }) a second time failed: ${again.failed.map((f) => f.reason).join('; ')}`);
      }
    } catch (e) {
      problems.push(`cleanup() threw ${errText(e)}`);
    }
  }
  // What the killed process would have taken with it: the kit's own process must not keep it.
  if (dk) await release(backend, dk, k.ctx);
  if (db) await release(backend, db, b.ctx);
  await transport.close().catch(() => {});
  return outcome('C6', problems, `cleanup({ runId }) found and deleted ${mustFind.length} leftover resource(s), and only those`, notes);
}

function safeState(l: Ledger, id: string): string {
  try {
    return l.get(id).state;
  } catch {
    return 'unknown';
  }
}

// ---------------------------------------------------------------------------------------------
// Runs through the harness: evidence for C7, C8 and C9.

export interface RunEvidence {
  workload: AnyWorkload;
  plan?: Plan;
  result?: Result;
  /** Why the run produced no Result. */
  error?: string;
  /** The ledger journal, line by line, in the order it was written. */
  journal: LedgerEntry[];
  /** Lines the backend logged through ctx.log. */
  logs: string[];
  /** Everything written to stdout/stderr during the run. */
  output: string;
  /** Values of credential variables during the run (canaries unless real ones were set). */
  canaries: string[];
}

/** Runs one workload through runBenchmark with a journal, credential canaries and captured output. */
export async function collectRunEvidence(backend: Backend, workload: AnyWorkload, o: KitOptions): Promise<RunEvidence> {
  const runId = kitRunId('run');
  const ledgerPath = join(workDir(o), `${runId}.ledger.jsonl`);
  const logs: string[] = [];
  const canaries = installCanaries();
  const ev: RunEvidence = { workload, journal: [], logs, output: '', canaries: canaries.values };
  try {
    const req = requestFor(backend, workload, o, runId);
    ev.plan = await backend.plan(req);
    const { value, output } = await captureOutput(async () => {
      try {
        return await runBenchmark({
          backend,
          workload,
          params: o.params?.[workload.id] ?? {},
          target: o.target,
          knobs: o.knobs ?? {},
          rate: o.rate ?? 2000,
          durationS: o.durationS ?? 2,
          runId,
          ledgerPath,
          ...(o.transport ? { transport: o.transport(runId) } : {}),
          log: (m) => logs.push(m),
          toolVersion: 'conformance-kit',
        });
      } catch (e) {
        ev.error = errText(e);
        return undefined;
      }
    });
    ev.result = value;
    ev.output = output;
  } catch (e) {
    ev.error = errText(e);
  } finally {
    canaries.restore();
  }
  ev.journal = journalLines(ledgerPath);
  return ev;
}

// C7
export function checkLedgerJournal(ev: RunEvidence): CheckOutcome {
  const problems: string[] = [];
  const byId = new Map<string, LedgerEntry[]>();
  for (const e of ev.journal) byId.set(e.id, [...(byId.get(e.id) ?? []), e]);
  for (const [id, lines] of byId) {
    const firstLine = lines[0]!;
    if (firstLine.state !== 'intended') problems.push(`${firstLine.kind} ${id} first entered the ledger as '${firstLine.state}', not 'intended': it was recorded after it was created`);
    const last = lines[lines.length - 1]!;
    if (last.state === 'intended') problems.push(`${last.kind} ${id} is still 'intended' at the end: record 'created' (or 'failed') once the create call returns`);
  }
  const announced = (ev.plan?.resources ?? []).filter((r) => r.count > 0);
  if (announced.length > 0 && byId.size === 0) {
    problems.push(`plan() announced ${announced.map((r) => `${r.kind} ${r.name}`).join(', ')} but the run recorded nothing in the ledger`);
  }
  if (ev.result) {
    const stuck = ev.result.ledger.filter((e) => e.state === 'intended');
    if (stuck.length) problems.push(`the Result's ledger has entries still 'intended': ${describeEntries(stuck)}`);
  }
  return outcome('C7', problems, `${byId.size} resource(s) of ${ev.workload.id} entered the ledger before they existed`);
}

// C8
export interface ResultExpectation {
  /** The verdict must be pass (default true). */
  pass?: boolean;
  backend?: string;
}

/** Checks a Result as the kit sees it: the schema, a verdict, and (by default) a passing one. */
export function checkResult(result: unknown, expect: ResultExpectation = {}): CheckOutcome {
  const problems: string[] = [];
  if (!result || typeof result !== 'object') {
    return outcome('C8', [`there is no Result (got ${String(result)})`], '');
  }
  const r = result as Partial<Result>;
  if (r.verdict === undefined || r.verdict === null) problems.push('the Result has no verdict: every Result carries the oracle’s verdict (pass, fail or skipped, with what it covered)');
  const parsed = ResultSchema.safeParse(result);
  if (!parsed.success) {
    for (const i of parsed.error.issues.filter((i) => i.path[0] !== 'verdict' || r.verdict !== undefined).slice(0, 5)) {
      problems.push(`ResultSchema: ${i.path.join('.') || '(root)'}: ${i.message}`);
    }
  }
  if (r.verdict && (expect.pass ?? true) && r.verdict.status !== 'pass') {
    const v = r.verdict;
    problems.push(`the verdict is ${v.status}, not pass (${v.matched} matched, ${v.missing} missing, ${v.unexpected} unexpected of ${v.expected} expected${v.notes?.length ? `; ${v.notes.join('; ')}` : ''})`);
  }
  if (r.complete === false) problems.push(`the run did not complete: ${r.incompleteReason ?? 'no reason given'}`);
  if (Array.isArray(r.errors) && r.errors.length) problems.push(`the run reported errors: ${r.errors.join('; ')}`);
  if (expect.backend && r.config && r.config.backend !== expect.backend) problems.push(`the Result names backend '${r.config.backend}', not '${expect.backend}'`);
  return outcome('C8', problems, `the Result of ${r.config?.workload ?? '?'} is valid and its verdict is ${r.verdict?.status ?? '?'}`);
}

export function checkRunResult(backend: Backend, ev: RunEvidence): CheckOutcome {
  if (!ev.result) return outcome('C8', [`running ${ev.workload.id} through runBenchmark produced no Result: ${ev.error ?? 'unknown error'}`], '');
  return checkResult(ev.result, { backend: backend.name });
}

// C9
/** Scans what a run wrote (plan, deployment, Result, ctx.log lines, stdout/stderr) for secrets. */
export function checkNoSecrets(ev: Pick<RunEvidence, 'plan' | 'result' | 'logs' | 'output' | 'canaries'> & { workload?: AnyWorkload }): CheckOutcome {
  const texts: Text[] = [];
  if (ev.plan) texts.push({ where: 'the plan', text: JSON.stringify({ ...ev.plan, request: { ...ev.plan.request, workload: ev.plan.request?.workload?.id } }) });
  if (ev.result) texts.push({ where: 'the Result', text: JSON.stringify(ev.result) });
  ev.logs.forEach((l, i) => texts.push({ where: `log line ${i + 1}`, text: l }));
  if (ev.output) texts.push({ where: 'stdout/stderr', text: ev.output });
  const problems = findSecrets(texts, ev.canaries);
  return outcome('C9', problems, `no secret in the plan, Result, ${ev.logs.length} log line(s) or console output`);
}
