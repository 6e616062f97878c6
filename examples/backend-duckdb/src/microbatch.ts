import type { DuckDBConnection } from '@duckdb/node-api';
import { renderSqlTemplate, type AnyWorkload, type Emit } from '@streamscore/core';
import { EventTables, toRow } from './tables.js';

/**
 * Runs a workload's `microbatch-sql` over batches of events, the way the micro-batch dialect
 * defines it (workloads/nexmark/resources/microbatch/README.md):
 *
 * - per-event queries: the tables hold one input batch; every result row is emitted;
 * - windowed queries: events are kept in panes of one slide; when the watermark (the largest event
 *   time seen minus the query's watermark delay) reaches a window's end − 1, the tables are loaded
 *   with that window's events, the SQL runs with `${WINDOW_START}` and `${WINDOW_END}` (epoch ms),
 *   and every row is emitted. Windows are tumbling (`windowSizeMs`) or hopping (`windowSlideMs`).
 *   An event whose first pane has already fired is late and dropped, as Flink's sliced windows do.
 *
 * The memory transport hands batches over synchronously; DuckDB answers asynchronously, so the
 * work is chained on one queue, and `drain()` waits for it. Per-event input that arrives while a
 * batch is in DuckDB joins the next batch, so batches grow with the load instead of queueing.
 */
export class MicroBatchRunner {
  private readonly tables: EventTables;
  private readonly sql: string;
  private readonly windowed: boolean;
  private readonly size: number;
  private readonly slide: number;
  private readonly delay: number;
  /** Pane start → the events whose time falls in [start, start + slide). */
  private readonly panes = new Map<number, unknown[]>();
  /** Every window starting before this has fired. */
  private firedThrough = Number.NEGATIVE_INFINITY;
  private maxEventTime = Number.NEGATIVE_INFINITY;
  private watermark = Number.NEGATIVE_INFINITY;
  private queue: Promise<void> = Promise.resolve();
  /** Per-event queries: events waiting for the next batch, and whether that batch is queued. */
  private pending: unknown[] = [];
  private scheduled = false;
  private failure: Error | undefined;
  eventsIn = 0;
  eventsOut = 0;
  lateDropped = 0;
  batches = 0;
  busyMs = 0;

  constructor(
    conn: DuckDBConnection,
    private readonly workload: AnyWorkload,
    private readonly params: Record<string, unknown>,
    private readonly emit: Emit,
  ) {
    const text = workload.sql?.['microbatch-sql'];
    if (!text) throw new Error(`${workload.id} has no micro-batch SQL`);
    this.sql = text;
    this.tables = new EventTables(conn);
    this.windowed = workload.kind === 'windowed';
    this.size = Number(params['windowSizeMs'] ?? 0);
    this.slide = Number(params['windowSlideMs'] ?? this.size);
    this.delay = workload.timing(params).watermarkDelayMs;
    if (this.windowed && !(this.size > 0 && this.slide > 0 && this.size % this.slide === 0)) {
      throw new Error(`${workload.id}: windows need windowSizeMs a multiple of windowSlideMs (got ${this.size}/${this.slide})`);
    }
  }

  /** Called by the transport with each input batch (synchronously). */
  push(events: readonly unknown[]): void {
    this.eventsIn += events.length;
    if (!this.windowed) {
      // Micro-batching: whatever arrives while DuckDB is busy goes into the next batch.
      for (const e of events) this.pending.push(e);
      if (!this.scheduled) {
        this.scheduled = true;
        this.enqueue(() => {
          const batch = this.pending;
          this.pending = [];
          this.scheduled = false;
          return this.run(batch, {});
        });
      }
      return;
    }
    for (const e of events) {
      const t = this.workload.eventTime(e);
      if (t > this.maxEventTime) this.maxEventTime = t;
      const pane = Math.floor(t / this.slide) * this.slide;
      if (pane + this.slide - 1 <= this.watermark) {
        this.lateDropped++;
        continue;
      }
      let list = this.panes.get(pane);
      if (!list) this.panes.set(pane, (list = []));
      list.push(e);
    }
    const wm = this.maxEventTime - this.delay;
    if (wm > this.watermark) {
      this.watermark = wm;
      this.fireUpTo(wm);
    }
  }

  /** Input is over: every window still open fires. */
  end(): void {
    if (this.windowed) this.fireUpTo(Number.POSITIVE_INFINITY);
  }

  /** Waits until every queued batch and window has been answered; rethrows the first failure. */
  async drain(): Promise<void> {
    await this.queue;
    if (this.failure) throw this.failure;
  }

  private fireUpTo(watermark: number): void {
    if (this.panes.size === 0) return;
    const starts = [...this.panes.keys()].sort((a, b) => a - b);
    const lastPane = starts[starts.length - 1]!;
    let s = Math.max(this.firedThrough, starts[0]! - this.size + this.slide);
    for (; s <= lastPane && s + this.size - 1 <= watermark; s += this.slide) {
      const events: unknown[] = [];
      for (let p = s; p < s + this.size; p += this.slide) {
        const list = this.panes.get(p);
        if (list) for (const e of list) events.push(e);
      }
      // A pane is no longer needed once every window holding it has fired.
      for (const p of starts) if (p < s + this.slide) this.panes.delete(p);
      if (events.length > 0) {
        const vars = { WINDOW_START: s, WINDOW_END: s + this.size };
        this.enqueue(() => this.run(events, vars));
      }
    }
    this.firedThrough = s;
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(async () => {
      if (this.failure) return;
      try {
        await job();
      } catch (e) {
        this.failure = e as Error;
      }
    });
  }

  private async run(events: readonly unknown[], vars: Record<string, number>): Promise<void> {
    const t0 = performance.now();
    await this.tables.load(events);
    const sql = renderSqlTemplate(this.sql, this.params, vars);
    const reader = await this.tables.query(sql);
    for (const rec of reader) {
      this.eventsOut++;
      this.emit(toRow(rec, this.workload.output));
    }
    this.batches++;
    this.busyMs += performance.now() - t0;
  }
}
