import type { MeasuredPoint } from './calibration.js';
import { configLabel, evaluate, type PlannerInputs } from './model.js';
import type { Family, WorkloadTraits } from './types.js';

/**
 * `plan --check`: the model's accuracy. For each measured run, the planner projects the run's own
 * configuration *without* that run's calibration (leave-one-out: every other measured point and the
 * shipped profiles still count) and compares: projected vs measured sustainable rate (find-max's
 * sustained rate; a single passing run only bounds it from below) and projected vs measured p99.
 * Error = (projected − measured) ÷ measured, in percent: positive means the model is optimistic
 * about the rate, pessimistic about latency.
 */
export interface CheckRow {
  runId: string;
  file?: string;
  workload: string;
  family: Family;
  label: string;
  rate: number;
  measuredRate?: number;
  /** true when measuredRate is only a lower bound (a single passing run). */
  measuredRateIsLowerBound: boolean;
  projectedRate?: number;
  rateErrorPct?: number;
  measuredP99Ms: number;
  projectedP99Ms?: number;
  latencyErrorPct?: number;
  /** What the projection was made from, or why there is none. */
  note: string;
}

export interface CheckOutput {
  rows: CheckRow[];
  /** Mean of |error| over the rows that have one. */
  meanAbsRateErrorPct?: number;
  meanAbsLatencyErrorPct?: number;
}

/** (projected − measured) ÷ measured × 100. */
export function errorPct(projected: number, measured: number): number | undefined {
  if (!(measured > 0)) return undefined;
  return ((projected - measured) / measured) * 100;
}

function meanAbs(xs: (number | undefined)[]): number | undefined {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
  return v.length ? v.reduce((s, x) => s + Math.abs(x), 0) / v.length : undefined;
}

/**
 * `traitsOf` is given the run's own workload parameters (its windows, its watermark delay), so a
 * run is projected as it ran, not under the workload's defaults.
 */
export function checkPoints(inputs: PlannerInputs, traitsOf: (workloadId: string, params: Record<string, unknown>) => WorkloadTraits, points: readonly MeasuredPoint[]): CheckOutput {
  const rows: CheckRow[] = points.map((p) => {
    const traits = traitsOf(p.workload, p.params ?? {});
    const e = evaluate(inputs, traits, p.config, p.rate, { exclude: new Set([p.runId]) });
    const measuredRate = p.sustainedRate ?? p.lowerBoundRate;
    const modelled = !e.unmodelled;
    const base = {
      runId: p.runId,
      ...(p.file ? { file: p.file } : {}),
      workload: p.workload,
      family: p.config.family,
      label: configLabel(p.config),
      rate: p.rate,
      ...(measuredRate !== undefined ? { measuredRate } : {}),
      measuredRateIsLowerBound: p.sustainedRate === undefined,
      measuredP99Ms: p.latencyP99Ms,
    };
    if (!modelled) return { ...base, note: e.reasons[0] ?? 'no projection' };
    const rateErr = measuredRate !== undefined ? errorPct(e.sustainableRate.value, measuredRate) : undefined;
    const latErr = errorPct(e.latencyP99Ms.value, p.latencyP99Ms);
    return {
      ...base,
      projectedRate: e.sustainableRate.value,
      ...(rateErr !== undefined ? { rateErrorPct: rateErr } : {}),
      projectedP99Ms: e.latencyP99Ms.value,
      ...(latErr !== undefined ? { latencyErrorPct: latErr } : {}),
      note: `rate: ${e.sustainableRate.basis}, ${e.sustainableRate.source}; p99: ${e.latencyP99Ms.basis}, ${e.latencyP99Ms.source}`,
    };
  });
  const mr = meanAbs(rows.filter((r) => !r.measuredRateIsLowerBound).map((r) => r.rateErrorPct));
  const ml = meanAbs(rows.map((r) => r.latencyErrorPct));
  return { rows, ...(mr !== undefined ? { meanAbsRateErrorPct: mr } : {}), ...(ml !== undefined ? { meanAbsLatencyErrorPct: ml } : {}) };
}
