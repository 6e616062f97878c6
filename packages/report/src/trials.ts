import { z } from 'zod';
import type { Result } from '@streamscore/core';

/**
 * Find-max trials. The Result schema does not carry them yet; when a Result does (a `trials`
 * array written by the find-max search), the report shows them and takes the sustained rate from
 * them. Read loosely at this boundary: a Result without `trials`, or with a shape this reader
 * does not know, simply has none.
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
});
export const TrialsSchema = z.array(TrialSchema);
export type ReportTrial = z.infer<typeof TrialSchema>;

export function readTrials(r: Result): ReportTrial[] | undefined {
  const raw = (r as { trials?: unknown }).trials;
  if (raw === undefined) return undefined;
  const parsed = TrialsSchema.safeParse(raw);
  return parsed.success && parsed.data.length > 0 ? parsed.data : undefined;
}

/** The highest rate at which every trial passed, or undefined when none did. */
export function findMaxRate(trials: readonly ReportTrial[]): number | undefined {
  const byRate = new Map<number, boolean>();
  for (const t of trials) byRate.set(t.rate, (byRate.get(t.rate) ?? true) && t.passed);
  let best: number | undefined;
  for (const [rate, ok] of byRate) if (ok && (best === undefined || rate > best)) best = rate;
  return best;
}

export interface Sustained {
  rate: number;
  /** `find-max` when it comes from trials, `achieved` when it is the run's achieved rate. */
  source: 'find-max' | 'achieved';
}

/** Sustained throughput of a run: the find-max result when the Result has trials, else the achieved rate. */
export function sustainedRate(r: Result): Sustained {
  const trials = readTrials(r);
  if (trials) {
    const rate = findMaxRate(trials);
    return { rate: rate ?? 0, source: 'find-max' };
  }
  return { rate: r.summary.achievedRate, source: 'achieved' };
}
