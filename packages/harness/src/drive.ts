import { type EventSource, type HarnessTransport, IntervalRecorder, type Timeline, nowMs } from '@streamscore/core';
import type { Collector } from './collect.js';
import type { PhaseClock } from './schedule.js';

const BATCH = 2048;

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export const yieldToLoop = () => new Promise<void>((r) => setImmediate(r));

/**
 * The open-loop driver: every event is due at its event time; nothing waits for the system.
 * Between sends it takes the answers that arrived and samples an interval when one is due.
 */
export class Driver {
  /** Send delay (how late each event left against its due time), drained per interval. */
  readonly sendDelay = new IntervalRecorder();
  sent = 0;
  /**
   * Events due within the measured phase and sent before it ended: the achieved rate's numerator
   * (catching up on a warm-up backlog does not count, so it never exceeds the target).
   */
  measureSent = 0;
  /** Due time of the last event sent. */
  lastEventTime = 0;
  /** When the driver stopped sending (schedule over, or interrupted); NaN while it runs. */
  stoppedAtMs = Number.NaN;

  constructor(
    private readonly p: {
      source: EventSource<unknown>;
      timeline: Timeline;
      clock: PhaseClock;
      intervalS: number;
      transport: HarnessTransport;
      collector: Collector;
      /** Samples an interval (called when one is due). */
      tick: (now: number) => Promise<void>;
      /** Above this many events sent, the collector stops keeping rows. */
      verifyMax: number;
      signal: AbortSignal;
    },
  ) {}

  async run(): Promise<void> {
    const { source, timeline, clock, intervalS, transport, collector, tick, verifyMax, signal } = this.p;
    const { measureStartMs, measureEndMs, scheduleEndMs } = clock;
    let nextTick = clock.baseTimeMs + intervalS * 1000;
    const batch: unknown[] = [];
    let nextDue = timeline.timestampMs(source.nextEventNumber);
    while (!signal.aborted && source.hasNext()) {
      const now = nowMs();
      if (now >= nextTick) {
        collector.drain();
        await tick(now);
        nextTick += intervalS * 1000;
        continue;
      }
      // Everything is sent: keep collecting (and sampling) until the schedule's end, so the
      // last interval of the load is a whole one.
      const until = nextDue >= scheduleEndMs ? scheduleEndMs : nextDue;
      if (nextDue >= scheduleEndMs && now >= scheduleEndMs) break;
      if (until > now) {
        collector.drain();
        const wait = Math.min(until, nextTick) - now;
        if (wait >= 2) await sleep(wait - 1);
        else await yieldToLoop();
        continue;
      }
      // Send everything due, in batches; send delay is recorded per run of equal due times.
      let runDue = nextDue;
      let runCount = 0;
      let measured = 0;
      while (batch.length < BATCH && nextDue <= now && nextDue < scheduleEndMs && source.hasNext()) {
        batch.push(source.next());
        if (nextDue >= measureStartMs && nextDue < measureEndMs) measured++;
        if (nextDue !== runDue) {
          this.sendDelay.recordN((now - runDue) * 1000, runCount);
          runDue = nextDue;
          runCount = 0;
        }
        runCount++;
        this.lastEventTime = nextDue;
        nextDue = timeline.timestampMs(source.nextEventNumber);
      }
      if (runCount > 0) this.sendDelay.recordN((now - runDue) * 1000, runCount);
      this.sent += batch.length;
      if (now <= measureEndMs) this.measureSent += measured;
      if (collector.keepRows && this.sent > verifyMax) collector.stopKeepingRows();
      await transport.send(batch);
      batch.length = 0;
      collector.drain();
      if (nowMs() - now > 5) await yieldToLoop();
    }
    this.stoppedAtMs = nowMs();
  }
}
