import { type AnyWorkload, type Emit, type Row, type Verdict, canonicalRow, compareOutputs, dueTimeOf } from '@streamscore/core';
import type { AnswerDigest } from './answer-digest.js';
import { MultisetDigest, bucketOf } from './digest.js';
import { type VerifyInput, failedCheck, finalVerdict } from './verify.js';

export interface StreamVerifyInput extends Omit<VerifyInput, 'actual'> {
  /** What the run answered, as the collector digested it (same bucket width is used for the oracle). */
  actual: AnswerDigest;
  /** Missing/unexpected records shown (default 5, as compareOutputs). */
  sampleSize?: number;
  /**
   * At most this many records (expected plus actual) of the buckets that differ are read back
   * and compared record by record; beyond it the counts are lower bounds, said in a note.
   */
  resolveLimit?: number;
}

/** True when the workload can be verified in bounded memory (it has a streaming oracle). */
export function canVerifyStreaming(workload: AnyWorkload): boolean {
  return typeof workload.incrementalReference === 'function';
}

interface ExpectedBucket {
  digest: MultisetDigest;
  /** Distinct due times while rows can still arrive in this bucket; then only their number. */
  dues: Set<number> | undefined;
  distinct: number;
}

/**
 * Verifies a run of any size in bounded memory: regenerates the events in order, pushes them
 * through the workload's streaming oracle, digests the expected records per due-time bucket as
 * the answer was digested, and compares bucket by bucket. Buckets whose digests differ are
 * compared record by record (the oracle is run a second time for them and the answer's records
 * are read back from its spool), so the verdict is `verifyRun`'s over the same records: same
 * counts, samples (in canonical form), final status and what it was judged on.
 */
export function verifyStream(v: StreamVerifyInput): Verdict {
  let raw: Verdict;
  let due = { dueFromMs: null as number | null, dueToMs: null as number | null };
  try {
    ({ raw, due } = checkStream(v));
  } catch (e) {
    raw = failedCheck(`the oracle failed: ${(e as Error).message}`);
  }
  return finalVerdict(raw, { eventsJudged: v.eventsSent, cutoffMs: v.cutoffMs ?? null, ...due, interrupted: v.interrupted ?? false });
}

function checkStream(v: StreamVerifyInput): { raw: Verdict; due: { dueFromMs: number | null; dueToMs: number | null } } {
  const { workload, actual, cutoffMs } = v;
  const spec = workload.output;
  const B = actual.bucketMs;
  const updating = !!spec.upsertKey?.length;
  const inScope = (due: number) => cutoffMs === undefined || !(due > cutoffMs);

  // Pass 1: the oracle's records, digested per bucket.
  const expected = new Map<number, ExpectedBucket>();
  let outOfScope = 0;
  let anchor: Row | undefined;
  let dueFrom = Number.POSITIVE_INFINITY;
  let dueTo = Number.NEGATIVE_INFINITY;
  let open: number[] = [];
  let sealedBelow = Number.NEGATIVE_INFINITY;
  driveOracle(
    v,
    (row) => {
      const due = dueTimeOf(row, spec);
      if (!inScope(due)) {
        outOfScope++;
        return;
      }
      anchor ??= row;
      if (due < dueFrom) dueFrom = due;
      if (due > dueTo) dueTo = due;
      const b = bucketOf(due, B);
      let bucket = expected.get(b);
      if (bucket === undefined) {
        bucket = { digest: new MultisetDigest(), dues: new Set(), distinct: 0 };
        expected.set(b, bucket);
        open.push(b);
      }
      bucket.digest.add(canonicalRow(row, spec));
      if (bucket.dues === undefined) throw new Error(`the ${workload.id} oracle emitted a record due ${due} after event time had passed it (bucket already sealed)`);
      bucket.dues.add(due);
    },
    (low) => {
      // Append-only oracles emit nothing due before the time that has passed, so a bucket wholly
      // before it is complete: keep only how many distinct due times it had. Updating oracles
      // emit final states late, so their buckets stay open (their due times are their keys').
      const below = bucketOf(low, B);
      if (updating || !(below > sealedBelow)) return;
      sealedBelow = below;
      open = open.filter((b) => {
        if (!((b + 1) * B <= low)) return true;
        const bucket = expected.get(b)!;
        bucket.distinct = bucket.dues!.size;
        bucket.dues = undefined;
        return false;
      });
    },
  );

  // Compare per bucket.
  const got = actual.inScope(cutoffMs);
  let expectedTotal = 0;
  let covered = 0;
  let matchedElsewhere = 0;
  const differing: { bucket: number; records: number }[] = [];
  for (const [b, e] of expected) {
    expectedTotal += e.digest.count;
    covered += e.dues?.size ?? e.distinct;
    const a = got.digests.get(b);
    if (a !== undefined && a.equals(e.digest)) matchedElsewhere += e.digest.count;
    else differing.push({ bucket: b, records: e.digest.count + (a?.count ?? 0) });
  }
  for (const [b, a] of got.digests) if (!expected.has(b)) differing.push({ bucket: b, records: a.count });

  // Pass 2: the differing buckets, record by record, up to the limit.
  const limit = v.resolveLimit ?? 2_000_000;
  differing.sort((x, y) => x.bucket - y.bucket || (Number.isNaN(x.bucket) ? 1 : -1));
  const resolve = new Set<number>();
  let budget = limit;
  const unresolved: number[] = [];
  for (const d of differing) {
    if (d.records <= budget) {
      resolve.add(d.bucket);
      budget -= d.records;
    } else unresolved.push(d.bucket);
  }
  const expRows: Row[] = [];
  const actRows: Row[] = [];
  if (resolve.size > 0) {
    driveOracle(v, (row) => {
      const due = dueTimeOf(row, spec);
      if (inScope(due) && resolve.has(bucketOf(due, B))) expRows.push(row);
    });
    actRows.push(...actual.rowsIn(resolve, cutoffMs));
  } else if (anchor !== undefined) {
    // Nothing differs: compare one matched record so the verdict's method and delivery come
    // from the one checker (core's compareOutputs) exactly as for the whole answer.
    expRows.push(anchor);
    actRows.push(anchor);
    matchedElsewhere--;
  }
  const exact = compareOutputs(expRows, actRows, spec, { sampleSize: v.sampleSize ?? 5 });
  let missing = exact.missing;
  let unexpected = exact.unexpected;
  for (const b of unresolved) {
    const e = expected.get(b)?.digest.count ?? 0;
    const a = got.digests.get(b)?.count ?? 0;
    // The least that can explain the difference: the surplus on each side, or one changed record.
    missing += Math.max(1, e - a);
    unexpected += Math.max(e === a ? 1 : 0, a - e);
  }

  const notes: string[] = [];
  if (cutoffMs !== undefined && (outOfScope > 0 || got.late > 0)) {
    notes.push(
      `${outOfScope} expected and ${got.late} produced record(s) fall due after the cut-off ${new Date(cutoffMs).toISOString()} and are not judged`,
    );
  }
  if (expectedTotal === 0) notes.push('the oracle expects no records in scope: the check is vacuous for this run');
  notes.push(
    `verified in bounded memory: ${expected.size} due-time bucket(s) of ${B} ms compared by digest, ${differing.length} differed` +
      (differing.length > 0 ? ` (${resolve.size} compared record by record)` : ''),
  );
  if (unresolved.length > 0) {
    notes.push(
      `${unresolved.length} differing bucket(s) held more records than the ${limit.toLocaleString('en-US')} compared record by record: their missing and unexpected counts are lower bounds`,
    );
  }
  const verdict: Verdict = {
    ...exact,
    status: missing === 0 && unexpected === 0 ? exact.status : 'fail',
    matched: exact.matched + matchedElsewhere,
    missing,
    unexpected,
    expected: expectedTotal,
    covered,
    notes,
  };
  // The subset's delivery says nothing of the buckets left unresolved.
  if (unresolved.length > 0) delete verdict.delivery;
  return { raw: verdict, due: Number.isFinite(dueFrom) ? { dueFromMs: dueFrom, dueToMs: dueTo } : { dueFromMs: null, dueToMs: null } };
}

/**
 * Regenerates the run's events in order and pushes them through the streaming oracle, telling
 * it when event time has passed: from the generator's own bound where it has one (NEXMark's
 * out-of-order groups), else from the query's declared watermark delay. An event earlier than
 * what the oracle was told had passed would make its answer inexact: that is an error, never a
 * silent difference.
 */
function driveOracle(v: StreamVerifyInput, emit: Emit, onAdvance?: (lowMs: number) => void): void {
  const { workload, params } = v;
  if (!workload.incrementalReference) throw new Error(`${workload.id} has no streaming oracle`);
  const oracle = workload.incrementalReference(params);
  const source = workload.generator({ ...(v.timeline ? { timeline: v.timeline } : {}), maxEvents: v.eventsSent, options: v.generatorOptions });
  const bounded = typeof source.watermarkMs === 'function';
  const delay = workload.timing(params).watermarkDelayMs;
  let low = Number.NEGATIVE_INFINITY;
  const advance = (to: number) => {
    low = to;
    oracle.advance(low, emit);
    onAdvance?.(low);
  };
  for (let seen = 0; seen < v.eventsSent && source.hasNext(); seen++) {
    const n = source.nextEventNumber;
    if (bounded) {
      const w = source.watermarkMs!(n);
      if (w > low) advance(w);
    }
    const e = source.next();
    const t = workload.eventTime(e);
    if (t < low) {
      throw new Error(
        `event ${n} has event time ${new Date(t).toISOString()}, before ${new Date(low).toISOString()}, which the oracle had been told was past: the generator's disorder exceeds ${bounded ? 'its own bound' : `the query's watermark delay (${delay} ms)`}`,
      );
    }
    oracle.push(e, emit);
    if (!bounded && t - delay > low) advance(t - delay);
  }
  oracle.end(emit);
}
