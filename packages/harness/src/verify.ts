import {
  type AnyWorkload,
  type Timeline,
  type Row,
  compareOutputs,
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
}

/** Regenerates the events that were sent, runs the oracle over them, and compares. */
export function verifyRun(v: VerifyInput): Verdict {
  const source = v.workload.generator({ ...(v.timeline ? { timeline: v.timeline } : {}), maxEvents: v.eventsSent, options: v.generatorOptions });
  const events: unknown[] = [];
  while (events.length < v.eventsSent && source.hasNext()) events.push(source.next());
  if (v.workload.kind === 'processing-time' && v.workload.checkInvariants) {
    return v.workload.checkInvariants(events, v.actual, v.params);
  }
  const expected = v.workload.reference(events, v.params);
  return compareOutputs(expected, v.actual, v.workload.output, v.cutoffMs === undefined ? {} : { cutoffMs: v.cutoffMs });
}

/** The timeline a Result recorded, rebuilt so the oracle regenerates the run's events. */
export function timelineOfResult(generator: { timeline: Record<string, unknown> }): Timeline {
  const spec = generator.timeline as { kind?: string; baseTimeMs?: number; shape?: unknown };
  if (spec.kind !== 'shape' || typeof spec.baseTimeMs !== 'number') {
    throw new Error(`unsupported timeline ${JSON.stringify(spec).slice(0, 80)}`);
  }
  return scheduleTimeline(shapeFromDescription(spec.shape), spec.baseTimeMs);
}
