import { MIN_ANSWERS_FOR_P99, type Result } from '@streamscore/core';

/**
 * Sustainable throughput, Theodolite's way: a rate passes when, after warm-up, the lag's trend
 * (slope of a least-squares line through lag over time) stays under a threshold, the latency p99
 * of enough scored answers stays under the SLO, and the answer passes its check. The lag is the
 * driver's own backlog plus the engine's input lag where the transport reports it. The search
 * doubles the rate until a trial fails, then bisects between the last pass and the first
 * failure. Searches are repeated (`--repeat K`) and the median rate reported with its spread.
 */
export interface FindMaxOptions {
  startRate: number;
  maxRate: number;
  latencySloMs: number;
  /** Backlog growth allowed, as a fraction of the rate per second (default 1%). */
  backlogSlopeFraction?: number;
  /** Achieved rate must reach this fraction of the target (default 0.95). */
  minAchievedFraction?: number;
  /** Scored answers a trial needs for its p99 to be one (default MIN_ANSWERS_FOR_P99, 100). */
  minScoredAnswers?: number;
  /** Stop bisecting when the bracket is narrower than this fraction of the lower bound (default 10%). */
  precision?: number;
  /** Upper bound on trials, whatever else happens (default 16). */
  maxTrials?: number;
  /** Runs one trial; `repetition` is the index of the search it belongs to (0 for the first). */
  runTrial(rate: number, repetition: number): Promise<Result>;
  /** True once the search should start no further trial (an interrupt): what was measured is returned. */
  stopped?(): boolean;
  onTrial?(t: Trial): void;
}

export interface Trial {
  rate: number;
  repetition: number;
  passed: boolean;
  achievedRate: number;
  p99Us: number;
  /** events/s by which the backlog grew over the measured intervals */
  backlogSlope: number;
  reason: string;
  runId: string;
  verdict: string;
  /** Scored answers behind p99Us. */
  scored: number;
}

export interface FindMaxOutcome {
  sustainedRate: number;
  trials: Trial[];
  /** The Result of the best passing trial, if any. */
  best?: Result;
  /** The search was stopped before it converged: sustainedRate is only a lower bound. */
  interrupted?: boolean;
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  return slopeFit(xs, ys).slope;
}

/**
 * Least-squares slope of y over x and its standard error (0 with fewer than 3 points or an
 * exact fit): how far the slope could be off given the scatter of the points about the line.
 */
export function slopeFit(xs: readonly number[], ys: readonly number[]): { slope: number; stderr: number } {
  const n = xs.length;
  if (n < 2) return { slope: 0, stderr: 0 };
  let sx = 0;
  let sy = 0;
  for (let i = 0; i < n; i++) {
    sx += xs[i]!;
    sy += ys[i]!;
  }
  const mx = sx / n;
  const my = sy / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  if (den === 0) return { slope: 0, stderr: 0 };
  const b = num / den;
  if (n < 3) return { slope: b, stderr: 0 };
  let rss = 0;
  for (let i = 0; i < n; i++) rss += (ys[i]! - (my + b * (xs[i]! - mx))) ** 2;
  return { slope: b, stderr: Math.sqrt(rss / (n - 2) / den) };
}

/**
 * Lag of each measured interval: events due but not yet sent by the driver (its backlog), plus
 * the events written to the engine's input and not yet read (`inputLagEvents`, reported by
 * transports that can tell, e.g. Kinesis), so an engine that accepts input but falls behind counts.
 */
export function lagSeries(r: Result): { t: number[]; lag: number[] } {
  const measured = r.intervals.filter((i) => i.phase === 'measure');
  // In events, as the driver's backlog is: inputLagRecords counts Kinesis records (hundreds of
  // events each), the fallback only for a transport that reports no event count.
  return { t: measured.map((i) => i.t), lag: measured.map((i) => i.sendBacklog + (i.backend['inputLagEvents'] ?? i.backend['inputLagRecords'] ?? 0)) };
}

export function judgeTrial(
  r: Result,
  rate: number,
  o: Pick<FindMaxOptions, 'latencySloMs' | 'backlogSlopeFraction' | 'minAchievedFraction' | 'minScoredAnswers'>,
): Omit<Trial, 'repetition'> {
  const { t, lag } = lagSeries(r);
  const { slope: s, stderr } = slopeFit(t, lag);
  const p99Us = r.summary.latency.p99;
  const scored = r.summary.latency.count;
  const minScored = o.minScoredAnswers ?? MIN_ANSWERS_FOR_P99;
  const threshold = (o.backlogSlopeFraction ?? 0.01) * rate;
  const reasons: string[] = [];
  if (!r.complete) reasons.push(`incomplete: ${r.incompleteReason ?? ''}`);
  if (scored === 0) reasons.push('no scored answer');
  else if (scored < minScored) reasons.push(`only ${scored} scored answers (a p99 needs ${minScored}; lengthen the trials)`);
  if (p99Us > o.latencySloMs * 1000) reasons.push(`p99 ${(p99Us / 1000).toFixed(1)} ms > SLO ${o.latencySloMs} ms`);
  // Growth must also stand out of the lag's own scatter (twice the slope's standard error): an
  // engine read through a polled Kinesis reports its position in steps of hundreds of events, and
  // over a short trial that scatter alone tilts the line by more than 1% of a low rate.
  if (s > threshold && s > 2 * stderr) reasons.push(`backlog grows ${Math.round(s)} ± ${Math.round(stderr)} events/s > ${Math.round(threshold)}`);
  if (r.summary.achievedRate < (o.minAchievedFraction ?? 0.95) * rate) reasons.push(`achieved ${Math.round(r.summary.achievedRate)} events/s`);
  // Only a checked, passing answer counts: unchecked, vacuous and incomplete verdicts fail the trial.
  if (r.verdict.status === 'fail') reasons.push('wrong answer');
  else if (r.verdict.status !== 'pass') reasons.push(`verdict ${r.verdict.status}`);
  return {
    rate,
    passed: reasons.length === 0,
    achievedRate: r.summary.achievedRate,
    p99Us,
    backlogSlope: s,
    reason: reasons.join('; ') || 'within SLO',
    runId: r.runId,
    verdict: r.verdict.status,
    scored,
  };
}

/** One search: doubling, then bisection. */
export async function findSustainableRate(o: FindMaxOptions, repetition = 0): Promise<FindMaxOutcome> {
  const precision = o.precision ?? 0.1;
  const maxTrials = o.maxTrials ?? 16;
  const trials: Trial[] = [];
  let best: Result | undefined;
  const results = new Map<number, Result>();

  let interrupted = false;
  const tryRate = async (rate: number): Promise<boolean> => {
    if (trials.length >= maxTrials || interrupted) return false;
    if (o.stopped?.()) {
      interrupted = true;
      return false;
    }
    const r = await o.runTrial(rate, repetition);
    // A trial cut short by the interrupt says nothing about the rate: it is kept, and the search ends.
    if (o.stopped?.()) interrupted = true;
    const t = { ...judgeTrial(r, rate, o), repetition };
    trials.push(t);
    o.onTrial?.(t);
    if (!t.passed) return false;
    results.set(rate, r);
    return true;
  };

  let lo = 0;
  let hi = Number.POSITIVE_INFINITY;
  let rate = o.startRate;
  while (rate <= o.maxRate && trials.length < maxTrials && !interrupted) {
    if (await tryRate(rate)) {
      lo = rate;
      rate *= 2;
    } else {
      hi = rate;
      break;
    }
  }
  if (!Number.isFinite(hi) && lo > 0 && lo < o.maxRate && trials.length < maxTrials && !interrupted) {
    // Doubling overshot the ceiling: try the ceiling itself.
    if (await tryRate(o.maxRate)) lo = o.maxRate;
    else hi = o.maxRate;
  }
  while (Number.isFinite(hi) && hi - lo > precision * Math.max(lo, o.startRate / 2) && trials.length < maxTrials && !interrupted) {
    const mid = Math.round(lo === 0 ? hi / 2 : (lo + hi) / 2);
    if (mid <= lo || mid >= hi) break;
    if (await tryRate(mid)) lo = mid;
    else hi = mid;
  }
  best = results.get(lo);
  return { sustainedRate: lo, trials, ...(best ? { best } : {}), ...(interrupted ? { interrupted } : {}) };
}

export interface RepeatedOutcome extends FindMaxOutcome {
  /** Each search's sustained rate; `sustainedRate` is their median. */
  rates: number[];
  min: number;
  max: number;
  /** Events per CPU-second of the system under test in the best trial at the median, when measured. */
  eventsPerSutCpuSecond?: number;
}

/**
 * Repeats the search `repeat` times (each with its own trial budget) and reports the median
 * sustained rate with its spread: one search's answer moves with the machine's noise.
 */
export async function findSustainableRateRepeated(o: FindMaxOptions & { repeat: number }): Promise<RepeatedOutcome> {
  const all: FindMaxOutcome[] = [];
  for (let k = 0; k < Math.max(1, o.repeat); k++) {
    const one = await findSustainableRate(o, k);
    all.push(one);
    if (one.interrupted) break;
  }
  // An interrupted search's rate is only a lower bound: the median is of the searches that finished,
  // or, when none did, that bound (and the outcome says it was interrupted).
  const finished = all.filter((x) => !x.interrupted);
  const outcomes = finished.length ? finished : all;
  const interrupted = all.some((x) => x.interrupted);
  const rates = outcomes.map((x) => x.sustainedRate);
  const sorted = [...rates].sort((a, b) => a - b);
  const median = medianOf(sorted);
  // The Result shown is the best trial of the search whose rate is nearest the median.
  const nearest = outcomes.reduce((a, b) => (Math.abs(b.sustainedRate - median) < Math.abs(a.sustainedRate - median) ? b : a));
  const best = nearest.best;
  const perCpu = best?.summary.eventsPerSutCpuSecond;
  return {
    sustainedRate: median,
    trials: all.flatMap((x) => x.trials),
    ...(best ? { best } : {}),
    ...(interrupted ? { interrupted } : {}),
    rates,
    min: sorted[0] ?? 0,
    max: sorted[sorted.length - 1] ?? 0,
    ...(perCpu !== undefined ? { eventsPerSutCpuSecond: perCpu } : {}),
  };
}

function medianOf(sorted: readonly number[]): number {
  const n = sorted.length;
  if (n === 0) return 0;
  return n % 2 ? sorted[(n - 1) / 2]! : (sorted[n / 2 - 1]! + sorted[n / 2]!) / 2;
}
