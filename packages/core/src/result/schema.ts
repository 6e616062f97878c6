import { z } from 'zod';
import { LedgerEntrySchema } from '../ledger/ledger.js';
import { FaultSpecSchema } from '../contracts/fault.js';

/**
 * The Result file: everything a report needs, and nothing it must recompute from elsewhere.
 * Versioned: a reader refuses a newer schemaVersion with a clear message (see result/io.ts).
 * Documented in docs/results.md; JSON Schema in packages/core/schema/result.schema.json.
 */
export const RESULT_SCHEMA_VERSION = 1;

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
  phase: z.enum(['warmup', 'measure', 'drain']),
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
});

export const VerdictSchema = z.object({
  status: z.enum(['pass', 'fail', 'skipped']),
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
});

/** How the run came back from one fault (packages/harness/src/recovery.ts; docs/faults.md). */
export const RecoverySchema = z.object({
  /** Seconds from the fault to the end of the first interval whose output stalled; null: none did. */
  detectionS: Num.nullable(),
  /** Seconds from the fault until output came back to its pre-fault rate; null: it did not. */
  outputResumedS: Num.nullable(),
  /** Seconds from the fault until the engine's input lag was back to its pre-fault level; null: it was not (or no lag was reported). */
  lagRecoveredS: Num.nullable(),
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
  generator: GeneratorRecordSchema,
  summary: z.object({
    targetRate: Num,
    achievedRate: Num,
    eventsIn: Num,
    eventsOut: Num,
    measuredS: Num,
    /** Latency of output records over the measured phase. */
    latency: PercentilesSchema,
    sendDelay: PercentilesSchema,
    /** CPU seconds of the whole run by role: the sum of the intervals' `cpu`. */
    cpu: IntervalCpuSchema.omit({ load1: true }).optional(),
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
        }),
      ),
    })
    .optional(),
  /** Faults injected during the run, each with the instant it fired and the recovery measured. */
  faults: z.array(FaultRecordSchema).optional(),
  errors: z.array(z.string()),
});

export type Result = z.infer<typeof ResultSchema>;
export type Interval = z.infer<typeof IntervalSchema>;
export type Verdict = z.infer<typeof VerdictSchema>;
export type EncodedHistogram = z.infer<typeof EncodedHistogramSchema>;
export type RunConfig = z.infer<typeof RunConfigSchema>;
export type CostBreakdown = z.infer<typeof CostSchema>;
export type FaultRecord = z.infer<typeof FaultRecordSchema>;
export type Recovery = z.infer<typeof RecoverySchema>;
