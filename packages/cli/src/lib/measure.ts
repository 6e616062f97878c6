import {
  findSustainableRate,
  harnessTransportFor,
  newRunId,
  runBenchmark,
  type RunOptions,
  WIRE_FAULTS,
} from '@streamscore/harness';
import { UserError, type Result } from '@streamscore/core';

/** What a run or a search needs besides its rate and transport. */
export type MeasureBase = Omit<RunOptions, 'rate' | 'shape' | 'transport' | 'runId'> & { region?: string };

function transportFor(base: MeasureBase, runId: string) {
  const faultProxy = (base.faults ?? []).some((f) => (WIRE_FAULTS as readonly string[]).includes(f.kind));
  return harnessTransportFor(base.backend, base.target, { runId, ...(base.region ? { region: base.region } : {}), ...(faultProxy ? { faultProxy } : {}) });
}

/** One run at a rate (or shape), with the transport its backend needs on its target. */
export async function measureOnce(base: MeasureBase, runId: string, rate: number, shape?: RunOptions['shape']): Promise<Result> {
  return runBenchmark({ ...base, runId, rate, ...(shape ? { shape } : {}), transport: await transportFor(base, runId) });
}

export interface SearchOptions {
  startRate: number;
  maxRate: number;
  latencySloMs: number;
  repetitions: number;
  onTrial?: (message: string) => void;
}

/**
 * The sustainable-rate search: every trial a full run; the Result is that of the best passing
 * trial (or the last one), under the search's run id, with every trial in `findMax`.
 */
export async function measureMax(base: MeasureBase, runId: string, s: SearchOptions): Promise<Result> {
  let last: Result | undefined;
  const outcome = await findSustainableRate({
    startRate: s.startRate,
    maxRate: s.maxRate,
    latencySloMs: s.latencySloMs,
    repetitions: s.repetitions,
    runTrial: async (r) => {
      if (base.signal?.aborted) throw new UserError('interrupted');
      last = await measureOnce(base, newRunId(base.workload.id, base.backend.name), r);
      return last;
    },
    onTrial: (t) => s.onTrial?.(`trial ${t.rate.toLocaleString('en-US')} events/s: ${t.passed ? 'pass' : 'fail'} (${t.reason})`),
  });
  const chosen = outcome.best ?? last;
  if (!chosen) throw new UserError('The search ran no trial.');
  return {
    ...chosen,
    runId,
    findMax: { sustainedRate: outcome.sustainedRate, latencySloMs: s.latencySloMs, backlogSlopeFraction: 0.01, trials: outcome.trials },
  };
}
