import { UserError, type AnyWorkload } from '@streamscore/core';
import { renderSql, WINDOW_VARS } from './function/sql.js';

/**
 * How flock runs one workload: Flock applies windows in the source, not in SQL, so the backend
 * needs the window's shape beside the workload's micro-batch SQL (`sql['microbatch-sql']`,
 * DuckDB dialect, run over one window's events: one table per event type, e.g. `bid`, and the
 * placeholders `${WINDOW_START}` / `${WINDOW_END}` for the window's bounds; session windows give
 * every row `window_start` and `window_end` columns instead).
 *
 * The shape is read from an optional `flock` property on the workload object (not part of the
 * core contract), else from its parameters by name: `…SizeMs`/`windowMs` (size), `…SlideMs`/`hopMs`
 * (slide), `…GapMs` (session gap, with `sessionKey` naming the key column).
 */
export type WindowSpec =
  | { kind: 'tumbling'; sizeMs: number }
  | { kind: 'hopping'; sizeMs: number; slideMs: number }
  | { kind: 'session'; gapMs: number; key: string };

export interface FlockHints {
  window?: WindowSpec;
  /** Override of the micro-batch SQL. */
  sql?: string;
}

export interface FlockQueryPlan {
  stage: 'per-event' | 'window-aggregate';
  window?: WindowSpec;
  /** Parameters rendered; WINDOW_* placeholders left for the function. */
  sql: string;
  watermarkDelayMs: number;
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
  const hints = (workload as AnyWorkload & { flock?: FlockHints }).flock ?? {};
  const template = hints.sql ?? workload.sql?.['microbatch-sql'];
  if (!template) {
    throw new UserError(`${workload.id} has no micro-batch SQL, so the flock backend cannot run it.`, 'Choose a workload whose `sql` includes `microbatch-sql`.');
  }
  const { watermarkDelayMs } = workload.timing(params);
  const sql = renderSql(template, params, {}, WINDOW_VARS);
  if (workload.kind === 'per-event') return { stage: 'per-event', sql, watermarkDelayMs };
  if (workload.kind !== 'windowed') {
    throw new UserError(
      `${workload.id} is a ${workload.kind} query; the flock backend runs per-event and event-time windowed queries only.`,
      'Flock keeps no state across windows (no upserts) and has no processing-time windows here.',
    );
  }
  const window = hints.window ?? windowFromParams(params);
  if (!window) throw new UserError(`${workload.id}: cannot tell its window from its parameters (${Object.keys(params).join(', ')}).`, 'Give the workload a `flock.window` hint.');
  return { stage: 'window-aggregate', window, sql, watermarkDelayMs };
}
