import type { AnyWorkload, Timeline } from '../contracts/workload.js';
import type { Row } from '../contracts/rows.js';
import { compareOutputs } from '../check/compare.js';
import type { Verdict } from '../result/schema.js';

export interface VerifyInput {
  workload: AnyWorkload;
  params: Record<string, unknown>;
  timeline: Timeline;
  eventsSent: number;
  generatorOptions: Record<string, unknown>;
  actual: readonly Row[];
  cutoffMs: number | undefined;
}

/** Regenerates the events that were sent, runs the oracle over them, and compares. */
export function verifyRun(v: VerifyInput): Verdict {
  const source = v.workload.generator({ timeline: v.timeline, maxEvents: v.eventsSent, options: v.generatorOptions });
  const events: unknown[] = [];
  while (events.length < v.eventsSent && source.hasNext()) events.push(source.next());
  if (v.workload.kind === 'processing-time' && v.workload.checkInvariants) {
    return v.workload.checkInvariants(events, v.actual, v.params);
  }
  const expected = v.workload.reference(events, v.params);
  return compareOutputs(expected, v.actual, v.workload.output, v.cutoffMs === undefined ? {} : { cutoffMs: v.cutoffMs });
}
