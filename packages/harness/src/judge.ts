import type { AnyWorkload, Row, Timeline, Verdict } from '@streamscore/core';
import { verifyRun } from './verify.js';

/** The verdict of a run: the oracle regenerates exactly the events that were sent. */
export function judgeRun(j: {
  workload: AnyWorkload;
  params: Record<string, unknown>;
  timeline: Timeline;
  eventsSent: number;
  generatorOptions: Record<string, unknown>;
  actual: readonly Row[];
  keptRows: boolean;
  verifyMax: number;
  watermarkDelayMs: number;
  horizonMs: number;
  lastEventTime: number;
  errors: string[];
}): Verdict {
  if (!j.keptRows) {
    return skipped(`the run sent ${j.eventsSent} events, more than --verify-max-events ${j.verifyMax}; the answer was not checked`);
  }
  try {
    return verifyRun({
      workload: j.workload,
      params: j.params,
      timeline: j.timeline,
      eventsSent: j.eventsSent,
      generatorOptions: j.generatorOptions,
      actual: j.actual,
      cutoffMs: j.horizonMs > 0 ? j.lastEventTime - j.watermarkDelayMs : undefined,
    });
  } catch (e) {
    j.errors.push(`verify: ${(e as Error).message}`);
    return skipped(`verification failed to run: ${(e as Error).message}`);
  }
}

function skipped(note: string): Verdict {
  return { status: 'skipped', method: 'none', matched: 0, missing: 0, unexpected: 0, expected: 0, covered: 0, samples: { missing: [], unexpected: [] }, notes: [note] };
}
