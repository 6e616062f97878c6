import { constantShape, followedBy, type PiecewiseShape } from '@streamscore/core';

/** When each phase of a run starts and ends, on the schedule's clock (seconds from base time). */
export interface Schedule {
  /** The shape the caller asked for: warm-up and measurement. */
  measured: PiecewiseShape;
  /** The shape the driver follows: `measured`, then the continuation that lets answers fall due. */
  shape: PiecewiseShape;
  warmupS: number;
  durationS: number;
  drainS: number;
  drainRate: number;
  /** warm-up + measurement + drain. */
  scheduleS: number;
}

/**
 * The load schedule: warm-up and measurement at the requested shape, then a drain long enough
 * for the query's horizon so windows that close after the measured phase still get input.
 */
export function planSchedule(o: { rate: number; shape?: PiecewiseShape; warmupS: number; durationS: number; horizonMs: number }): Schedule {
  const measured = o.shape ?? constantShape(o.rate, o.warmupS + o.durationS);
  const drainS = o.horizonMs > 0 ? Math.ceil((o.horizonMs + 1000) / 1000) : 0;
  const drainRate = Math.min(measured.peakRate, 1000);
  const shape = drainS > 0 ? followedBy(measured, { durationS: drainS, rate: drainRate }, { ...measured.describe(), drain: { durationS: drainS, rate: drainRate } }) : measured;
  return { measured, shape, warmupS: o.warmupS, durationS: o.durationS, drainS, drainRate, scheduleS: o.warmupS + o.durationS + drainS };
}

/** The schedule's phases on the wall clock, once the base time is fixed. */
export interface PhaseClock {
  baseTimeMs: number;
  measureStartMs: number;
  measureEndMs: number;
  /** Answers due up to here are scored: the measured phase plus the query's horizon. */
  scoredUntilMs: number;
  scheduleEndMs: number;
}

export function phaseClock(s: Schedule, baseTimeMs: number, horizonMs: number): PhaseClock {
  const measureStartMs = baseTimeMs + s.warmupS * 1000;
  const measureEndMs = measureStartMs + s.durationS * 1000;
  return { baseTimeMs, measureStartMs, measureEndMs, scoredUntilMs: measureEndMs + horizonMs, scheduleEndMs: baseTimeMs + s.scheduleS * 1000 };
}
