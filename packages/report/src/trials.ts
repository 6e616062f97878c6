import { z } from 'zod';
import type { Result } from '@streamscore/core';

/**
 * Find-max trials. A `--find-max` run writes them in `result.findMax` (with the rate found).
 * Older or foreign writers may put a bare `trials` array on the Result instead; that hook is read
 * loosely here: a Result without one, or with a shape this reader does not know, has none.
 */
export const TrialSchema = z.object({
  rate: z.number(),
  passed: z.boolean(),
  p99Us: z.number(),
  backlogSlope: z.number(),
  reason: z.string(),
  repetition: z.number().optional(),
  achievedRate: z.number().optional(),
  runId: z.string().optional(),
  verdict: z.string().optional(),
  /** Scored answers behind p99Us. */
  scored: z.number().optional(),
});
export const TrialsSchema = z.array(TrialSchema);
export type ReportTrial = z.infer<typeof TrialSchema>;

/** The run's find-max trials: `findMax.trials`, else a loose `trials` array, else undefined. */
export function readTrials(r: Result): ReportTrial[] | undefined {
  if (r.findMax) return r.findMax.trials.length > 0 ? r.findMax.trials : undefined;
  const raw = (r as { trials?: unknown }).trials;
  if (raw === undefined) return undefined;
  const parsed = TrialsSchema.safeParse(raw);
  return parsed.success && parsed.data.length > 0 ? parsed.data : undefined;
}

/** The highest rate at which every trial passed (its verdict too), or undefined when none did. */
export function findMaxRate(trials: readonly ReportTrial[]): number | undefined {
  const byRate = new Map<number, boolean>();
  // Only a trial whose answer passed its check counts (an unchecked or vacuous one never does).
  for (const t of trials) byRate.set(t.rate, (byRate.get(t.rate) ?? true) && t.passed && (t.verdict === undefined || t.verdict === 'pass'));
  let best: number | undefined;
  for (const [rate, ok] of byRate) if (ok && (best === undefined || rate > best)) best = rate;
  return best;
}

export interface Sustained {
  rate: number;
  /** `find-max` when it comes from a find-max search, `achieved` when it is the run's achieved rate. */
  source: 'find-max' | 'achieved';
}

/**
 * Sustained throughput of a run: the rate its find-max search found (`findMax.sustainedRate`,
 * or the highest all-passing rate of loose trials), else the run's achieved rate.
 */
export function sustainedRate(r: Result): Sustained {
  if (r.findMax) return { rate: r.findMax.sustainedRate, source: 'find-max' };
  const trials = readTrials(r);
  if (trials) return { rate: findMaxRate(trials) ?? 0, source: 'find-max' };
  return { rate: r.summary.achievedRate, source: 'achieved' };
}
