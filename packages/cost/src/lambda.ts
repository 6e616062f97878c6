import type { CostBreakdown } from '@streamscore/core';
import type { Architecture, PriceBook } from './price-book.js';

type CostLine = CostBreakdown['lines'][number];

/**
 * Lambda billing, from the platform's own REPORT lines rather than client timers.
 *
 * - Duration is billed per invocation, rounded up to 1 ms, × configured memory (GB = MB / 1024).
 * - Since 2025-08-01 the INIT phase is billed for every runtime, and the REPORT line's
 *   `Billed Duration` already includes `Init Duration` (AWS Compute Blog, "AWS Lambda standardizes
 *   billing for INIT Phase", 2025-04-29; custom runtimes such as provided.al2023 always did).
 *   So `billedMs` is taken as is and `initMs` is not added again, unless a caller says its
 *   billed figure excludes init (`initIncludedInBilled: false`, e.g. REPORT lines of a managed
 *   runtime from before that date).
 * - Duration tiers apply to the account's aggregate monthly GB-seconds per architecture and
 *   region. By default a run is priced as if it started at the account's first tier (0 GB-s used
 *   this month); `tierOffsetGbS` says how much was already used. The free tier is not applied.
 */

export interface LambdaReport {
  /** REPORT `Billed Duration` in ms (init included, as AWS reports it since 2025-08-01). */
  billedMs: number;
  /** REPORT `Memory Size`. */
  memoryMB: number;
  /** REPORT `Init Duration`, present on cold starts. */
  initMs?: number;
  architecture: Architecture;
  /** Configured ephemeral storage (/tmp), MB; only the part above 512 MB is billed. */
  ephemeralStorageMB?: number;
}

export type TierOffset = number | Partial<Record<Architecture, number>>;

export function tierOffsetFor(offset: TierOffset | undefined, arch: Architecture): number {
  if (offset === undefined) return 0;
  return typeof offset === 'number' ? offset : (offset[arch] ?? 0);
}

/** GB-seconds of one invocation: billed ms (1 ms granularity) × memory MB / 1024. */
export function gbSeconds(billedMs: number, memoryMB: number): number {
  return (Math.ceil(billedMs) / 1000) * (memoryMB / 1024);
}

export interface TierSlice {
  tier: number;
  gbS: number;
  gbSecondUsd: number;
  /** The tier's range of monthly GB-s, for the rule text. */
  range: string;
}

/** Splits `gbS` of new usage over the tiers, starting after `alreadyUsedGbS` this month. */
export function sliceTiers(book: PriceBook, arch: Architecture, gbS: number, alreadyUsedGbS = 0): TierSlice[] {
  const tiers = book.lambda.architectures[arch].tiers;
  const slices: TierSlice[] = [];
  let from = 0;
  let pos = alreadyUsedGbS;
  let left = gbS;
  for (let i = 0; i < tiers.length && left > 0; i++) {
    const t = tiers[i]!;
    const to = t.upToGbS ?? Infinity;
    if (pos < to) {
      const take = Math.min(left, to - pos);
      slices.push({ tier: i, gbS: take, gbSecondUsd: t.gbSecondUsd, range: t.upToGbS === null ? `over ${fmtGbS(from)}` : `${fmtGbS(from)}–${fmtGbS(t.upToGbS)}` });
      left -= take;
      pos += take;
    }
    from = to;
  }
  return slices;
}

function fmtGbS(n: number): string {
  return n >= 1e9 ? `${+(n / 1e9).toFixed(2)}B GB-s` : `${n} GB-s`;
}

export interface LambdaUsage {
  /** Sum of billed ms over all invocations (each already rounded up to 1 ms). */
  billedMs: number;
  memoryMB: number;
  architecture: Architecture;
  requests: number;
  ephemeralStorageMB?: number;
}

/**
 * Cost lines for Lambda usage of one memory size and architecture. `used` carries the month's
 * GB-seconds per architecture across calls, so several functions in one run share the tiers.
 */
export function lambdaUsageLines(resource: string, kind: string, u: LambdaUsage, book: PriceBook, used: Record<Architecture, number>): CostLine[] {
  const lines: CostLine[] = [];
  const gbS = gbSeconds(u.billedMs, u.memoryMB);
  const start = used[u.architecture];
  const slices = sliceTiers(book, u.architecture, gbS, start);
  used[u.architecture] = start + gbS;
  const basis = `${u.billedMs} billed ms (from REPORT lines, init included) × ${u.memoryMB} MB / 1024 = ${round(gbS, 3)} GB-s`;
  if (slices.length === 0) {
    lines.push({ resource, kind, quantity: 0, unit: 'GB-second', unitPriceUsd: book.lambda.architectures[u.architecture].tiers[0]!.gbSecondUsd, costUsd: 0, rule: `Lambda duration ${u.architecture}: ${basis}` });
  }
  for (const s of slices) {
    lines.push({
      resource,
      kind,
      quantity: s.gbS,
      unit: 'GB-second',
      unitPriceUsd: s.gbSecondUsd,
      costUsd: s.gbS * s.gbSecondUsd,
      rule:
        `Lambda duration ${u.architecture}, tier ${s.tier + 1} (${s.range} per month; ` +
        `${start === 0 ? 'run assumed to start at the account’s first tier' : `starting after ${round(start, 3)} GB-s already used`}): ${basis}; 1 ms granularity`,
    });
  }
  lines.push({
    resource,
    kind,
    quantity: u.requests,
    unit: 'request',
    unitPriceUsd: book.lambda.requestUsd,
    costUsd: u.requests * book.lambda.requestUsd,
    rule: `Lambda requests: ${u.requests} invocations × $${+(book.lambda.requestUsd * 1e6).toFixed(4)} per million (no free tier applied)`,
  });
  const extraMB = Math.max(0, (u.ephemeralStorageMB ?? 0) - book.lambda.freeEphemeralStorageMB);
  if (extraMB > 0) {
    const storageGbS = (u.billedMs / 1000) * (extraMB / 1024);
    lines.push({
      resource,
      kind,
      quantity: storageGbS,
      unit: 'GB-second',
      unitPriceUsd: book.lambda.ephemeralStorageGbSecondUsd,
      costUsd: storageGbS * book.lambda.ephemeralStorageGbSecondUsd,
      rule: `Lambda ephemeral storage above ${book.lambda.freeEphemeralStorageMB} MB: ${extraMB} MB / 1024 × ${u.billedMs / 1000} s`,
    });
  }
  return lines;
}

export interface LambdaReportOptions {
  /** Monthly GB-s already used before these invocations (one figure, or per architecture). */
  tierOffsetGbS?: TierOffset;
  /** false when `billedMs` excludes INIT (REPORT lines of managed runtimes before 2025-08-01). Default true. */
  initIncludedInBilled?: boolean;
  /** Resource name on the cost lines. Default "lambda". */
  resource?: string;
}

export interface LambdaGroup {
  architecture: Architecture;
  memoryMB: number;
  ephemeralStorageMB: number;
  requests: number;
  /** Billed ms summed over invocations, each rounded up to 1 ms, init included. */
  billedMs: number;
  /** Init ms summed over cold starts (informational: already inside billedMs). */
  initMs: number;
  coldStarts: number;
}

/**
 * Sums REPORT lines per (architecture, memory, ephemeral storage): what a backend writes into a
 * `lambda-invocations` ledger entry's attributes (billedMs, memoryMB, architecture, requests).
 */
export function summarizeLambdaReports(reports: LambdaReport[], opts: Pick<LambdaReportOptions, 'initIncludedInBilled'> = {}): LambdaGroup[] {
  const included = opts.initIncludedInBilled ?? true;
  const groups = new Map<string, LambdaGroup>();
  for (const r of reports) {
    const eph = r.ephemeralStorageMB ?? 512;
    const key = `${r.architecture}/${r.memoryMB}/${eph}`;
    let g = groups.get(key);
    if (!g) {
      g = { architecture: r.architecture, memoryMB: r.memoryMB, ephemeralStorageMB: eph, requests: 0, billedMs: 0, initMs: 0, coldStarts: 0 };
      groups.set(key, g);
    }
    const init = r.initMs ?? 0;
    g.requests += 1;
    g.billedMs += Math.ceil(r.billedMs) + (included ? 0 : Math.ceil(init));
    if (r.initMs !== undefined) {
      g.initMs += init;
      g.coldStarts += 1;
    }
  }
  return [...groups.values()];
}

export interface LambdaReportsCost {
  invocations: number;
  billedMs: number;
  gbSeconds: Record<Architecture, number>;
  lines: CostLine[];
  totalUsd: number;
}

/** The cost of a list of invocations, from their REPORT lines. */
export function costOfLambdaReports(reports: LambdaReport[], book: PriceBook, opts: LambdaReportOptions = {}): LambdaReportsCost {
  const used: Record<Architecture, number> = {
    x86_64: tierOffsetFor(opts.tierOffsetGbS, 'x86_64'),
    arm64: tierOffsetFor(opts.tierOffsetGbS, 'arm64'),
  };
  const gb: Record<Architecture, number> = { x86_64: 0, arm64: 0 };
  const lines: CostLine[] = [];
  let billedMs = 0;
  for (const g of summarizeLambdaReports(reports, opts)) {
    billedMs += g.billedMs;
    gb[g.architecture] += gbSeconds(g.billedMs, g.memoryMB);
    const resource = `${opts.resource ?? 'lambda'} (${g.architecture}, ${g.memoryMB} MB)`;
    lines.push(...lambdaUsageLines(resource, 'lambda-invocations', { ...g }, book, used));
  }
  return { invocations: reports.length, billedMs, gbSeconds: gb, lines, totalUsd: lines.reduce((s, l) => s + l.costUsd, 0) };
}

/**
 * Parses one Lambda `REPORT RequestId: …` log line. The architecture is not in the line; the
 * caller knows it from the function's configuration. Returns undefined for other lines.
 */
export function parseLambdaReportLine(line: string, architecture: Architecture): (LambdaReport & { durationMs: number; maxMemoryUsedMB?: number }) | undefined {
  if (!/^\s*REPORT\b/.test(line)) return undefined;
  const num = (re: RegExp): number | undefined => {
    const m = re.exec(line);
    return m ? Number(m[1]) : undefined;
  };
  const plain = line.replace(/\b(Billed|Init|Restore) Duration:/g, '');
  const dm = /\bDuration:\s*([\d.]+)\s*ms/.exec(plain);
  const durationMs = dm ? Number(dm[1]) : undefined;
  const billedMs = num(/Billed Duration:\s*([\d.]+)\s*ms/);
  const memoryMB = num(/Memory Size:\s*(\d+)\s*MB/);
  if (durationMs === undefined || billedMs === undefined || memoryMB === undefined) return undefined;
  const initMs = num(/Init Duration:\s*([\d.]+)\s*ms/);
  const maxMemoryUsedMB = num(/Max Memory Used:\s*(\d+)\s*MB/);
  return {
    durationMs,
    billedMs,
    memoryMB,
    architecture,
    ...(initMs !== undefined ? { initMs } : {}),
    ...(maxMemoryUsedMB !== undefined ? { maxMemoryUsedMB } : {}),
  };
}

function round(n: number, digits: number): number {
  return +n.toFixed(digits);
}
