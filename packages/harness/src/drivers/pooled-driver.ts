import { IntervalRecorder, UserError, nowMs, type AnyWorkload, type HarnessTransport, type PiecewiseShape } from '@streamscore/core';
import type { Collector } from '../collect.js';
import type { PhaseClock } from '../schedule.js';
import type { MergedDrivers } from './merge.js';
import { forkDriverPool, type DriverPool } from './pool.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * The open-loop driver split over N driver processes (`--drivers N`): each process generates its
 * slice of the one stream on the run's timeline and sends each event when due on its own
 * connection. For the in-process memory transport that connection is an IPC channel into this
 * process, which hands each batch to the transport as it arrives; send delay is measured here,
 * on arrival (due time → in the transport), so it includes the IPC hop. Intervals are sampled on
 * this process's clock, as with one driver. Same fields as Driver, for the interval sampler.
 */
export class PooledDriver {
  readonly sendDelay = new IntervalRecorder();
  sent = 0;
  measureSent = 0;
  lastEventTime = 0;
  stoppedAtMs = Number.NaN;
  /** What the driver processes reported (their own send delay, host, pid, clock offset). */
  merged: MergedDrivers | undefined;

  /**
   * Forks the driver processes and waits until each has loaded the workload, before the load's
   * clock is set: their start-up is not charged to the first events.
   */
  /** Refuses what the pool cannot drive yet, before a run creates anything. */
  static check(drivers: number, transport: HarnessTransport): void {
    if (!Number.isInteger(drivers) || drivers < 1) throw new UserError(`--drivers must be a whole number ≥ 1 (got ${drivers}).`);
    if (drivers > 1 && transport.binding.kind !== 'memory') {
      // The transport bills and reports the input it writes itself; the drivers' own writers are not in its accounts yet.
      throw new UserError(`--drivers ${drivers} runs with the memory transport only for now (this backend uses ${transport.binding.kind}).`, 'Run with --drivers 1 (the default).');
    }
  }

  static async fork(o: { drivers: number; workload: AnyWorkload; generatorOptions: Record<string, unknown>; shape: PiecewiseShape; transport: HarnessTransport; signal: AbortSignal }): Promise<DriverPool> {
    PooledDriver.check(o.drivers, o.transport);
    return forkDriverPool({
      drivers: o.drivers,
      module: o.workload.module,
      workloadId: o.workload.id,
      generatorOptions: o.generatorOptions,
      segments: o.shape.segments.map((s) => ({ rate: s.rate, durationS: s.durationS })),
      sink: { kind: 'ipc' },
      signal: o.signal,
    });
  }

  constructor(
    private readonly p: {
      pool: DriverPool;
      workload: AnyWorkload;
      clock: PhaseClock;
      intervalS: number;
      transport: HarnessTransport;
      collector: Collector;
      tick: (now: number) => Promise<void>;
      verifyMax: number;
      signal: AbortSignal;
    },
  ) {}

  async run(): Promise<void> {
    const { clock, intervalS, collector, tick, transport, workload, signal } = this.p;
    let nextTick = clock.baseTimeMs + intervalS * 1000;
    let sending = true;
    // Intervals and answers go on while the drivers send, and until the schedule's end.
    const sampler = (async () => {
      while (!signal.aborted && (sending || nowMs() < clock.scheduleEndMs)) {
        const now = nowMs();
        if (now >= nextTick) {
          collector.drain();
          await tick(now);
          nextTick += intervalS * 1000;
          continue;
        }
        collector.drain();
        await sleep(Math.max(1, Math.min(20, nextTick - now)));
      }
    })();
    try {
      this.p.pool.onEvents = async (events) => {
          const now = nowMs();
          for (const e of events) {
            const due = workload.eventTime(e);
            this.sendDelay.record((now - due) * 1000);
            if (due > this.lastEventTime) this.lastEventTime = due;
          }
          this.sent += events.length;
          if (now >= clock.measureStartMs && now < clock.measureEndMs) this.measureSent += events.length;
          if (collector.keepRows && this.sent > this.p.verifyMax) collector.stopKeepingRows();
          await transport.send(events);
      };
      this.merged = await this.p.pool.start(clock.baseTimeMs);
    } finally {
      sending = false;
      await sampler;
      this.stoppedAtMs = nowMs();
    }
  }
}
