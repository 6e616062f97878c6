import type { NexmarkConfig } from './config.js';
import type { Timeline, TimelineSpec } from './types.js';

/** Beam's BASE_TIME: 2015-07-15T00:00:00Z, the event time of event 0 unless wall-clock. */
export const BEAM_BASE_TIME_MS = 1436918400000;

/** Steps of Beam's SINE approximation. */
const SINE_STEPS = 10;

const US_PER_UNIT = { PER_SECOND: 1_000_000, PER_MINUTE: 60_000_000 } as const;

/** Java long division of non-negative operands. */
function ldiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/**
 * floor(n * d / 1000) for non-negative integers, exact even when n * d passes 2^53
 * (n = 1000q + r  =>  n*d/1000 = q*d + r*d/1000).
 */
function mulDiv1000(n: number, d: number): number {
  const q = Math.floor(n / 1000);
  const r = n - q * 1000;
  return q * d + Math.floor((r * d) / 1000);
}

/** Beam's RateUnit.rateToPeriodUs: (usPerUnit + rate/2) / rate in long arithmetic. */
export function rateToPeriodUs(rate: number, unit: NexmarkConfig['rateUnit']): number {
  return ldiv(US_PER_UNIT[unit] + ldiv(rate, 2), rate);
}

/**
 * Beam's RateShape.interEventDelayUs: the per-step inter-event delays (µs) each generator
 * follows, already multiplied by numEventGenerators. One entry when the rate is constant.
 */
export function beamInterEventDelaysUs(config: NexmarkConfig): number[] {
  const { firstEventRate, nextEventRate, rateUnit, numEventGenerators: g } = config;
  if (firstEventRate === nextEventRate) return [rateToPeriodUs(firstEventRate, rateUnit) * g];
  if (config.rateShape === 'SQUARE') {
    return [rateToPeriodUs(firstEventRate, rateUnit) * g, rateToPeriodUs(nextEventRate, rateUnit) * g];
  }
  const mid = (firstEventRate + nextEventRate) / 2;
  const amp = (firstEventRate - nextEventRate) / 2;
  const delays: number[] = [];
  for (let i = 0; i < SINE_STEPS; i++) {
    const r = (2 * Math.PI * i) / SINE_STEPS;
    // Java's Math.round(double) is floor(x + 0.5), like JS's Math.round for these values.
    const rate = Math.round(mid + amp * Math.cos(r));
    delays.push(rateToPeriodUs(rate, rateUnit) * g);
  }
  return delays;
}

/** Beam's RateShape.stepLengthSec: seconds spent at each step so a cycle takes ratePeriodSec. */
export function beamStepLengthSec(config: NexmarkConfig): number {
  const n = config.rateShape === 'SQUARE' ? 2 : SINE_STEPS;
  return ldiv(config.ratePeriodSec + n - 1, n);
}

export interface BeamShapeSpec {
  rateShape: NexmarkConfig['rateShape'];
  /** Inter-event delay of each step, µs, numEventGenerators included. */
  interEventDelaysUs: number[];
  stepLengthSec: number;
  eventsPerEpoch: number;
  epochPeriodMs: number;
  numGenerators: number;
}

/**
 * Beam's event-time rule (GeneratorConfig.timestampAndInterEventDelayUsForEvent) as a Timeline.
 * Constant rate: t(n) = base + floor(n * delayUs / 1000). Shaped rate: the timeline cycles
 * through the steps, each lasting floor(stepLengthSec * 1e6 / delay) events, all in Beam's
 * integer arithmetic, so t(n) matches Beam's to the millisecond.
 */
export class BeamTimeline implements Timeline {
  readonly baseTimeMs: number;
  readonly interEventDelaysUs: readonly number[];
  readonly stepLengthSec: number;
  readonly numGenerators: number;
  readonly rateShape: NexmarkConfig['rateShape'];
  /** Events in one full cycle of the steps (0 for a constant rate). */
  readonly eventsPerEpoch: number;
  /** Event-time length of one full cycle, ms (0 for a constant rate). */
  readonly epochPeriodMs: number;
  /** The delay when constant, else NaN. */
  private readonly fixedDelayUs: number;
  private readonly stepEvents: number[];
  private readonly stepOffsetMs: number[];

  constructor(params: {
    baseTimeMs: number;
    interEventDelaysUs: readonly number[];
    stepLengthSec: number;
    numGenerators: number;
    rateShape: NexmarkConfig['rateShape'];
  }) {
    if (params.interEventDelaysUs.length === 0 || params.interEventDelaysUs.some((d) => !(d > 0))) {
      throw new RangeError('inter-event delays must be positive');
    }
    this.baseTimeMs = params.baseTimeMs;
    this.interEventDelaysUs = [...params.interEventDelaysUs];
    this.stepLengthSec = params.stepLengthSec;
    this.numGenerators = params.numGenerators;
    this.rateShape = params.rateShape;
    this.stepEvents = [];
    this.stepOffsetMs = [];
    let eventsPerEpoch = 0;
    let epochPeriodMs = 0;
    if (this.interEventDelaysUs.length > 1) {
      for (const d of this.interEventDelaysUs) {
        const events = ldiv(this.stepLengthSec * 1_000_000, d);
        this.stepEvents.push(events);
        this.stepOffsetMs.push(epochPeriodMs);
        eventsPerEpoch += events;
        epochPeriodMs += ldiv(events * d, 1000);
      }
      if (eventsPerEpoch === 0) {
        // Beam would divide by zero here: every step is shorter than one inter-event delay.
        throw new RangeError('rate shape has no events per cycle: ratePeriodSec too short for the rates');
      }
    }
    this.eventsPerEpoch = eventsPerEpoch;
    this.epochPeriodMs = epochPeriodMs;
    this.fixedDelayUs = this.interEventDelaysUs.length === 1 ? (this.interEventDelaysUs[0] as number) : NaN;
  }

  timestampMs(eventNumber: number): number {
    const d = this.fixedDelayUs;
    if (d === d) return this.baseTimeMs + mulDiv1000(eventNumber, d);
    return this.shapedTimestampMs(eventNumber);
  }

  /** Inter-event delay (µs, per generator) in force at this event number. */
  interEventDelayUsAt(eventNumber: number): number {
    const d = this.fixedDelayUs;
    if (d === d) return d;
    let n = eventNumber % this.eventsPerEpoch;
    for (let i = 0; i < this.stepEvents.length; i++) {
      const events = this.stepEvents[i] as number;
      if (n < events) return this.interEventDelaysUs[i] as number;
      n -= events;
    }
    throw new Error('unreachable: eventsPerEpoch inconsistent');
  }

  private shapedTimestampMs(eventNumber: number): number {
    const epoch = Math.floor(eventNumber / this.eventsPerEpoch);
    let n = eventNumber - epoch * this.eventsPerEpoch;
    for (let i = 0; i < this.stepEvents.length; i++) {
      const events = this.stepEvents[i] as number;
      if (n < events) {
        const d = this.interEventDelaysUs[i] as number;
        return (
          this.baseTimeMs + epoch * this.epochPeriodMs + (this.stepOffsetMs[i] as number) + mulDiv1000(n, d)
        );
      }
      n -= events;
    }
    throw new Error('unreachable: eventsPerEpoch inconsistent');
  }

  describe(): TimelineSpec {
    if (this.interEventDelaysUs.length === 1) {
      return {
        kind: 'fixed-rate',
        baseTimeMs: this.baseTimeMs,
        // The delay actually applied between consecutive event numbers, numGenerators included.
        interEventDelayUs: this.fixedDelayUs,
        numGenerators: this.numGenerators,
      };
    }
    const shape: BeamShapeSpec = {
      rateShape: this.rateShape,
      interEventDelaysUs: [...this.interEventDelaysUs],
      stepLengthSec: this.stepLengthSec,
      eventsPerEpoch: this.eventsPerEpoch,
      epochPeriodMs: this.epochPeriodMs,
      numGenerators: this.numGenerators,
    };
    return { kind: 'shape', baseTimeMs: this.baseTimeMs, shape: { beam: shape } };
  }
}

/**
 * Beam's timeline for a config. The base is BEAM_BASE_TIME_MS, or the wall clock now when
 * useWallclockEventTime is set (as Beam's standardGeneratorConfig), unless given.
 */
export function beamTimeline(config: NexmarkConfig, baseTimeMs?: number): BeamTimeline {
  const base = baseTimeMs ?? (config.useWallclockEventTime ? Date.now() : BEAM_BASE_TIME_MS);
  return new BeamTimeline({
    baseTimeMs: base,
    interEventDelaysUs: beamInterEventDelaysUs(config),
    stepLengthSec: beamStepLengthSec(config),
    numGenerators: config.numEventGenerators,
    rateShape: config.rateShape,
  });
}

/** Rebuilds a timeline from a TimelineSpec written by BeamTimeline.describe(). */
export function timelineFromSpec(spec: TimelineSpec): BeamTimeline {
  if (spec.kind === 'fixed-rate') {
    return new BeamTimeline({
      baseTimeMs: spec.baseTimeMs,
      interEventDelaysUs: [spec.interEventDelayUs],
      stepLengthSec: 0,
      numGenerators: spec.numGenerators ?? 1,
      rateShape: 'SINE',
    });
  }
  const beam = (spec.shape as { beam?: BeamShapeSpec } | null)?.beam;
  if (!beam) throw new TypeError('not a Beam shape timeline spec');
  return new BeamTimeline({
    baseTimeMs: spec.baseTimeMs,
    interEventDelaysUs: beam.interEventDelaysUs,
    stepLengthSec: beam.stepLengthSec,
    numGenerators: beam.numGenerators,
    rateShape: beam.rateShape,
  });
}
