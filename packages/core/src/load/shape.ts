import { z } from 'zod';

/**
 * A load shape: the target rate over time. The schedule is fixed before the run (open loop):
 * event n falls due at timeOfEventS(n) after the start, whatever the system under test does.
 */
export interface RateShape {
  /** Target events/s at t seconds after the start. */
  rateAt(tS: number): number;
  /** Events due by t seconds after the start (not rounded). */
  eventsBy(tS: number): number;
  /** Seconds after the start at which event n falls due: the inverse of eventsBy. */
  timeOfEventS(n: number): number;
  /** Peak target rate. */
  readonly peakRate: number;
  describe(): Record<string, unknown>;
}

/** A segment of constant rate. Step, constant and drain phases are sequences of these. */
export interface Segment {
  durationS: number;
  rate: number;
}

/** Piecewise-constant rate: constant and step shapes, and any shape followed by a drain. */
export class PiecewiseShape implements RateShape {
  private readonly startsS: number[] = [];
  private readonly startEvents: number[] = [];
  readonly peakRate: number;

  constructor(
    readonly segments: readonly Segment[],
    private readonly label: Record<string, unknown> = { kind: 'piecewise' },
  ) {
    if (segments.length === 0) throw new Error('a shape needs at least one segment');
    let t = 0;
    let n = 0;
    for (const s of segments) {
      if (!(s.rate > 0) || !(s.durationS > 0)) throw new Error(`invalid segment ${JSON.stringify(s)}`);
      this.startsS.push(t);
      this.startEvents.push(n);
      t += s.durationS;
      n += s.rate * s.durationS;
    }
    this.peakRate = Math.max(...segments.map((s) => s.rate));
  }

  private segmentAtTime(tS: number): number {
    let i = 0;
    while (i + 1 < this.segments.length && this.startsS[i + 1]! <= tS) i++;
    return i;
  }

  rateAt(tS: number): number {
    return this.segments[this.segmentAtTime(tS)]!.rate;
  }

  eventsBy(tS: number): number {
    if (tS <= 0) return 0;
    const i = this.segmentAtTime(tS);
    return this.startEvents[i]! + (tS - this.startsS[i]!) * this.segments[i]!.rate;
  }

  timeOfEventS(n: number): number {
    let i = 0;
    while (i + 1 < this.segments.length && this.startEvents[i + 1]! <= n) i++;
    // The last segment extends for ever, so the schedule is defined for every n.
    return this.startsS[i]! + (n - this.startEvents[i]!) / this.segments[i]!.rate;
  }

  /** Seconds covered by the segments. */
  get durationS(): number {
    return this.segments.reduce((a, s) => a + s.durationS, 0);
  }

  /** Enough to rebuild the schedule exactly (see shapeFromDescription). */
  describe(): Record<string, unknown> {
    return { ...this.label, segments: this.segments.map((s) => ({ ...s })) };
  }
}

export const ConstantShapeSchema = z.object({ kind: z.literal('constant'), rate: z.number().positive() });

export function constantShape(rate: number, durationS: number): PiecewiseShape {
  return new PiecewiseShape([{ rate, durationS }], { kind: 'constant', rate });
}

/** Appends a segment to a shape (the drain phase). */
export function followedBy(shape: PiecewiseShape, segment: Segment, label: Record<string, unknown>): PiecewiseShape {
  return new PiecewiseShape([...shape.segments, segment], label);
}

const DescriptionSchema = z.object({ segments: z.array(z.object({ durationS: z.number(), rate: z.number() })).min(1) }).passthrough();

/** Rebuilds a schedule from a Result's description of it, so the oracle regenerates the same events. */
export function shapeFromDescription(description: unknown): PiecewiseShape {
  const d = DescriptionSchema.parse(description);
  const { segments, ...label } = d;
  return new PiecewiseShape(segments, label);
}
