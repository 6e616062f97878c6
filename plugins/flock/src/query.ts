import { UserError, workloadMatches, type AnyWorkload } from '@streamscore/core';
import { renderSql, WINDOW_VARS } from './function/sql.js';
import { FLOCK_EPOCH_WORKLOADS } from './epoch-semantics.js';

/**
 * How flock runs one workload: Flock applies windows in the source, not in SQL, so the backend
 * needs the window's shape beside the workload's micro-batch SQL (`sql['microbatch-sql']`,
 * DuckDB dialect, run over one window's events: one table per event type, e.g. `bid`, and the
 * placeholders `${WINDOW_START}` / `${WINDOW_END}` for the window's bounds; session windows give
 * every row `window_start` and `window_end` columns instead).
 *
 * The shape is read from an optional `flock` property on the workload object (not part of the
 * core contract), else from the built-in hints below (by workload id), else from its parameters
 * by name: `…SizeMs`/`windowMs` (size), `…SlideMs`/`hopMs` (slide), `…GapMs` (session gap, with
 * `sessionKey` naming the key column).
 */
export type WindowSpec =
  | { kind: 'tumbling'; sizeMs: number }
  | { kind: 'hopping'; sizeMs: number; slideMs: number }
  | { kind: 'session'; gapMs: number; key: string };

/** A static table the stage's SQL joins (YSB's campaigns), shipped with each window's batch as Flock does. */
export interface StaticTableSpec {
  /** Table name in the SQL. */
  table: string;
  /** Module exporting a function that returns the rows (e.g. `@streamscore/workload-ysb`). */
  module: string;
  /** Name of that export (e.g. `campaignTable`). */
  export: string;
}

export interface FlockHints {
  window?: WindowSpec;
  /** Override of the micro-batch SQL. */
  sql?: string;
  /** Table for events without a string `type` field (default `events`). */
  eventTable?: string;
  /** Static tables loaded beside each window's events. */
  statics?: StaticTableSpec[];
}

export interface FlockQueryPlan {
  stage: 'per-event' | 'window-aggregate';
  window?: WindowSpec;
  /** Parameters rendered; WINDOW_* placeholders left for the function. */
  sql: string;
  watermarkDelayMs: number;
  /** Table of events without a `type` field. */
  eventTable?: string;
  statics?: StaticTableSpec[];
}

/**
 * What the flock backend runs, exactly: per-event queries with micro-batch SQL, and event-time
 * windows (tumbling, hopping, session) whose SQL needs only one window's events.
 */
export const FLOCK_WORKLOADS: readonly string[] = [
  'nexmark/q0',
  'nexmark/q1',
  'nexmark/q2',
  'nexmark/q5',
  'nexmark/q7',
  'nexmark/q8',
  'nexmark/q11',
  'ysb/campaigns',
];

/** Why the rest of the built-in workloads are refused (shown before anything is created). */
export const FLOCK_REFUSALS: Readonly<Record<string, string>> = {
  'nexmark/q3':
    'nexmark/q3 joins every auction with every person seen so far; Flock keeps no state across epochs or windows, so a function cannot hold the join’s tables.',
  'nexmark/q4': 'nexmark/q4 is an updating query (its rows change as later events arrive); Flock keeps no state across windows, so it has no upserts.',
  'nexmark/q9': 'nexmark/q9 is an updating query (the winning bid of every auction, revised as bids arrive); Flock keeps no state across windows, so it has no upserts.',
  'nexmark/q12': 'nexmark/q12 uses processing-time windows; the flock backend forms its windows by event time only.',
};

/** Built-in hints for workloads whose shape the parameters cannot tell. */
const BUILTIN_HINTS: Readonly<Record<string, FlockHints>> = {
  'ysb/campaigns': {
    eventTable: 'ad_events',
    statics: [{ table: 'campaigns', module: '@streamscore/workload-ysb', export: 'campaignTable' }],
  },
};

/** The refusal for a workload the backend does not declare, with the reason when one is known. */
export function refuseWorkload(id: string, declared: readonly string[]): UserError {
  const why = FLOCK_REFUSALS[id];
  const epoch = FLOCK_EPOCH_WORKLOADS.includes(id) ? ` \`--knob semantics=flock-epoch\` runs ${id} as Flock did, within one epoch of event time, and says how far that is from the true query.` : '';
  return new UserError(
    why ? `The flock backend cannot run ${id}: ${why}` : `The flock backend does not run ${id}.`,
    `It runs: ${declared.join(', ')}.${epoch}`,
  );
}

export function declares(patterns: readonly string[], id: string): boolean {
  return patterns.some((p) => workloadMatches(p, id));
}

function findParam(params: Record<string, unknown>, re: RegExp): number | undefined {
  for (const [k, v] of Object.entries(params)) if (re.test(k) && typeof v === 'number' && v > 0) return v;
  return undefined;
}

export function windowFromParams(params: Record<string, unknown>): WindowSpec | undefined {
  const gap = findParam(params, /gap(ms)?$/i);
  if (gap !== undefined) {
    const key = typeof params['sessionKey'] === 'string' ? params['sessionKey'] : 'bidder';
    return { kind: 'session', gapMs: gap, key };
  }
  const size = findParam(params, /(size|window)(ms)?$/i);
  if (size === undefined) return undefined;
  const slide = findParam(params, /(slide|hop)(ms)?$/i);
  return slide !== undefined && slide < size ? { kind: 'hopping', sizeMs: size, slideMs: slide } : { kind: 'tumbling', sizeMs: size };
}

export function planQuery(workload: AnyWorkload, params: Record<string, unknown>): FlockQueryPlan {
  const own = (workload as AnyWorkload & { flock?: FlockHints }).flock;
  const builtin = BUILTIN_HINTS[workload.id] ?? {};
  const hints: FlockHints = { ...builtin, ...(own ?? {}) };
  const refusal = FLOCK_REFUSALS[workload.id];
  if (refusal && !own) throw new UserError(`The flock backend cannot run ${workload.id}: ${refusal}`);
  const template = hints.sql ?? workload.sql?.['microbatch-sql'];
  if (!template) {
    throw new UserError(`${workload.id} has no micro-batch SQL, so the flock backend cannot run it.`, 'Choose a workload whose `sql` includes `microbatch-sql`.');
  }
  const { watermarkDelayMs } = workload.timing(params);
  const sql = renderSql(template, params, {}, WINDOW_VARS);
  const extra = { ...(hints.eventTable ? { eventTable: hints.eventTable } : {}), ...(hints.statics?.length ? { statics: hints.statics } : {}) };
  if (workload.kind === 'per-event') return { stage: 'per-event', sql, watermarkDelayMs, ...extra };
  if (workload.kind !== 'windowed') {
    throw new UserError(
      `${workload.id} is a ${workload.kind} query; the flock backend runs per-event and event-time windowed queries only.`,
      'Flock keeps no state across windows (no upserts) and has no processing-time windows here.',
    );
  }
  const window = hints.window ?? windowFromParams(params);
  if (!window) throw new UserError(`${workload.id}: cannot tell its window from its parameters (${Object.keys(params).join(', ')}).`, 'Give the workload a `flock.window` hint.');
  return { stage: 'window-aggregate', window, sql, watermarkDelayMs, ...extra };
}

/** Rows of a plan's static tables, from the modules that define them (imported on first use). */
export async function loadStatics(q: FlockQueryPlan): Promise<Record<string, Record<string, unknown>[]>> {
  const out: Record<string, Record<string, unknown>[]> = {};
  for (const s of q.statics ?? []) {
    let mod: Record<string, unknown>;
    try {
      mod = (await import(s.module)) as Record<string, unknown>;
    } catch (e) {
      throw new UserError(`The flock backend needs ${s.module} for the static table ${s.table}: ${(e as Error).message}`, `Install ${s.module}.`);
    }
    const f = mod[s.export];
    if (typeof f !== 'function') throw new UserError(`${s.module} has no function ${s.export} (the static table ${s.table}).`);
    const rows = (await (f as () => unknown)()) as unknown;
    if (!Array.isArray(rows)) throw new UserError(`${s.module}.${s.export}() did not return rows for the static table ${s.table}.`);
    out[s.table] = rows as Record<string, unknown>[];
  }
  return out;
}
