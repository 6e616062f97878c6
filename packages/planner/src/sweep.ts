import { listInstanceTypes } from '@streamscore/cost';
import { platformList, platformNumber } from './calibration.js';
import { evaluate, type EvaluateOptions, type PlannerInputs } from './model.js';
import { PLATFORMS, PLATFORM_TITLES, type Evaluation, type Platform, type PlanConfig, type WorkloadTraits } from './types.js';

/**
 * The sweep: every configuration of every platform, the ones that sustain the rate within the
 * SLO, their cost, the Pareto front of cost against latency, and a recommendation.
 *
 * Recommendation: the cheapest feasible configuration. Configurations within 1% of the cheapest
 * cost are a tie, broken by the least operational work — Managed Flink (nothing to run) before
 * Flock on Lambda (functions, no servers) before Flink on EC2 (instances to patch and watch) —
 * and then by the lower p99.
 */

/** Operational work, least first: the tie-breaker. */
export const OPERATIONAL_ORDER: readonly Platform[] = PLATFORMS;
/** Costs within this fraction of each other are a tie. */
export const TIE_FRACTION = 0.01;

/**
 * The configurations of one platform, grouped into "shapes" listed smallest first: an instance
 * type's node counts; a parallelism-per-KPU's KPU counts; a Lambda memory size and architecture's
 * group sizes. Within a shape a bigger size costs more and sustains more, so the sweep keeps the
 * smallest size of each shape that sustains the rate.
 */
export function sweepShapes(inputs: PlannerInputs, traits: WorkloadTraits, platform: Platform): PlanConfig[][] {
  const P = inputs.shipped.platforms;
  if (platform === 'flink-ec2') {
    const minMem = platformNumber(P, 'ec2.minNodeMemoryGiB');
    const maxNodes = platformNumber(P, 'ec2.maxNodes');
    return listInstanceTypes(inputs.book)
      .filter((t) => !t.burstable && t.memoryGiB >= minMem)
      .map((t) => Array.from({ length: maxNodes }, (_, i) => ({ family: 'flink-ec2' as const, instanceType: t.type, nodes: i + 1 })));
  }
  if (platform === 'kda') {
    // 64 KPUs is a default quota AWS raises on request: the sweep looks beyond it (the evaluation says so).
    const maxKpus = platformNumber(P, 'kda.sweepMaxKpus');
    return platformList(P, 'kda.parallelismPerKpu').map((ppk) =>
      Array.from({ length: maxKpus }, (_, i) => ({ family: 'kda' as const, parallelism: (i + 1) * ppk, parallelismPerKpu: ppk })),
    );
  }
  const groups = traits.kind === 'per-event' ? [0] : platformList(P, 'flock.groupSizes');
  const shapes: PlanConfig[][] = [];
  for (const architecture of ['arm64', 'x86_64'] as const) {
    for (const memoryMB of platformList(P, 'lambda.memoryStepsMB')) {
      shapes.push(groups.map((groupSize) => ({ family: 'flock-lambda' as const, memoryMB, architecture, groupSize })));
    }
  }
  return shapes;
}

export interface PlatformPlan {
  platform: Platform;
  title: string;
  /** Configurations looked at. */
  evaluated: number;
  /** Smallest sustaining configuration of each shape (the candidates), cheapest first. */
  candidates: Evaluation[];
  /** Candidates within the SLO, cheapest first. */
  feasible: Evaluation[];
  /** Why the platform has no candidate at all, if so. */
  note?: string;
}

export interface Recommendation {
  evaluation: Evaluation;
  why: string;
}

export interface PlanOutput {
  workload: WorkloadTraits;
  rate: number;
  sloMs?: number;
  platforms: PlatformPlan[];
  /** Candidates no other candidate beats on both cost per hour and p99 (over every platform). */
  pareto: Evaluation[];
  recommendation?: Recommendation;
  /** Why there is no recommendation, when there is none. */
  noRecommendation?: string;
}

const byCost = (a: Evaluation, b: Evaluation) => a.costPerHourUsd.value - b.costPerHourUsd.value || a.latencyP99Ms.value - b.latencyP99Ms.value;

export function planPlatform(inputs: PlannerInputs, traits: WorkloadTraits, platform: Platform, rate: number, opts: EvaluateOptions = {}): PlatformPlan {
  const shapes = sweepShapes(inputs, traits, platform);
  const candidates: Evaluation[] = [];
  let evaluated = 0;
  let lastReason = '';
  // Within a shape a bigger size sustains at least as much, so the smallest that sustains is found
  // by bisection (a shape of 256 KPUs takes 9 evaluations, not up to 256).
  for (const shape of shapes) {
    const memo = new Map<number, Evaluation>();
    const at = (i: number): Evaluation => {
      let e = memo.get(i);
      if (!e) {
        e = evaluate(inputs, traits, shape[i]!, rate, { ...opts, priceOnlyIfSustains: true });
        memo.set(i, e);
        evaluated++;
      }
      return e;
    };
    const first = at(0);
    if (first.unmodelled) {
      lastReason = first.reasons[0] ?? lastReason;
      continue; // no model for this shape at all
    }
    let found: Evaluation | undefined;
    if (first.sustains) found = first;
    else if (!at(shape.length - 1).sustains) lastReason = at(shape.length - 1).reasons[0] ?? lastReason;
    else {
      let lo = 0;
      let hi = shape.length - 1;
      while (hi - lo > 1) {
        const mid = (lo + hi) >> 1;
        if (at(mid).sustains) hi = mid;
        else lo = mid;
      }
      found = at(hi);
    }
    if (found) candidates.push(found);
  }
  candidates.sort(byCost);
  // Configurations the model cannot tell apart (e.g. KDA parallelism 2 at 1/KPU and 4 at 2/KPU:
  // the same KPUs) are listed once: the first, i.e. the lowest parallelism per KPU.
  const distinct = candidates.filter(
    (c, i) => !candidates.slice(0, i).some((d) => d.costPerHourUsd.value === c.costPerHourUsd.value && d.sustainableRate.value === c.sustainableRate.value && d.latencyP99Ms.value === c.latencyP99Ms.value),
  );
  candidates.length = 0;
  candidates.push(...distinct);
  const feasible = candidates.filter((c) => c.feasible);
  return {
    platform,
    title: PLATFORM_TITLES[platform],
    evaluated,
    candidates,
    feasible,
    ...(candidates.length === 0 ? { note: lastReason || 'no configuration sustains the rate' } : {}),
  };
}

/** Indices of the points no other point beats on both coordinates (lower is better on both). */
export function paretoFront(points: readonly { cost: number; latency: number }[]): number[] {
  const out: number[] = [];
  points.forEach((p, i) => {
    const dominated = points.some((q, j) => j !== i && q.cost <= p.cost && q.latency <= p.latency && (q.cost < p.cost || q.latency < p.latency));
    if (!dominated) out.push(i);
  });
  // Equal points: keep the first only.
  return out.filter((i, k) => !out.slice(0, k).some((j) => points[j]!.cost === points[i]!.cost && points[j]!.latency === points[i]!.latency));
}

/** The cheapest feasible configuration; ties (within 1%) go to the least operational work, then the lower p99. */
export function recommend(feasible: readonly Evaluation[]): Recommendation | undefined {
  if (feasible.length === 0) return undefined;
  const cheapest = Math.min(...feasible.map((e) => e.costPerHourUsd.value));
  const tied = feasible.filter((e) => e.costPerHourUsd.value <= cheapest * (1 + TIE_FRACTION) + 1e-12);
  const ops = (e: Evaluation) => OPERATIONAL_ORDER.indexOf(e.family as Platform);
  tied.sort((a, b) => ops(a) - ops(b) || a.costPerHourUsd.value - b.costPerHourUsd.value || a.latencyP99Ms.value - b.latencyP99Ms.value);
  const best = tied[0]!;
  const why =
    tied.length > 1 && new Set(tied.map((e) => e.family)).size > 1
      ? `cheapest feasible (within ${TIE_FRACTION * 100}% of $${cheapest.toFixed(4)}/h, a tie broken by the least operational work: Managed Flink < Flock on Lambda < Flink on EC2)`
      : 'cheapest configuration that sustains the rate within the SLO';
  return { evaluation: best, why };
}

export function plan(inputs: PlannerInputs, traits: WorkloadTraits, rate: number, opts: EvaluateOptions & { platforms?: readonly Platform[] } = {}): PlanOutput {
  const platforms = (opts.platforms ?? PLATFORMS).map((p) => planPlatform(inputs, traits, p, rate, opts));
  const all = platforms.flatMap((p) => p.candidates);
  const front = paretoFront(all.map((e) => ({ cost: e.costPerHourUsd.value, latency: e.latencyP99Ms.value })))
    .map((i) => all[i]!)
    .sort(byCost);
  const feasible = platforms.flatMap((p) => p.feasible);
  let rec = recommend(feasible);
  // Equal guarantees: say so when the winner gives less than the guarantee asked for.
  const asked = opts.guarantee ?? 'exactly-once';
  if (rec && rec.evaluation.guarantee && rec.evaluation.guarantee.given !== asked) {
    rec = { ...rec, why: `${rec.why}; note: it gives ${rec.evaluation.guarantee.given}, not the ${asked} asked for (${rec.evaluation.guarantee.note})` };
  }
  let noRecommendation: string | undefined;
  if (!rec) {
    if (all.length === 0) noRecommendation = `no configuration of any platform sustains ${rate} events/s`;
    else {
      const fastest = [...all].sort((a, b) => a.latencyP99Ms.value - b.latencyP99Ms.value)[0]!;
      noRecommendation = `no configuration meets p99 ≤ ${opts.sloMs} ms at ${rate} events/s; the lowest projected p99 is ${Math.round(fastest.latencyP99Ms.value)} ms (${fastest.family} ${fastest.label}: ${fastest.latencyP99Ms.source})`;
    }
  }
  return {
    workload: traits,
    rate,
    ...(opts.sloMs !== undefined ? { sloMs: opts.sloMs } : {}),
    platforms,
    pareto: front,
    ...(rec ? { recommendation: rec } : {}),
    ...(noRecommendation ? { noRecommendation } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Rates: which platform is cheapest at each rate, and where the lines cross

/** Rounds to 3 significant digits. */
function sig3(x: number): number {
  const p = 10 ** (Math.floor(Math.log10(x)) - 2);
  return Math.round(x / p) * p;
}

/** Log-spaced rates from `from` to `to`, `perDecade` per factor of ten, both ends included. */
export function logRates(from: number, to: number, perDecade = 4): number[] {
  if (!(from > 0 && to >= from)) return [];
  if (to === from) return [from];
  const n = Math.max(1, Math.round(Math.log10(to / from) * perDecade));
  return Array.from({ length: n + 1 }, (_, i) => (i === 0 ? from : i === n ? to : sig3(from * (to / from) ** (i / n))));
}

export interface RateCell {
  perHourUsd: number;
  perMillionUsd: number;
  latencyP99Ms: number;
  label: string;
}

export interface RatePoint {
  rate: number;
  /** The cheapest feasible configuration of each platform; null when none is feasible. */
  cheapest: Record<Platform, RateCell | null>;
  /** The platform of the recommendation at this rate. */
  winner: Platform | null;
}

export function ratePoint(inputs: PlannerInputs, traits: WorkloadTraits, rate: number, opts: EvaluateOptions & { platforms?: readonly Platform[] } = {}): RatePoint {
  const out = plan(inputs, traits, rate, opts);
  const cheapest = Object.fromEntries(PLATFORMS.map((p) => [p, null])) as Record<Platform, RateCell | null>;
  for (const pp of out.platforms) {
    const e = pp.feasible[0];
    cheapest[pp.platform] = e ? { perHourUsd: e.costPerHourUsd.value, perMillionUsd: e.costPerMillionEventsUsd.value, latencyP99Ms: e.latencyP99Ms.value, label: e.label } : null;
  }
  return { rate, cheapest, winner: (out.recommendation?.evaluation.family as Platform | undefined) ?? null };
}

export interface Crossover {
  /** The platform cheaper below the crossing, and the one cheaper above it. */
  below: Platform;
  above: Platform;
  /** The sampled rates between which it happens, and the refined crossing rate. */
  fromRate: number;
  toRate: number;
  rate: number;
  /** `lines`: the two platforms' cost lines cross; `winner`: the cheapest platform overall changes. */
  kind: 'lines' | 'winner';
}

function cost(p: RatePoint, platform: Platform): number | undefined {
  return p.cheapest[platform]?.perHourUsd;
}

/**
 * Where the cost lines of two platforms cross (both feasible on both sides, and the cheaper one
 * changes), and where the overall cheapest platform changes. With `at`, each crossing is refined by
 * bisection on the log of the rate (12 steps) between the two sampled rates.
 */
export function findCrossovers(points: readonly RatePoint[], at?: (rate: number, platforms?: readonly Platform[]) => RatePoint): Crossover[] {
  const out: Crossover[] = [];
  // 8 halvings of a bracket of 10^(1/4) (4 rates per decade) place a crossing within 0.3%.
  const refine = (lo: number, hi: number, test: (p: RatePoint) => boolean, platforms?: readonly Platform[]): number => {
    if (!at) return Math.sqrt(lo * hi);
    for (let i = 0; i < 8; i++) {
      const mid = Math.sqrt(lo * hi);
      if (test(at(mid, platforms))) lo = mid;
      else hi = mid;
    }
    return Math.sqrt(lo * hi);
  };
  for (let i = 0; i + 1 < points.length; i++) {
    const a = points[i]!;
    const b = points[i + 1]!;
    for (let x = 0; x < PLATFORMS.length; x++) {
      for (let y = x + 1; y < PLATFORMS.length; y++) {
        const px = PLATFORMS[x]!;
        const py = PLATFORMS[y]!;
        const ax = cost(a, px);
        const ay = cost(a, py);
        const bx = cost(b, px);
        const by = cost(b, py);
        if (ax === undefined || ay === undefined || bx === undefined || by === undefined) continue;
        const before = Math.sign(ax - ay);
        const after = Math.sign(bx - by);
        if (before === 0 || after === 0 || before === after) continue;
        const below = before < 0 ? px : py;
        const above = below === px ? py : px;
        const rate = refine(
          a.rate,
          b.rate,
          (p) => {
            const cb = cost(p, below);
            const ca = cost(p, above);
            return cb !== undefined && ca !== undefined && cb < ca;
          },
          [below, above],
        );
        out.push({ below, above, fromRate: a.rate, toRate: b.rate, rate, kind: 'lines' });
      }
    }
    if (a.winner && b.winner && a.winner !== b.winner) {
      const below = a.winner;
      const rate = refine(a.rate, b.rate, (p) => p.winner === below);
      out.push({ below, above: b.winner, fromRate: a.rate, toRate: b.rate, rate, kind: 'winner' });
    }
  }
  return out;
}

export interface RatesOutput {
  workload: WorkloadTraits;
  sloMs?: number;
  points: RatePoint[];
  crossovers: Crossover[];
}

export function planRates(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], opts: EvaluateOptions & { platforms?: readonly Platform[] } = {}): RatesOutput {
  const points = rates.map((r) => ratePoint(inputs, traits, r, opts));
  const crossovers = findCrossovers(points, (r, platforms) => ratePoint(inputs, traits, r, platforms ? { ...opts, platforms } : opts));
  return { workload: traits, ...(opts.sloMs !== undefined ? { sloMs: opts.sloMs } : {}), points, crossovers };
}
