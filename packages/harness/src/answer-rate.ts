import { type AnyWorkload, MIN_ANSWERS_FOR_P99, constantShape, dueTimeOf, scheduleTimeline } from '@streamscore/core';

/** Events the sample below may regenerate and pass through the oracle (a second or two of work). */
const SAMPLE_EVENTS = 1_000_000;

/**
 * Scored answers per second of measured phase a windowed query gives at a rate, from the oracle
 * over a sample of the same generator: a few horizons of events, counting the answers due in the
 * middle. Undefined when it cannot be told (per-event queries, whose answers follow the events,
 * and processing-time queries, which the oracle cannot place in windows). At high rates the
 * sample runs at a lower rate, which can only undercount (never promises answers it will not get).
 */
export function scoredAnswerRate(workload: AnyWorkload, params: Record<string, unknown>, rate: number, generatorOptions: Record<string, unknown>): number | undefined {
  if (workload.kind === 'per-event' || workload.kind === 'processing-time') return undefined;
  const { horizonMs } = workload.timing(params);
  if (!(horizonMs > 0)) return undefined;
  const spanS = Math.max(10, (3 * horizonMs) / 1000);
  const totalS = spanS + (2 * horizonMs) / 1000;
  const sampleRate = Math.min(rate, SAMPLE_EVENTS / totalS);
  const timeline = scheduleTimeline(constantShape(sampleRate, totalS), 0);
  const n = Math.floor(sampleRate * totalS);
  const source = workload.generator({ timeline, maxEvents: n, options: generatorOptions });
  const events: unknown[] = [];
  while (events.length < n && source.hasNext()) events.push(source.next());
  const rows = workload.reference(events, params);
  const from = horizonMs;
  const to = horizonMs + spanS * 1000;
  let count = 0;
  for (const r of rows) {
    const d = dueTimeOf(r, workload.output);
    if (d > from && d <= to) count++;
  }
  return count / spanS;
}

/** Seconds of measured phase for `MIN_ANSWERS_FOR_P99` scored answers at `answersPerS` (whole seconds). */
export function secondsForScoredAnswers(answersPerS: number): number {
  return answersPerS > 0 ? Math.ceil(MIN_ANSWERS_FOR_P99 / answersPerS) : Number.POSITIVE_INFINITY;
}
