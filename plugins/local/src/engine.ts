import type { AnyWorkload, Emit, StreamingQuery } from '@streamscore/core';

/**
 * Runs one StreamingQuery over batches of events: tracks the maximum event time, and after each
 * batch advances the watermark to (max event time − the query's watermark delay), as Flink's
 * bounded-out-of-orderness watermarks do. Used in the main thread and in each worker.
 */
export class QueryRunner {
  private maxEventTime = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  eventsIn = 0;
  eventsOut = 0;
  busyMs = 0;
  private readonly query: StreamingQuery<unknown>;
  private readonly countingEmit: Emit;

  constructor(
    private readonly workload: AnyWorkload,
    params: Record<string, unknown>,
    emit: Emit,
    private readonly watermarkDelayMs: number,
  ) {
    this.query = workload.streaming(params);
    this.countingEmit = (row) => {
      this.eventsOut++;
      emit(row);
    };
  }

  /** Processes a batch; `globalMaxEventTime` lets a coordinator impose one watermark on all workers. */
  process(events: readonly unknown[], globalMaxEventTime?: number): void {
    const t0 = performance.now();
    const q = this.query;
    const emit = this.countingEmit;
    const w = this.workload;
    let max = this.maxEventTime;
    for (let i = 0; i < events.length; i++) {
      const e = events[i];
      const t = w.eventTime(e);
      if (t > max) max = t;
      q.onEvent(e, emit);
    }
    this.eventsIn += events.length;
    this.maxEventTime = globalMaxEventTime !== undefined && globalMaxEventTime > max ? globalMaxEventTime : max;
    this.advance(this.maxEventTime - this.watermarkDelayMs);
    this.busyMs += performance.now() - t0;
  }

  advance(watermark: number): void {
    if (watermark > this.watermark) {
      this.watermark = watermark;
      this.query.onWatermark(watermark, this.countingEmit);
    }
  }

  processingTime(nowMs: number): void {
    this.query.onProcessingTime?.(nowMs, this.countingEmit);
  }

  get hasProcessingTime(): boolean {
    return typeof this.query.onProcessingTime === 'function';
  }
}
