import { type AnsweredQuery, type AnyWorkload, type Result, type Row, type Timeline, compareOutputs, dueTimeOf, finalState } from '@streamscore/core';

type SemanticsSection = NonNullable<Result['semantics']>;

/**
 * How far a run answered by a backend's own semantics (AnsweredQuery) is from the workload's true
 * query. The events sent are regenerated; those before `answeredBeforeMs(cutoff)` are given to the
 * true query's oracle, and the answers due before that instant, read as the true query's rows, are
 * compared with it — record by record, or by final state per key for an updating query (the table
 * a consumer applying the answers as upserts would hold).
 */
export function compareWithTrueQuery(c: {
  answered: AnsweredQuery;
  workload: AnyWorkload;
  params: Record<string, unknown>;
  timeline: Timeline;
  eventsSent: number;
  generatorOptions: Record<string, unknown>;
  /** The answers as the collector kept them; undefined when it did not keep them. */
  actual: readonly Row[] | undefined;
  cutoffMs: number | undefined;
}): SemanticsSection {
  const head = { name: c.answered.name, description: c.answered.description };
  if (!c.actual) return { ...head, note: 'not compared with the true query: the run did not keep its answers (--verify-max-events)' };
  if (c.cutoffMs === undefined || c.eventsSent === 0) return { ...head, note: 'not compared with the true query: no event was sent' };
  try {
    const beforeMs = c.answered.answeredBeforeMs(c.cutoffMs);
    const source = c.workload.generator({ timeline: c.timeline, maxEvents: c.eventsSent, options: c.generatorOptions });
    const events: unknown[] = [];
    while (events.length < c.eventsSent && source.hasNext()) {
      const e = source.next();
      if (c.workload.eventTime(e) < beforeMs) events.push(e);
    }
    const expected = c.workload.reference(events, c.params);
    const answeredSpec = c.answered.workload.output;
    const given = c.answered.asTrueRows(c.actual.filter((r) => dueTimeOf(r, answeredSpec) <= beforeMs));
    const spec = c.workload.output;
    const v = compareOutputs(expected, given, spec);
    const key = spec.upsertKey;
    // By final state, a key answered with a wrong value is wrong, not also missed: missed are the
    // keys never answered.
    let missing = v.missing;
    if (key?.length) {
      const k = (r: Row) => key.map((col) => String(r[col])).join('\u0000');
      const givenKeys = new Set(finalState(given, spec).map(k));
      missing = finalState(expected, spec).filter((r) => !givenKeys.has(k(r))).length;
    }
    return {
      ...head,
      trueQuery: { expected: v.expected, matched: v.matched, missing, wrong: v.unexpected, beforeMs, method: key?.length ? 'final-state' : 'multiset' },
    };
  } catch (e) {
    return { ...head, note: `not compared with the true query: its oracle failed (${(e as Error).message})` };
  }
}
