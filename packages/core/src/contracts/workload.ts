import type { z } from 'zod';
import type { OutputSpec, Row } from './rows.js';
import type { Verdict } from '../result/schema.js';

/**
 * Event time for a generated stream: which millisecond event number n is stamped with. In
 * real-time mode the harness builds it from its rate shape and its own clock, so an event's
 * event time is also the instant it falls due (one clock at both ends).
 */
export interface Timeline {
  /** Event time, ms since the epoch, of event number n (monotone non-decreasing in n). */
  timestampMs(eventNumber: number): number;
  /** Describes the timeline for the Result, so the oracle can rebuild it. */
  describe(): TimelineSpec;
}

export type TimelineSpec =
  | { kind: 'fixed-rate'; baseTimeMs: number; interEventDelayUs: number; numGenerators?: number }
  | { kind: 'shape'; baseTimeMs: number; shape: unknown };

/** A deterministic source of events: event n is the same on every machine. */
export interface EventSource<E> {
  /** Number of the event next() returns. */
  readonly nextEventNumber: number;
  /** True once the configured number of events has been produced. */
  hasNext(): boolean;
  next(): E;
  /** The instant (ms since epoch) the event with this number falls due on the wall clock. */
  dueTimeMs(eventNumber: number): number;
  /**
   * A lower bound on the event time of every event numbered ≥ eventNumber (NEXMark: the start
   * of the event's out-of-order group). Lets a streaming oracle close windows exactly; without
   * it the verifier assumes the query's declared watermark delay bounds the disorder, and
   * reports an event that breaks that assumption as an oracle error.
   */
  watermarkMs?(eventNumber: number): number;
}

export interface GeneratorRequest {
  /**
   * Event time of every event. Runs always give one (built from the load shape and the harness
   * clock); without it the suite's own default applies (Beam's fixed-rate timeline from
   * 2015-07-15 for NEXMark), which is what `streamscore generate` writes.
   */
  timeline?: Timeline;
  /** First event number to produce (0 unless resuming). */
  firstEventNumber?: number;
  /** How many events; undefined = unbounded. */
  maxEvents?: number;
  /** Workload-specific generator options (already validated by the workload's own schema). */
  options?: Record<string, unknown>;
}

/** Emits records of a streaming query. */
export type Emit = (row: Row) => void;

/**
 * The oracle in streaming form: reads the regenerated events one at a time, in generation
 * order, and holds only the state the query needs, so a run of any size can be checked in
 * bounded memory. It computes the same exact answer as `Workload.reference` (no late-event
 * drops: it is told when event time has truly passed, not a watermark guess), and is written
 * apart from the engine's `StreamingQuery` so that it stays an oracle.
 *
 * Per-event and windowed queries emit each record once it is final and free its state;
 * updating queries (q4, q9) emit one row per key, its final state, once no later event can
 * change it (at the latest in `end`).
 */
export interface IncrementalOracle<E> {
  /** The next event, in generation order. */
  push(event: E, emit: Emit): void;
  /** Every event still to come has an event time ≥ lowMs: emit what is now final and free it. */
  advance(lowMs: number, emit: Emit): void;
  /** The input is over: emit everything still held. */
  end(emit: Emit): void;
}

/**
 * A query's streaming implementation for the in-process engine (plugins/local). The engine owns
 * watermarks, parallelism and time; the query owns its operators and keyed state.
 */
export interface StreamingQuery<E> {
  onEvent(event: E, emit: Emit): void;
  /** Event time has advanced: every event with time < watermark has been seen (except late ones). */
  onWatermark(watermarkMs: number, emit: Emit): void;
  /** Processing-time tick for processing-time windows (q12); wall clock ms. */
  onProcessingTime?(nowMs: number, emit: Emit): void;
  /** Called once at the end of the input (bounded runs): fire whatever is still open. */
  onEnd?(emit: Emit): void;
}

export type QueryKind = 'per-event' | 'windowed' | 'updating' | 'processing-time';

/** How the local engine may spread a query over workers. */
export type Partitioning<E> =
  | { kind: 'any' }
  | { kind: 'key'; key(event: E): number }
  | { kind: 'single' };

export interface EventSerializer<E> {
  jsonLine(event: E): string;
  csvHeader(): string;
  csvRow(event: E): string;
}

export interface Workload<E = unknown, P extends Record<string, unknown> = Record<string, unknown>> {
  /** `suite/query`, e.g. `nexmark/q5`. */
  id: string;
  suite: string;
  title: string;
  /** One paragraph: what it computes. */
  description: string;
  kind: QueryKind;
  /** The query's parameters (window sizes, …) with the suite's values as defaults. */
  params: z.ZodType<P>;
  output: OutputSpec;
  /** Event time of an event, ms since epoch. */
  eventTime(event: E): number;
  generator(request: GeneratorRequest): EventSource<E>;
  /**
   * The options the generator takes (`--gen key=value`, `generator:` in run files), so a caller
   * can refuse an unknown one and name the valid ones before a run starts. Absent: none.
   */
  generatorOptions?: z.ZodObject<z.ZodRawShape>;
  /** The oracle: exact expected output of the query over a finite list of events, in arrival order. */
  reference(events: readonly E[], params: P): Row[];
  /**
   * The same oracle in streaming form, for runs too large to hold (see IncrementalOracle).
   * Absent for queries checked by invariants only (processing-time windows).
   */
  incrementalReference?(params: P): IncrementalOracle<E>;
  /**
   * For queries that cannot be checked record by record (processing-time windows): checks what
   * can be (totals, per-key sums) and returns the verdict.
   */
  checkInvariants?(events: readonly E[], actual: readonly Row[], params: P): Verdict;
  /** Streaming implementation for the local engine. */
  streaming(params: P): StreamingQuery<E>;
  partitioning: Partitioning<E>;
  /**
   * Event-time facts the harness needs: the watermark delay the query's DDL declares, and how far
   * event time must move past an event before every answer it contributes to is final (window
   * size plus watermark delay; 0 for per-event queries). The drain phase and the verdict's
   * cut-off are computed from them.
   */
  timing(params: P): { watermarkDelayMs: number; horizonMs: number };
  /** Query text per dialect, e.g. `flink-sql`, `microbatch-sql`. */
  sql?: Partial<Record<'flink-sql' | 'microbatch-sql', string>>;
  /** How events of this workload are written by `streamscore generate`. */
  serialize?: EventSerializer<E>;
  /** The module that exports this workload, so worker threads and child processes can load it. */
  module: string;
}

/** A workload of any event and parameter type, as registries hold them. */
export type AnyWorkload = Workload<unknown, Record<string, unknown>>;
