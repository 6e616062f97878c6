import {
  findSustainableRateRepeated,
  harnessTransportFor,
  LOCAL_TARGETS,
  meanEventBytes,
  newRunId,
  runBenchmark,
  type RunOptions,
  WIRE_FAULTS,
} from '@streamscore/harness';
import { UserError, type Result } from '@streamscore/core';

/** What a run or a search needs besides its rate and transport. */
export type MeasureBase = Omit<RunOptions, 'rate' | 'shape' | 'transport' | 'runId'> & { region?: string };

function transportFor(base: MeasureBase, runId: string, peakRate: number) {
  const faultProxy = (base.faults ?? []).some((f) => (WIRE_FAULTS as readonly string[]).includes(f.kind));
  // On a cloud target the input stream is sized from the load (a local Kinesis has no shard limits).
  const load = LOCAL_TARGETS.has(base.target) ? undefined : { peakRate, eventBytes: meanEventBytes(base.workload, base.generatorOptions ?? {}) };
  return harnessTransportFor(base.backend, base.target, { runId, ...(base.region ? { region: base.region } : {}), ...(faultProxy ? { faultProxy } : {}), ...(load ? { load } : {}) });
}

/** One run at a rate (or shape), with the transport its backend needs on its target. */
export async function measureOnce(base: MeasureBase, runId: string, rate: number, shape?: RunOptions['shape']): Promise<Result> {
  return runBenchmark({ ...base, runId, rate, ...(shape ? { shape } : {}), transport: await transportFor(base, runId, shape?.peakRate ?? rate) });
}

export interface SearchOptions {
  startRate: number;
  maxRate: number;
  latencySloMs: number;
  /** Searches to run; the median rate is reported with its spread. */
  repeat: number;
  /** Bisection stops when the bracket is narrower than this fraction of the rate (default 0.1). */
  precision?: number;
  onTrial?: (message: string) => void;
  /** Every trial's run id before it starts, and its Result as it ends (a campaign journals and bills them). */
  onTrialStart?: (runId: string) => void;
  onTrialResult?: (r: Result) => void;
}

/**
 * The sustainable-rate search, repeated: every trial a full run; the Result is that of the best
 * passing trial of the search nearest the median (or the last trial), under the search's run id,
 * with every trial in `findMax` and the median rate with its spread.
 */
export async function measureMax(base: MeasureBase, runId: string, s: SearchOptions): Promise<Result> {
  let last: Result | undefined;
  const outcome = await findSustainableRateRepeated({
    startRate: s.startRate,
    maxRate: s.maxRate,
    latencySloMs: s.latencySloMs,
    repeat: s.repeat,
    ...(s.precision !== undefined ? { precision: s.precision } : {}),
    stopped: () => base.signal?.aborted === true,
    runTrial: async (r) => {
      const trialId = newRunId(base.workload.id, base.backend.name);
      s.onTrialStart?.(trialId);
      last = await measureOnce(base, trialId, r);
      s.onTrialResult?.(last);
      return last;
    },
    onTrial: (t) =>
      s.onTrial?.(`${s.repeat > 1 ? `search ${t.repetition + 1}/${s.repeat}, ` : ''}trial ${t.rate.toLocaleString('en-US')} events/s: ${t.passed ? 'pass' : 'fail'} (${t.reason})`),
  });
  const chosen = outcome.best ?? last;
  if (!chosen) throw new UserError(outcome.interrupted ? 'Interrupted before the search ran a trial: nothing was measured.' : 'The search ran no trial.');
  return {
    ...chosen,
    runId,
    // An interrupted search wrote what it measured, but its rate is a lower bound, not a capacity.
    ...(outcome.interrupted ? { complete: false, incompleteReason: `the search was interrupted after ${outcome.trials.length} trial(s): its rate is a lower bound` } : {}),
    findMax: {
      sustainedRate: outcome.sustainedRate,
      latencySloMs: s.latencySloMs,
      backlogSlopeFraction: 0.01,
      trials: outcome.trials,
      ...(s.repeat > 1 ? { repeat: { k: s.repeat, rates: outcome.rates, median: outcome.sustainedRate, min: outcome.min, max: outcome.max } } : {}),
      ...(outcome.eventsPerSutCpuSecond !== undefined ? { eventsPerSutCpuSecond: outcome.eventsPerSutCpuSecond } : {}),
      ...(outcome.interrupted ? { interrupted: true } : {}),
    },
  };
}
