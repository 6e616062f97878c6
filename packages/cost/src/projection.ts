import { type CostBreakdown, UserError, type LedgerEntry } from '@streamscore/core';
import type { PriceBook } from './price-book.js';
import { costOfLedger, isUnpricedLine, type CostLine } from './billing.js';
import type { TierOffset } from './lambda.js';

/**
 * Projected cost for the planner and `Backend.plan()`: the same billing rules as a measured run,
 * applied to resources that do not exist yet. Rates are given as attributes ending in
 * `PerSecond` (e.g. `requestsPerSecond`, `putPayloadUnitsPerSecond`, `bytesInPerSecond`); a
 * projection turns each into the total over the period (`requests`, `putPayloadUnits`, `bytesIn`)
 * and prices the result like a ledger entry. GB-month prices use the book's `hoursPerMonth`.
 *
 * Attributes by kind (besides the ledger ones documented in docs/cost.md):
 * - `lambda-invocations`: `requestsPerSecond`, `avgBilledMs`, `memoryMB`, `architecture`
 * - `kinesis-shard`: `putPayloadUnitsPerSecond`, or `recordsPerSecond` + `recordBytes`
 * - `kinesis-on-demand`: `recordsPerSecond` + `recordBytes`, or `bytesInPerSecond`; `bytesOutPerSecond`
 * - `s3-requests` / `s3-object`: `putsPerSecond`, `getsPerSecond`, `bytes`
 * - `cloudwatch-metrics`: `metricsRequestedPerSecond`
 * - `cloudwatch-logs`: `bytesPerSecond` (ingested)
 * - `data-transfer-inter-az`: `bytesPerSecond` (crossing between AZs; billed on both sides)
 */

export interface ProjectedResource {
  kind: string;
  /** Shown on the cost lines; defaults to the kind. */
  name?: string;
  size?: string;
  count: number;
  attributes?: Record<string, string | number | boolean>;
}

export interface ProjectionOptions {
  /** Lambda GB-seconds already used this month (default 0: first tier). */
  tierOffsetGbS?: TierOffset;
}

export interface HourlyExplanation {
  usdPerHour: number;
  /** false when some part had no price (unknown kind, unknown instance type, missing attributes). */
  priced: boolean;
  lines: CostLine[];
}

/** Totals over `seconds` from per-second rates. */
function totalsOver(attrs: Record<string, string | number | boolean> = {}, seconds: number): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = { ...attrs };
  for (const [k, v] of Object.entries(attrs)) {
    if (k.endsWith('PerSecond') && typeof v === 'number') out[k.slice(0, -'PerSecond'.length)] = v * seconds;
  }
  const requests = out['requests'];
  const avgBilledMs = out['avgBilledMs'];
  if (typeof requests === 'number' && typeof avgBilledMs === 'number' && out['billedMs'] === undefined) out['billedMs'] = requests * Math.ceil(avgBilledMs);
  const records = out['records'];
  const recordBytes = out['recordBytes'];
  if (typeof records === 'number' && typeof recordBytes === 'number') {
    if (out['bytes'] === undefined) out['bytes'] = records * recordBytes;
    if (out['bytesIn'] === undefined) out['bytesIn'] = records * recordBytes;
  }
  return out;
}

const EPOCH = Date.UTC(2026, 0, 1);

function entriesFor(resources: ProjectedResource[], seconds: number): LedgerEntry[] {
  return resources.map((r, i) => ({
    id: r.name ?? (resources.length > 1 ? `${r.kind}#${i + 1}` : r.kind),
    backend: 'plan',
    runId: 'plan',
    kind: r.kind,
    ...(r.size !== undefined ? { size: r.size } : {}),
    count: r.count,
    state: 'created' as const,
    start: EPOCH,
    end: EPOCH + seconds * 1000,
    attributes: totalsOver(r.attributes, seconds),
  }));
}

/** $/hour of a resource running steadily for an hour (minimums below an hour do not apply), with its lines. */
export function explainHourly(resource: ProjectedResource, book: PriceBook, opts: ProjectionOptions = {}): HourlyExplanation {
  const cost = costOfLedger(entriesFor([resource], 3600), book, {
    events: 0,
    runEndMs: EPOCH + 3_600_000,
    monthHours: book.hoursPerMonth,
    ...(opts.tierOffsetGbS !== undefined ? { tierOffsetGbS: opts.tierOffsetGbS } : {}),
  });
  return { usdPerHour: cost.totalUsd, priced: !cost.lines.some(isUnpricedLine), lines: cost.lines };
}

/**
 * $/hour of a resource kind running steadily. Throws a UserError when the book has no price for
 * it, so a plan never shows $0 for something it could not price.
 */
export function projectHourly(resource: ProjectedResource, book: PriceBook, opts: ProjectionOptions = {}): number {
  const x = explainHourly(resource, book, opts);
  if (!x.priced) {
    const why = x.lines.filter(isUnpricedLine).map((l) => l.rule).join('; ');
    throw new UserError(`Cannot project the cost of ${resource.kind}${resource.size ? ` ${resource.size}` : ''}: ${why}.`, 'See docs/cost.md for the kinds and attributes priced.');
  }
  return x.usdPerHour;
}

/**
 * The projected cost of a run of `durationS` seconds: the resources as if they ran for the whole
 * run, with every minimum applied (a 5-minute Managed Flink run is billed 10 minutes).
 */
export function projectCost(resources: ProjectedResource[], book: PriceBook, run: { durationS: number; events?: number } & ProjectionOptions): CostBreakdown {
  const seconds = Math.max(0, run.durationS);
  return costOfLedger(entriesFor(resources, seconds), book, {
    events: run.events ?? 0,
    runEndMs: EPOCH + seconds * 1000,
    monthHours: book.hoursPerMonth,
    ...(run.tierOffsetGbS !== undefined ? { tierOffsetGbS: run.tierOffsetGbS } : {}),
  });
}

// ---------------------------------------------------------------------------------------------
// Lambda resources every projection prices the same way (the planner and Flock's pre-run estimate)

/** Lambda's limit on one invocation: an always-on function is re-invoked before it. */
export const LAMBDA_MAX_INVOCATION_S = 900;

/**
 * Bytes Lambda writes to CloudWatch Logs for one invocation whose code logs nothing: a START line
 * (~70 B), an END line (~50 B) and a REPORT line (~180 B), each counted with 26 B of event
 * metadata. An assumption (the lines' lengths vary with the request id and the figures printed);
 * measured runs are billed from what was ingested.
 */
export const LAMBDA_LOG_BYTES_PER_INVOCATION = 380;

/**
 * An always-on function, as Flock runs its source: one invocation at a time, each running to the
 * 15-minute limit and re-invoked at once, so it is billed every millisecond of the hour.
 */
export function alwaysOnLambda(memoryMB: number, architecture: 'x86_64' | 'arm64', name?: string): ProjectedResource {
  return {
    kind: 'lambda-invocations',
    ...(name ? { name } : {}),
    count: 1,
    attributes: { requestsPerSecond: 1 / LAMBDA_MAX_INVOCATION_S, avgBilledMs: LAMBDA_MAX_INVOCATION_S * 1000, memoryMB, architecture },
  };
}

/** CloudWatch Logs ingestion of the START/END/REPORT lines of `invocationsPerSecond`. */
export function lambdaLogs(invocationsPerSecond: number, name?: string): ProjectedResource {
  return { kind: 'cloudwatch-logs', ...(name ? { name } : {}), count: 1, attributes: { bytesPerSecond: invocationsPerSecond * LAMBDA_LOG_BYTES_PER_INVOCATION } };
}
