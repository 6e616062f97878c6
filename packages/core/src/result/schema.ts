import { z } from 'zod';
import { LedgerEntrySchema } from '../ledger/ledger.js';
import { FaultSpecSchema } from '../contracts/fault.js';

/**
 * The Result file: everything a report needs, and nothing it must recompute from elsewhere.
 * Versioned: a reader refuses a newer schemaVersion with a clear message (see result/io.ts).
 * Documented in docs/results.md; JSON Schema in packages/core/schema/result.schema.json.
 */
export const RESULT_SCHEMA_VERSION = 2;

/**
 * Scored answers a p99 needs before it is one: below this, the "p99" of a few answers is their
 * maximum, and every reader reports it as a maximum ("max of N answers").
 */
export const MIN_ANSWERS_FOR_P99 = 100;

const Num = z.number();

export const PercentilesSchema = z.object({
  count: Num,
  p50: Num,
  p90: Num,
  p99: Num,
  p999: Num,
  max: Num,
  mean: Num,
});

/** An HDR histogram in the HdrHistogram compressed base64 interchange format (V2). */
export const EncodedHistogramSchema = z.object({
  unit: z.literal('us'),
  significantDigits: z.literal(3),
  encoded: z.string(),
  percentiles: PercentilesSchema,
});

/**
 * CPU seconds used in one interval by the harness process, the transport's local stand-in
 * (kinesalite) and the system under test, each with its child processes, from /proc
 * (packages/harness/src/cpu.ts); and the machine's 1-minute load average. A role is absent when
 * its processes are not known (in the harness process, or on a remote target).
 */
export const IntervalCpuSchema = z.object({
  harnessS: Num,
  transportS: Num.optional(),
  sutS: Num.optional(),
  load1: Num,
});
export type IntervalCpu = z.infer<typeof IntervalCpuSchema>;

export const IntervalSchema = z.object({
  /** Seconds since the start of the measured phase, at the interval's end. */
  t: Num,
  /**
   * warm-up, measure, post-measure (the load goes on at the target shape until every scored
   * answer is due and final; its answers are not scored), drain (the load has stopped).
   */
  phase: z.enum(['warmup', 'measure', 'post-measure', 'drain']),
  targetRate: Num,
  eventsIn: Num,
  eventsOut: Num,
  /** Events due by now but not yet handed to the system (the driver's backlog). */
  sendBacklog: Num,
  latency: EncodedHistogramSchema,
  sendDelay: EncodedHistogramSchema,
  cpu: IntervalCpuSchema.optional(),
  /** Backend metrics sampled at the interval's end. */
  backend: z.record(z.string(), Num),
  /** Latency samples of scored answers (due within the measured phase) that arrived in this interval. */
  scored: Num.optional(),
});

/**
 * What a verdict was judged on, so `streamscore verify --run` reproduces it: the events the
 * oracle regenerated, the cut-off past which answers were not judged, the due-time range of the
 * answers judged, and whether the run was interrupted (then missing answers may be in flight).
 */
export const JudgedOnSchema = z.object({
  eventsJudged: Num,
  /** Answers due after this instant (ms since epoch) were not judged; null: all were. */
  cutoffMs: Num.nullable(),
  /** Due times of the expected answers judged (ms since epoch); null when none was expected. */
  dueFromMs: Num.nullable(),
  dueToMs: Num.nullable(),
  interrupted: z.boolean(),
});

/**
 * pass: every answer checked and right. fail: a wrong, missing or extra answer, or the oracle
 * failed (the note says why). incomplete: the run was interrupted or failed, nothing wrong was
 * seen, answers possibly in flight were not judged missing. unchecked: verification was not run
 * (the note says why). vacuous: nothing was due, so nothing could be checked. Only pass is success.
 */
export const VerdictStatusSchema = z.enum(['pass', 'fail', 'incomplete', 'unchecked', 'vacuous']);

export const VerdictSchema = z.object({
  status: VerdictStatusSchema,
  /** How the check was done: record by record, final state per key, or invariants only. */
  method: z.enum(['multiset', 'final-state', 'invariants', 'none']),
  matched: Num,
  missing: Num,
  unexpected: Num,
  expected: Num,
  /** Windows (or keys) the verdict covered: those closed before the run ended. */
  covered: Num,
  samples: z.object({
    missing: z.array(z.record(z.string(), z.unknown())),
    unexpected: z.array(z.record(z.string(), z.unknown())),
  }),
  notes: z.array(z.string()),
  /** Of `unexpected`, records equal to an expected one already matched: delivered twice. */
  duplicated: Num.optional(),
  /**
   * The delivery the run showed: nothing missing or extra (exactly-once), duplicates and nothing
   * missing (at-least-once), records missing (lossy). Absent when the check could not tell.
   */
  delivery: z.enum(['exactly-once', 'at-least-once', 'lossy']).optional(),
  judgedOn: JudgedOnSchema.optional(),
});

/** How the run came back from one fault (packages/harness/src/recovery.ts; docs/faults.md). */
export const RecoverySchema = z.object({
  /** Seconds from the fault to the end of the first interval whose output stalled; null: none did. */
  detectionS: Num.nullable(),
  /** Seconds from the fault until output came back to its pre-fault rate; null: it did not. */
  outputResumedS: Num.nullable(),
  /** Seconds from the fault until the engine's input lag was back to its pre-fault level; null: it was not (or no lag was reported). */
  lagRecoveredS: Num.nullable(),
  /**
   * lagRecoveredS is an upper bound: the engine's read position stood still (a stale gauge) while
   * answers came out, and the first fresh reading after it already showed the lag back.
   */
  lagRecoveredAtLatest: z.boolean().optional(),
  /** Seconds from the fault until interval p99 latency was back within 1.2 × its pre-fault highest; null: it was not. */
  latencyRecoveredS: Num.nullable(),
  /** Recovery time: the latest of output resumed, lag back and latency back (those measured); null: not recovered. */
  recoveredS: Num.nullable(),
  /** Highest interval p99 latency from the fault to the end of the load, µs. */
  latencyPeakP99Us: Num,
  latencyPeakMaxUs: Num,
  /** The run's records lost and duplicated (the verdict's; shared by every fault of the run). */
  lost: Num,
  duplicated: Num,
  notes: z.array(z.string()),
});

export const FaultRecordSchema = FaultSpecSchema.extend({
  /** Who injected it: the backend, or the transport. */
  by: z.enum(['backend', 'transport']),
  /** When it fired, seconds after the load started; null: it did not (the run ended first, or it failed). */
  firedAtS: Num.nullable(),
  clearedAtS: Num.nullable().optional(),
  effect: z.string(),
  error: z.string().optional(),
  recovery: RecoverySchema.optional(),
});

export const CostLineSchema = z.object({
  resource: z.string(),
  kind: z.string(),
  quantity: Num,
  unit: z.string(),
  unitPriceUsd: Num,
  costUsd: Num,
  rule: z.string(),
});

export const CostSchema = z.object({
  priceBook: z.object({ region: z.string(), date: z.string(), source: z.string() }),
  lines: z.array(CostLineSchema),
  totalUsd: Num,
  perHourUsd: Num,
  perMillionEventsUsd: Num,
});

export const RunConfigSchema = z.object({
  workload: z.string(),
  params: z.record(z.string(), z.unknown()),
  backend: z.string(),
  target: z.string(),
  transport: z.enum(['memory', 'kinesis']),
  knobs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])),
  load: z.object({
    shape: z.record(z.string(), z.unknown()),
    /** Peak target rate, events/s. */
    rate: Num,
    warmupS: Num,
    durationS: Num,
    /** Seconds of load at the target rate after the measured phase, so windowed answers due in it are final under load. */
    postMeasureS: Num.optional(),
    /** Seconds of reduced load after that (schema version 1 runs; 0 since the load stops after post-measure). */
    drainS: Num,
    intervalS: Num,
  }),
  latencySloMs: Num.optional(),
});

export const GeneratorRecordSchema = z.object({
  /** Wall-clock base of event time: event time of event 0 (ms since epoch). */
  baseTimeMs: Num,
  firstEventNumber: Num,
  eventsSent: Num,
  timeline: z.record(z.string(), z.unknown()),
  options: z.record(z.string(), z.unknown()),
});

export const ResultSchema = z.object({
  schemaVersion: z.literal(RESULT_SCHEMA_VERSION),
  runId: z.string(),
  tool: z.object({ name: z.literal('streamscore'), version: z.string() }),
  /** false when the run was interrupted or failed; the reason says why. */
  complete: z.boolean(),
  incompleteReason: z.string().optional(),
  startedAt: z.string(),
  endedAt: z.string(),
  config: RunConfigSchema,
  environment: z.object({
    os: z.string(),
    arch: z.string(),
    cpus: Num,
    cpuModel: z.string(),
    memoryGiB: Num,
    node: z.string(),
  }),
  deployment: z.object({ mode: z.string().optional(), provisioningMs: Num, details: z.record(z.string(), z.unknown()) }),
  /** Load generation split over driver processes (`--drivers N`); absent: one driver, in the harness's process. */
  drivers: z
    .object({
      count: Num,
      where: z.array(z.object({ index: Num, host: z.string(), pid: Num, sent: Num, clockOffsetMs: Num })),
      /** The widest offset between a driver's clock and the collector's: the bound it puts on every latency. */
      maxClockOffsetMs: Num,
      /** How the offsets were obtained. */
      clock: z.string(),
    })
    .optional(),
  generator: GeneratorRecordSchema,
  summary: z.object({
    targetRate: Num,
    achievedRate: Num,
    eventsIn: Num,
    eventsOut: Num,
    /** The measured phase as planned, s. */
    measuredS: Num,
    /** Of the measured phase, the seconds actually run (less when interrupted); achievedRate is over these. */
    ranS: Num.optional(),
    /**
     * Latency of the scored answers: those due within the measured phase, all observed while the
     * load ran at its target shape. `count` is the number of answers behind the percentiles;
     * below 100 the p99 is shown as a maximum.
     */
    latency: PercentilesSchema,
    sendDelay: PercentilesSchema,
    /** CPU seconds of the whole run by role: the sum of the intervals' `cpu`. */
    cpu: IntervalCpuSchema.omit({ load1: true }).optional(),
    /** Events processed per CPU-second of the system under test, when the run measured its CPU. */
    eventsPerSutCpuSecond: Num.optional(),
  }),
  latency: EncodedHistogramSchema,
  sendDelay: EncodedHistogramSchema,
  intervals: z.array(IntervalSchema),
  verdict: VerdictSchema,
  ledger: z.array(LedgerEntrySchema),
  cost: CostSchema.optional(),
  /** Pass-through run of the same transport, for telling engine from transport latency. */
  transportBaseline: z.object({ runId: z.string(), latency: PercentilesSchema }).optional(),
  /** Present when the run was a `--find-max` search: every trial, and the rate found. */
  findMax: z
    .object({
      sustainedRate: Num,
      latencySloMs: Num,
      backlogSlopeFraction: Num,
      trials: z.array(
        z.object({
          rate: Num,
          repetition: Num,
          passed: z.boolean(),
          achievedRate: Num,
          p99Us: Num,
          backlogSlope: Num,
          reason: z.string(),
          runId: z.string(),
          verdict: z.string(),
          /** Scored answers behind the trial's p99. */
          scored: Num.optional(),
        }),
      ),
      /** Searches repeated (`--repeat K`): each search's sustained rate; sustainedRate is their median. */
      repeat: z
        .object({
          k: Num,
          rates: z.array(Num),
          median: Num,
          min: Num,
          max: Num,
        })
        .optional(),
      /** Events per CPU-second of the system under test at the sustained rate, when measured. */
      eventsPerSutCpuSecond: Num.optional(),
      /** The search was interrupted before it converged: sustainedRate is a lower bound. */
      interrupted: z.boolean().optional(),
    })
    .optional(),
  /** Faults injected during the run, each with the instant it fired and the recovery measured. */
  faults: z.array(FaultRecordSchema).optional(),
  /**
   * The backend answered by an opt-in semantics of its own (Flock's epoch semantics): `verdict`
   * judges it against that semantics' oracle; `trueQuery` says how far its answers are from the
   * workload's true query.
   */
  semantics: z
    .object({
      name: z.string(),
      description: z.string(),
      trueQuery: z.object({
        /** Answers of the true query over the events before `beforeMs` (its final table, for an updating query). */
        expected: Num,
        /** Of those, given exactly. */
        matched: Num,
        /** Never given (by final state: keys never answered). */
        missing: Num,
        /** Given but not the true query's: a wrong value, or an answer it does not have. */
        wrong: Num,
        /** Compared: events and answers with event time before this. */
        beforeMs: Num,
        method: z.enum(['multiset', 'final-state']),
      }).optional(),
      /** Why there is no comparison (the rows were not kept, or the oracle failed). */
      note: z.string().optional(),
    })
    .optional(),
  errors: z.array(z.string()),
});

export type Result = z.infer<typeof ResultSchema>;
export type Interval = z.infer<typeof IntervalSchema>;
export type Verdict = z.infer<typeof VerdictSchema>;
export type VerdictStatus = z.infer<typeof VerdictStatusSchema>;
export type JudgedOn = z.infer<typeof JudgedOnSchema>;
export type EncodedHistogram = z.infer<typeof EncodedHistogramSchema>;
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type CostBreakdown = z.infer<typeof CostSchema>;
export type FaultRecord = z.infer<typeof FaultRecordSchema>;
export type Recovery = z.infer<typeof RecoverySchema>;
