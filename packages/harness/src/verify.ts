import {
  type AnyWorkload,
  type JudgedOn,
  type Timeline,
  type Row,
  compareOutputs,
  dueTimeOf,
  type Verdict,
  scheduleTimeline,
  shapeFromDescription,
} from '@streamscore/core';

export interface VerifyInput {
  workload: AnyWorkload;
  params: Record<string, unknown>;
  /** The run's timeline; without it the suite's default (what `streamscore generate` writes). */
  timeline?: Timeline;
  eventsSent: number;
  generatorOptions: Record<string, unknown>;
  actual: readonly Row[];
  cutoffMs: number | undefined;
  /** The run was interrupted or failed: answers possibly in flight are not judged missing. */
  interrupted?: boolean;
}

/**
 * Regenerates the events that were sent, runs the oracle over them, compares, and gives the
 * verdict with what it was judged on. An oracle that throws is a `fail` with its reason.
 */
export function verifyRun(v: VerifyInput): Verdict {
  let raw: Verdict;
  let judgedRows: readonly Row[] = v.actual;
  try {
    const source = v.workload.generator({ ...(v.timeline ? { timeline: v.timeline } : {}), maxEvents: v.eventsSent, options: v.generatorOptions });
    const events: unknown[] = [];
    while (events.length < v.eventsSent && source.hasNext()) events.push(source.next());
    if (v.workload.kind === 'processing-time' && v.workload.checkInvariants) {
      raw = v.workload.checkInvariants(events, v.actual, v.params);
    } else {
      const expected = v.workload.reference(events, v.params);
      judgedRows = expected;
      raw = compareOutputs(expected, v.actual, v.workload.output, v.cutoffMs === undefined ? {} : { cutoffMs: v.cutoffMs });
    }
  } catch (e) {
    raw = failedCheck(`the oracle failed: ${(e as Error).message}`);
  }
  return finalVerdict(raw, {
    eventsJudged: v.eventsSent,
    cutoffMs: v.cutoffMs ?? null,
    ...dueRange(judgedRows, v.workload, v.cutoffMs),
    interrupted: v.interrupted ?? false,
  });
}

/**
 * The verdict's final status from a check's raw one and what it was judged on. Nothing expected
 * and nothing wrong is `vacuous`, never `pass`. In an interrupted run a missing answer may have
 * been in flight, so only an answer that is wrong (unexpected) fails it; otherwise `incomplete`.
 */
export function finalVerdict(raw: Verdict, judgedOn: JudgedOn): Verdict {
  let status = raw.status;
  const notes = [...raw.notes];
  if (status === 'pass' && raw.expected === 0) status = 'vacuous';
  if (judgedOn.interrupted && (status === 'pass' || status === 'vacuous' || (status === 'fail' && raw.unexpected === 0 && raw.method !== 'none'))) {
    if (raw.missing > 0) notes.push(`the run was interrupted: ${raw.missing} missing answer(s) may have been in flight and are not judged`);
    status = 'incomplete';
  }
  return { ...raw, status, notes, judgedOn };
}

/** A verdict for a check that could not be made: `fail` (the oracle broke) or `unchecked` (not run). */
export function failedCheck(note: string): Verdict {
  return noCheck('fail', note);
}

export function uncheckedVerdict(note: string): Verdict {
  return noCheck('unchecked', note);
}

function noCheck(status: 'fail' | 'unchecked', note: string): Verdict {
  return { status, method: 'none', matched: 0, missing: 0, unexpected: 0, expected: 0, covered: 0, samples: { missing: [], unexpected: [] }, notes: [note] };
}

function dueRange(rows: readonly Row[], workload: AnyWorkload, cutoffMs: number | undefined): Pick<JudgedOn, 'dueFromMs' | 'dueToMs'> {
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (const r of rows) {
    const d = dueTimeOf(r, workload.output);
    if (Number.isNaN(d) || (cutoffMs !== undefined && d > cutoffMs)) continue;
    if (d < lo) lo = d;
    if (d > hi) hi = d;
  }
  return Number.isFinite(lo) ? { dueFromMs: lo, dueToMs: hi } : { dueFromMs: null, dueToMs: null };
}

/** The timeline a Result recorded, rebuilt so the oracle regenerates the run's events. */
export function timelineOfResult(generator: { timeline: Record<string, unknown> }): Timeline {
  const spec = generator.timeline as { kind?: string; baseTimeMs?: number; shape?: unknown };
  if (spec.kind !== 'shape' || typeof spec.baseTimeMs !== 'number') {
    throw new Error(`unsupported timeline ${JSON.stringify(spec).slice(0, 80)}`);
  }
  return scheduleTimeline(shapeFromDescription(spec.shape), spec.baseTimeMs);
}
