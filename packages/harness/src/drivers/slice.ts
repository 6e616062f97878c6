import type { EventSource } from '@streamscore/core';

/** Which part of the one stream a driver generates. */
export interface DriverSlice {
  /** This driver, 0-based. */
  index: number;
  /** Drivers in the run. */
  drivers: number;
  /** Consecutive event numbers per block. Default 1,024. */
  block?: number;
}

export const DEFAULT_SLICE_BLOCK = 1024;

/** A generator positioned at `firstEventNumber`, producing `maxEvents` events (the workload's own). */
export type RangeGenerator<E> = (firstEventNumber: number, maxEvents: number) => EventSource<E>;

/**
 * One driver's slice of the deterministic stream: event numbers are dealt in blocks, block b to
 * driver b mod N, so every driver keeps pace with the one timeline (each sends about 1/N of every
 * second's events) and the union of the N slices is the single generator's stream, event for
 * event — the generators produce event n identically from any starting point. (Beam's
 * GeneratorConfig.split gives each sub-generator its own id range on its own timeline instead;
 * that stream is not the single generator's, so the oracle could not regenerate it.)
 */
export class SlicedSource<E> implements EventSource<E> {
  private readonly block: number;
  private blockStart: number;
  private current: EventSource<E> | undefined;
  private readonly end: number;

  constructor(
    private readonly generate: RangeGenerator<E>,
    private readonly slice: DriverSlice,
    /** Total events of the whole stream (all drivers); Infinity when unbounded. */
    totalEvents = Number.POSITIVE_INFINITY,
    private readonly firstEventNumber = 0,
  ) {
    if (!Number.isInteger(slice.drivers) || slice.drivers < 1) throw new RangeError(`drivers must be a positive integer, got ${slice.drivers}`);
    if (!Number.isInteger(slice.index) || slice.index < 0 || slice.index >= slice.drivers) throw new RangeError(`driver index ${slice.index} is not in 0..${slice.drivers - 1}`);
    this.block = slice.block ?? DEFAULT_SLICE_BLOCK;
    this.end = firstEventNumber + totalEvents;
    this.blockStart = firstEventNumber + slice.index * this.block;
  }

  private source(): EventSource<E> | undefined {
    while (this.blockStart < this.end) {
      if (this.current?.hasNext()) return this.current;
      if (this.current) this.blockStart += this.slice.drivers * this.block;
      if (this.blockStart >= this.end) break;
      this.current = this.generate(this.blockStart, Math.min(this.block, this.end - this.blockStart));
      if (this.current.hasNext()) return this.current;
    }
    this.current = undefined;
    return undefined;
  }

  get nextEventNumber(): number {
    return this.source()?.nextEventNumber ?? this.end;
  }

  hasNext(): boolean {
    return this.source() !== undefined;
  }

  next(): E {
    const s = this.source();
    if (!s) throw new Error(`driver ${this.slice.index} of ${this.slice.drivers}: no events left in its slice`);
    return s.next();
  }

  dueTimeMs(eventNumber: number): number {
    return (this.current ?? this.generate(this.firstEventNumber, 1)).dueTimeMs(eventNumber);
  }
}
