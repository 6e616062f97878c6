import type { AnyWorkload, Row, Timeline, Verdict } from '@streamscore/core';
import { uncheckedVerdict, verifyRun } from './verify.js';
import type { AnswerDigest } from './answer-digest.js';
import { verifyStream } from './verify-stream.js';

/**
 * The verdict of a run: the oracle regenerates exactly the events that were sent. Windowed
 * answers are judged up to the cut-off the last event's watermark allows; an interrupted or
 * failed run is judged as such (see finalVerdict).
 */
export function judgeRun(j: {
  workload: AnyWorkload;
  params: Record<string, unknown>;
  timeline: Timeline;
  eventsSent: number;
  generatorOptions: Record<string, unknown>;
  actual: readonly Row[];
  /** The answer as the collector digested it, for workloads with a streaming oracle; disposed here. */
  answers?: AnswerDigest | undefined;
  keptRows: boolean;
  verifyMax: number;
  watermarkDelayMs: number;
  horizonMs: number;
  lastEventTime: number;
  /** The run did not end as planned (interrupted, or an error). */
  interrupted: boolean;
  /** Why, when it did not. */
  reason?: string;
}): Verdict {
  if (!j.keptRows) {
    j.answers?.dispose();
    return uncheckedVerdict(`verification opted out: the run sent ${j.eventsSent} events, more than --verify-max-events ${j.verifyMax}`);
  }
  const input = {
    workload: j.workload,
    params: j.params,
    timeline: j.timeline,
    eventsSent: j.eventsSent,
    generatorOptions: j.generatorOptions,
    cutoffMs: j.horizonMs > 0 && j.eventsSent > 0 ? j.lastEventTime - j.watermarkDelayMs : undefined,
    interrupted: j.interrupted,
  };
  let v: Verdict;
  if (j.answers) {
    try {
      v = verifyStream({ ...input, actual: j.answers });
    } finally {
      j.answers.dispose();
    }
  } else v = verifyRun({ ...input, actual: j.actual });
  return j.interrupted && j.reason ? { ...v, notes: [`the run did not complete: ${j.reason}`, ...v.notes] } : v;
}
