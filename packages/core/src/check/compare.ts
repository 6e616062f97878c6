import type { OutputSpec, Row, Scalar } from '../contracts/rows.js';
import type { Verdict } from '../result/schema.js';

export interface CompareOptions {
  /**
   * Only records due at or before this instant (ms) are compared: the answers that must be final
   * when the run ended. Undefined compares everything.
   */
  cutoffMs?: number;
  /** How many missing/unexpected records to keep as samples. */
  sampleSize?: number;
}

const SEP = '\u0001';

function timestampMs(v: Scalar): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string') {
    if (/^\d+$/.test(v)) return Number(v);
    // Flink writes TIMESTAMP(3) as "2015-07-15 00:00:10.000" (UTC in our DDL).
    const iso = v.includes('T') ? v : v.replace(' ', 'T');
    const t = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(iso) ? iso : `${iso}Z`);
    if (!Number.isNaN(t)) return t;
  }
  return Number.NaN;
}

/**
 * The canonical text of a record: its declared columns in order, values normalised by type.
 * Decimals are rounded to `decimalPlaces` (default 3, the scale of NEXMark's DECIMAL(23,3)),
 * so engines that compute them in binary floating point still compare equal.
 */
export function canonicalRow(row: Row, spec: OutputSpec): string {
  const places = spec.decimalPlaces ?? 3;
  const parts: string[] = [];
  for (const c of spec.columns) {
    const v = row[c.name];
    let s: string;
    if (v === null || v === undefined) s = '∅';
    else if (c.type === 'decimal') s = Number(v).toFixed(places);
    else if (c.type === 'bigint') s = String(typeof v === 'string' ? Number(v) : v);
    else if (c.type === 'timestamp') s = String(timestampMs(v));
    else s = String(v);
    parts.push(s);
  }
  return parts.join(SEP);
}

export function dueTimeOf(row: Row, spec: OutputSpec): number {
  const v = row[spec.dueTimeColumn];
  return v === undefined || v === null ? Number.NaN : timestampMs(v);
}

/** An upsert stream reduced to its final state: the last record per key wins; `_op: 'delete'` removes. */
export function finalState(rows: readonly Row[], spec: OutputSpec): Row[] {
  const key = spec.upsertKey;
  if (!key || key.length === 0) return [...rows];
  const last = new Map<string, Row>();
  for (const r of rows) {
    const k = key.map((c) => String(r[c])).join(SEP);
    if (r['_op'] === 'delete') last.delete(k);
    else last.set(k, r);
  }
  return [...last.values()];
}

/**
 * Compares an output stream with the oracle as multisets of canonical records (final states for
 * updating queries), so ordering and timing differences between engines are not wrong answers.
 */
export function compareOutputs(
  expected: readonly Row[],
  actual: readonly Row[],
  spec: OutputSpec,
  options: CompareOptions = {},
): Verdict {
  const sampleSize = options.sampleSize ?? 5;
  const updating = !!spec.upsertKey?.length;
  const exp = updating ? finalState(expected, spec) : expected;
  const act = updating ? finalState(actual, spec) : actual;
  const cutoff = options.cutoffMs;
  const inScope = (r: Row) => cutoff === undefined || !(dueTimeOf(r, spec) > cutoff);

  const want = new Map<string, { row: Row; n: number }>();
  let expectedCount = 0;
  let outOfScope = 0;
  for (const r of exp) {
    if (!inScope(r)) {
      outOfScope++;
      continue;
    }
    expectedCount++;
    const k = canonicalRow(r, spec);
    const slot = want.get(k);
    if (slot) slot.n++;
    else want.set(k, { row: r, n: 1 });
  }
  let matched = 0;
  let unexpected = 0;
  // An unexpected record equal to an expected one that was already matched arrived twice.
  let duplicated = 0;
  const unexpectedSamples: Row[] = [];
  let ignoredLate = 0;
  for (const r of act) {
    if (!inScope(r)) {
      ignoredLate++;
      continue;
    }
    const k = canonicalRow(r, spec);
    const slot = want.get(k);
    if (slot && slot.n > 0) {
      slot.n--;
      matched++;
    } else {
      unexpected++;
      if (slot) duplicated++;
      if (unexpectedSamples.length < sampleSize) unexpectedSamples.push(r);
    }
  }
  let missing = 0;
  const missingSamples: Row[] = [];
  for (const { row, n } of want.values()) {
    if (n <= 0) continue;
    missing += n;
    if (missingSamples.length < sampleSize) missingSamples.push(row);
  }
  const notes: string[] = [];
  if (cutoff !== undefined && (outOfScope > 0 || ignoredLate > 0)) {
    notes.push(
      `${outOfScope} expected and ${ignoredLate} produced record(s) fall due after the cut-off ${new Date(cutoff).toISOString()} and are not judged`,
    );
  }
  if (expectedCount === 0) notes.push('the oracle expects no records in scope: the check is vacuous for this run');
  const covered = new Set<number>();
  for (const r of exp) if (inScope(r)) covered.add(dueTimeOf(r, spec));
  return {
    // Nothing due and nothing produced proves nothing: vacuous, never pass.
    status: missing > 0 || unexpected > 0 ? 'fail' : expectedCount === 0 ? 'vacuous' : 'pass',
    method: updating ? 'final-state' : 'multiset',
    matched,
    missing,
    unexpected,
    expected: expectedCount,
    covered: covered.size,
    samples: { missing: missingSamples, unexpected: unexpectedSamples },
    notes,
    duplicated,
    ...deliveryOf(missing, unexpected, duplicated, updating, expectedCount),
  };
}

/**
 * The delivery an answer shows, when its only faults are records missing or repeated. Records
 * missing: lossy. Nothing missing and every extra record a repeat: at-least-once. Neither:
 * exactly-once. An extra record that is not a repeat is a wrong answer, and a wrong value also
 * shows as a record missing: then delivery is not told. A final-state check cannot see repeats
 * (an upsert written twice leaves the same state), so it only tells lossy.
 */
function deliveryOf(missing: number, unexpected: number, duplicated: number, updating: boolean, expected: number): { delivery?: Verdict['delivery'] } {
  if (expected === 0 || unexpected > duplicated) return {};
  if (missing > 0) return { delivery: 'lossy' };
  if (updating) return {};
  return { delivery: duplicated > 0 ? 'at-least-once' : 'exactly-once' };
}
