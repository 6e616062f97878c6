import { constantShape, followedBy, type PiecewiseShape } from '@streamscore/core';

/**
 * The phases of a run's load:
 * - warm-up and measured phase at the requested shape;
 * - post-measure: the load goes on at the shape's final rate for the query's horizon (window +
 *   watermark delay, plus a second), so every answer due within the measured phase becomes due
 *   and final while the system still carries the target load; these events are generated and
 *   sent like the others, and their answers are not scored;
 * - drain: the load stops; in-flight answers are collected (see settle.ts).
 */
export interface Schedule {
  /** The shape the caller asked for: warm-up and measurement. */
  measured: PiecewiseShape;
  /** The shape the driver follows: `measured`, then the post-measure continuation. */
  shape: PiecewiseShape;
  warmupS: number;
  durationS: number;
  /** Seconds of load at the target rate after the measured phase. */
  postMeasureS: number;
  postMeasureRate: number;
  /** warm-up + measurement + post-measure: when the driver stops sending. */
  scheduleS: number;
}

export function planSchedule(o: { rate: number; shape?: PiecewiseShape; warmupS: number; durationS: number; horizonMs: number }): Schedule {
  const measured = o.shape ?? constantShape(o.rate, o.warmupS + o.durationS);
  const postMeasureS = postMeasureSeconds(o.horizonMs);
  const last = measured.segments[measured.segments.length - 1]!;
  const postMeasureRate = last.rate;
  const shape =
    postMeasureS > 0
      ? followedBy(measured, { durationS: postMeasureS, rate: postMeasureRate }, { ...measured.describe(), postMeasure: { durationS: postMeasureS, rate: postMeasureRate } })
      : measured;
  return { measured, shape, warmupS: o.warmupS, durationS: o.durationS, postMeasureS, postMeasureRate, scheduleS: o.warmupS + o.durationS + postMeasureS };
}

/** The post-measure continuation for a query's horizon (0 for per-event queries). */
export function postMeasureSeconds(horizonMs: number): number {
  return horizonMs > 0 ? Math.ceil((horizonMs + 1000) / 1000) : 0;
}

/** The schedule's phases on the wall clock, once the base time is fixed. */
export interface PhaseClock {
  baseTimeMs: number;
  measureStartMs: number;
  /** Answers due from measureStartMs to here (inclusive) are scored. */
  measureEndMs: number;
  scheduleEndMs: number;
}

export function phaseClock(s: Schedule, baseTimeMs: number): PhaseClock {
  const measureStartMs = baseTimeMs + s.warmupS * 1000;
  const measureEndMs = measureStartMs + s.durationS * 1000;
  return { baseTimeMs, measureStartMs, measureEndMs, scheduleEndMs: baseTimeMs + s.scheduleS * 1000 };
}

/** The phase an instant of the schedule (s from base) falls in. */
export function phaseAt(s: Schedule, tS: number): 'warmup' | 'measure' | 'post-measure' | 'drain' {
  if (tS < s.warmupS) return 'warmup';
  if (tS < s.warmupS + s.durationS) return 'measure';
  if (tS < s.scheduleS) return 'post-measure';
  return 'drain';
}
