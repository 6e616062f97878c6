import { type Backend, type Deployment, type HarnessTransport, type Interval, IntervalRecorder } from '@streamscore/core';
import type { Collector } from './collect.js';
import { phaseAt, type Schedule } from './schedule.js';
import { encoded } from './score.js';
import { CpuSampler } from './cpu.js';
import type { PinSpec } from './pin.js';

export interface Progress {
  phase: 'warmup' | 'measure' | 'post-measure' | 'drain' | 'verify';
  elapsedS: number;
  totalS: number;
  eventsIn: number;
  eventsOut: number;
  intervalRate: number;
  intervalP99Us: number;
  backlog: number;
}

/** What the sampler reads from the driver at each tick. */
export interface DriverCounts {
  readonly sent: number;
  readonly sendDelay: IntervalRecorder;
}

/** Samples one Interval record per tick: counts, latency, send delay, backlog, backend metrics. */
export class IntervalSampler {
  readonly intervals: Interval[] = [];
  private lastTickSent = 0;
  private lastTickOut = 0;
  /** Schedule time (s) of the previous tick: where the next interval starts. */
  private lastTickS = 0;
  private readonly cpu: CpuSampler;

  constructor(
    private readonly p: {
      schedule: Schedule;
      intervalS: number;
      baseTimeMs: number;
      backend: Backend;
      deployment: Deployment;
      transport: HarnessTransport;
      collector: Collector;
      driver: DriverCounts;
      errors: string[];
      onProgress?: (p: Progress) => void;
      pin?: PinSpec;
    },
  ) {
    // Asked at every sample: a backend's processes come and go (Lambda workers, a restarted TaskManager).
    this.cpu = new CpuSampler(() => [...(p.backend.processes?.(p.deployment) ?? []), ...(p.transport.processes?.() ?? [])], undefined, p.pin);
  }

  async tick(now: number): Promise<void> {
    const { schedule, intervalS, collector, driver } = this.p;
    const { shape, scheduleS } = schedule;
    const tS = (now - this.p.baseTimeMs) / 1000;
    // An interval belongs to the phase its middle falls in (the last one may be cut short).
    const mid = Math.max(0, (this.lastTickS + tS) / 2);
    this.lastTickS = tS;
    const phase: Interval['phase'] = phaseAt(schedule, mid);
    const lat = collector.latency.drainInterval();
    const sd = driver.sendDelay.drainInterval();
    let backend: Record<string, number> = {};
    try {
      const engine = await this.p.backend.metrics(this.p.deployment);
      backend = { ...engine, ...(this.p.transport.metrics?.(engine) ?? {}) };
    } catch (e) {
      this.p.errors.push(`metrics: ${(e as Error).message}`);
    }
    const cpu = this.cpu.sample();
    const sent = driver.sent;
    const out = collector.out;
    const backlog = Math.max(0, Math.floor(shape.eventsBy(Math.min(tS, scheduleS))) - sent);
    const iv: Interval = {
      t: Math.round(tS * 1000) / 1000,
      phase,
      // Once the schedule has ended the load has stopped (the shape's last rate would extend for ever).
      targetRate: phase === 'drain' ? 0 : shape.rateAt(mid),
      eventsIn: sent - this.lastTickSent,
      eventsOut: out - this.lastTickOut,
      sendBacklog: backlog,
      latency: encoded(lat),
      sendDelay: encoded(sd),
      backend,
      cpu,
      scored: collector.takeScored(),
    };
    this.intervals.push(iv);
    this.lastTickSent = sent;
    this.lastTickOut = out;
    this.p.onProgress?.({
      phase,
      elapsedS: tS,
      totalS: scheduleS,
      eventsIn: sent,
      eventsOut: out,
      intervalRate: iv.eventsIn / intervalS,
      intervalP99Us: iv.latency.percentiles.p99,
      backlog,
    });
  }
}
