import { join } from 'node:path';
import { Ledger, UserError, parseShape, writeResult, type AnyWorkload, type Backend, type PlannedResource, type Result, type RunContext } from '@streamscore/core';
import type { CampaignCell, CampaignFile } from './campaign-file.js';
import { CampaignJournal, journalState } from './journal.js';

/** find-max's default bound on trials per search: a search costs at most this many runs at its top rate. */
const SEARCH_MAX_TRIALS = 16;

export interface ResolvedCell {
  cell: CampaignCell;
  backend: Backend;
  workload: AnyWorkload;
  target: string;
}

/** What a dry run prints for a cell: the resources its plan would create and its projected bill. */
export interface CellProjection extends ResolvedCell {
  resources: PlannedResource[];
  projectedUsd: number;
  /** How the projection was made (a search's bound, a day's peak). */
  basis: string;
  notes: string[];
}

export interface CampaignProjection {
  cells: CellProjection[];
  totalUsd: number;
  maxCostUsd: number;
  withinCap: boolean;
}

/** Phase seconds of a cell's run (warm-up plus measured phase). */
export function cellSeconds(f: CampaignFile, parse: (text: string, what: string) => number): number {
  const warmupS = /^0(ms|s|m|h)?$/.test(f.warmup) ? 0 : parse(f.warmup, 'warmup');
  return warmupS + parse(f.duration, 'duration');
}

/**
 * Asks each cell's backend for its plan — creating nothing — and adds the projections up. A
 * search is projected as its bound (every trial at the top rate), a day at its peak rate for the
 * day's length: both upper estimates, so the cap holds when the projection fits.
 */
export async function projectCampaign(f: CampaignFile, cells: readonly ResolvedCell[], o: { durationS: number }): Promise<CampaignProjection> {
  const out: CellProjection[] = [];
  for (const r of cells) {
    const { cell } = r;
    let rate = cell.rate;
    let durationS = o.durationS;
    let times = 1;
    let basis = `${cell.rate} events/s for ${durationS} s`;
    if (cell.kind === 'find-max') {
      rate = cell.maxRate!;
      times = SEARCH_MAX_TRIALS * (f.findMax?.repeat ?? 1);
      basis = `a search's bound: ${times} trial(s) at ${rate} events/s for ${durationS} s`;
    } else if (cell.kind === 'day') {
      const shape = parseShape(cell.shape!, cell.rate);
      if (shape.kind === 'step') {
        durationS = shape.steps.reduce((s, x) => s + x.durationS, 0);
        rate = Math.max(...shape.steps.map((x) => x.rate));
      }
      basis = `the day's peak ${rate} events/s for its ${durationS} s`;
    }
    const plan = await r.backend.plan({ runId: `campaign-plan-${out.length}`, workload: r.workload, params: cell.params, target: r.target, knobs: cell.knobs, rate, durationS });
    out.push({ ...r, resources: plan.resources, projectedUsd: plan.projectedCostUsd * times, basis, notes: plan.notes });
  }
  const totalUsd = out.reduce((s, c) => s + c.projectedUsd, 0);
  return { cells: out, totalUsd, maxCostUsd: f.maxCostUsd, withinCap: totalUsd <= f.maxCostUsd };
}

export interface CampaignRunDeps {
  /**
   * Runs one cell (a run, a search, or a day) under its run id: its Result, and what the cell
   * cost in all (a search: every trial, not only the Result's).
   */
  runCell(c: CellProjection, runId: string, signal: AbortSignal, runStarting: (innerRunId: string) => void): Promise<{ result: Result; spentUsd: number }>;
  newRunId(workloadId: string, backend: string): string;
  /** Backends by name, for cleaning up after a cell killed half-way. */
  backendNamed(name: string): Backend;
  log(message: string): void;
  signal: AbortSignal;
  /** Writes a cell's Result (default: core's writeResult, which validates it). */
  saveResult?: (path: string, result: Result) => void;
}

export interface CellOutcome {
  cell: string;
  status: 'done' | 'done earlier' | 'failed' | 'not run';
  runId?: string;
  result?: string;
  costUsd?: number;
  verdict?: string;
  reason?: string;
}

export interface CampaignOutcome {
  cells: CellOutcome[];
  spentUsd: number;
  maxCostUsd: number;
  /** Why the campaign stopped before its last cell, if it did. */
  stopped?: string;
  /** Every Result the campaign holds (this run's and earlier ones'), for publishing. */
  results: string[];
  journal: string;
}

function cleanupContext(runId: string, log: (m: string) => void, signal: AbortSignal): RunContext {
  return { runId: `campaign-cleanup-${runId}`, ledger: new Ledger(`campaign-cleanup-${runId}`), log, signal };
}

/**
 * Runs the cells in order under the cap, journaling every step in OUT/campaign-journal.jsonl.
 * Before each cell: nothing starts once the spend has reached the cap, nor a cell whose projection
 * would take it past the cap. After each cell (done or failed): the backend's cleanup is asked for
 * anything of that run left behind, and deletes it. A campaign run again with the same OUT
 * resumes: cells done earlier are not repeated, and a cell killed half-way is cleaned up, then run
 * again under a new run id (its projection stays counted as spent, since its bill is unknown).
 */
export async function runCampaign(projection: CampaignProjection, outDir: string, deps: CampaignRunDeps): Promise<CampaignOutcome> {
  const journal = new CampaignJournal(join(outDir, 'campaign-journal.jsonl'));
  const now = () => new Date().toISOString();
  let state = journalState(journal.read());
  for (const s of state.interrupted.values()) {
    deps.log(`cleaning up ${s.cell} (run ${s.runId}${s.runs.length ? ` and its ${s.runs.length} trial run(s)` : ''}, interrupted earlier)`);
    let found = 0;
    let deleted = 0;
    for (const id of [s.runId, ...s.runs]) {
      const rep = await deps.backendNamed(s.backend).cleanup({ runId: id }, cleanupContext(id, deps.log, deps.signal));
      if (rep.failed.length) throw new Error(`cleanup of the interrupted run ${id} failed: ${rep.failed.map((x) => `${x.kind} ${x.id}: ${x.reason}`).join('; ')}`);
      found += rep.found.length;
      deleted += rep.deleted.length;
    }
    journal.append({ state: 'cleaned', cell: s.cell, runId: s.runId, found, deleted, at: now() });
  }
  state = journalState(journal.read());
  let spent = state.spentUsd;
  const cells: CellOutcome[] = [];
  const results = [...state.done.values()].map((d) => d.result);
  let stopped: string | undefined;
  for (const c of projection.cells) {
    const id = c.cell.id;
    const earlier = state.done.get(id);
    if (earlier) {
      cells.push({ cell: id, status: 'done earlier', runId: earlier.runId, result: earlier.result, costUsd: earlier.costUsd, verdict: earlier.verdict });
      continue;
    }
    if (stopped === undefined) {
      if (deps.signal.aborted) stopped = 'interrupted';
      else if (spent >= projection.maxCostUsd) stopped = `the measured spend $${spent.toFixed(4)} reached the cap $${projection.maxCostUsd}`;
      else if (spent + c.projectedUsd > projection.maxCostUsd) stopped = `${id} is projected at $${c.projectedUsd.toFixed(4)}, past the cap with $${spent.toFixed(4)} spent`;
      if (stopped) journal.append({ state: 'stopped', reason: stopped, spentUsd: spent, at: now() });
    }
    if (stopped) {
      cells.push({ cell: id, status: 'not run', reason: stopped });
      continue;
    }
    const runId = deps.newRunId(c.workload.id, c.backend.name);
    journal.append({ state: 'started', cell: id, runId, backend: c.backend.name, projectedUsd: c.projectedUsd, at: now() });
    deps.log(`${id}: run ${runId}`);
    let outcome: CellOutcome;
    const inner: string[] = [];
    const runStarting = (id: string) => {
      inner.push(id);
      journal.append({ state: 'run', cell: c.cell.id, runId: id, parent: runId, at: now() });
    };
    try {
      const { result: r, spentUsd: cost } = await deps.runCell(c, runId, deps.signal, runStarting);
      const path = join(outDir, 'results', `${r.runId}.json`);
      (deps.saveResult ?? writeResult)(path, r);
      let leftovers = 0;
      for (const id of [runId, ...inner]) leftovers += await sweep(c.backend, id, deps, c.target);
      if (!r.complete && (deps.signal.aborted || r.incompleteReason === 'interrupted')) {
        // What was measured is kept, but the cell is not done: a resumed campaign runs it again.
        const reason = `interrupted; what it measured is kept in ${path}`;
        journal.append({ state: 'failed', cell: id, runId, reason, costUsd: cost, at: now() });
        spent += cost;
        cells.push({ cell: id, status: 'failed', runId, reason });
        stopped = 'interrupted';
        continue;
      }
      journal.append({ state: 'done', cell: id, runId, result: path, costUsd: cost, verdict: r.verdict.status, leftovers, at: now() });
      spent += cost;
      results.push(path);
      outcome = { cell: id, status: 'done', runId, result: path, costUsd: cost, verdict: r.verdict.status };
    } catch (e) {
      const reason = (e as Error).message.split('\n')[0]!;
      for (const run of [runId, ...inner]) await sweep(c.backend, run, deps, c.target).catch((x: unknown) => deps.log(`cleanup after ${id} failed: ${(x as Error).message}`));
      // No Result, so no measured bill: the projection is counted, as for a cell killed half-way.
      journal.append({ state: 'failed', cell: id, runId, reason, costUsd: c.projectedUsd, at: now() });
      spent += c.projectedUsd;
      outcome = { cell: id, status: 'failed', runId, reason };
      if (deps.signal.aborted) stopped = 'interrupted';
    }
    cells.push(outcome);
  }
  return { cells, spentUsd: spent, maxCostUsd: projection.maxCostUsd, ...(stopped ? { stopped } : {}), results, journal: journal.path };
}

/** The backend's cleanup for one run: what the run's teardown left behind (normally nothing). */
async function sweep(backend: Backend, runId: string, deps: CampaignRunDeps, target?: string): Promise<number> {
  const rep = await backend.cleanup({ runId, ...(target !== undefined ? { target } : {}) }, cleanupContext(runId, deps.log, deps.signal));
  if (rep.found.length) deps.log(`${backend.name} left ${rep.found.length} resource(s) of ${runId} behind; deleted ${rep.deleted.length}`);
  if (rep.failed.length) throw new UserError(`Resources of run ${runId} could not be deleted: ${rep.failed.map((x) => `${x.kind} ${x.id}`).join(', ')}.`, `Run \`streamscore cleanup --backend ${backend.name} --run-id ${runId}\`.`);
  return rep.found.length;
}
