import { platformList } from './calibration.js';
import { CENTRAL, type EvaluateOptions, type PlannerInputs } from './model.js';
import { plan, planRates, type Crossover, type PlanOutput, type RatesOutput } from './sweep.js';
import { PLATFORMS, type Platform, type ProfileChoice, type Scenario, type WorkloadTraits } from './types.js';

/**
 * Bands: every projection read under several scenarios — the capacity profiles (measured find-max
 * searches, nexmark/nexmark GUIDE_V1, GUIDE_V2), the spread of Flock's measured compute per event,
 * and the ends of the assumed ranges (scaling efficiency, exactly-once's throughput cost) — and
 * reported as low / central / high. A recommendation holds across the band when every scenario
 * picks the same platform; a crossover is the range of rates where the scenarios put it.
 */

export type PlanOptions = EvaluateOptions & { platforms?: readonly Platform[] };

/** True when some measured find-max search of Flink on this workload exists. */
function hasMeasuredFlink(inputs: PlannerInputs, workloadId: string, exclude?: ReadonlySet<string>): boolean {
  return inputs.points.some((p) => p.engine === 'flink' && p.workload === workloadId && p.sustainedRate !== undefined && p.sustainedRate > 0 && !exclude?.has(p.runId));
}

/** The scenarios a `--profile` choice stands for; the first is the central one. */
export function scenariosFor(choice: ProfileChoice, inputs: PlannerInputs, workloadId: string, exclude?: ReadonlySet<string>): Scenario[] {
  if (choice === 'measured') return [{ id: 'measured', flink: 'measured', flock: 'mean' }];
  if (choice === 'nexmark-v1' || choice === 'nexmark-v2') return [{ id: choice, flink: choice, flock: 'mean' }];
  const P = inputs.shipped.platforms;
  const [etaLow, etaHigh] = platformList(P, 'scaling.etaRange') as [number, number];
  const [eoLow, eoHigh] = platformList(P, 'flink.exactlyOnceThroughputFactorRange') as [number, number];
  const measured = hasMeasuredFlink(inputs, workloadId, exclude);
  const out: Scenario[] = [{ ...CENTRAL, id: measured ? 'central (measured)' : 'central (nexmark-v2)' }];
  if (measured) out.push({ id: 'nexmark-v2', flink: 'nexmark-v2', flock: 'mean' });
  out.push({ id: 'nexmark-v1', flink: 'nexmark-v1', flock: 'mean' });
  out.push({ id: 'low end of the assumptions', flink: 'auto', flock: 'most', eta: etaLow, exactlyOnceFactor: eoLow });
  out.push({ id: 'high end of the assumptions', flink: 'auto', flock: 'least', eta: etaHigh, exactlyOnceFactor: eoHigh });
  return out;
}

export interface Band {
  low: number;
  central: number;
  high: number;
}

function bandOf(values: readonly (number | undefined)[]): Band | null {
  const central = values[0];
  const xs = values.filter((v): v is number => v !== undefined && Number.isFinite(v));
  if (central === undefined || xs.length === 0) return null;
  return { low: Math.min(...xs), central, high: Math.max(...xs) };
}

export interface BandedPlan {
  profile: ProfileChoice;
  scenarios: Scenario[];
  /** The plan under each scenario, the central one first. */
  outputs: PlanOutput[];
  /** Cost per hour of each platform's cheapest feasible configuration, over the scenarios. */
  costBand: Record<Platform, Band | null>;
  /** The platform each scenario recommends. */
  winners: { scenario: string; platform: Platform | null }[];
  /** Every scenario recommends the same platform. */
  holdsAcrossBand: boolean;
  /** One sentence on whether the recommendation holds across the band. */
  verdict: string;
}

const TITLES: Record<Platform, string> = { 'flink-ec2': 'Flink on EC2', kda: 'Managed Flink', 'flock-lambda': 'Flock on Lambda' };

export function planBand(inputs: PlannerInputs, traits: WorkloadTraits, rate: number, opts: PlanOptions, profile: ProfileChoice): BandedPlan {
  const scenarios = scenariosFor(profile, inputs, traits.id, opts.exclude);
  const outputs = scenarios.map((scenario) => plan({ ...inputs, scenario }, traits, rate, opts));
  const costBand = Object.fromEntries(
    PLATFORMS.map((p) => [p, bandOf(outputs.map((o) => o.platforms.find((x) => x.platform === p)?.feasible[0]?.costPerHourUsd.value))]),
  ) as Record<Platform, Band | null>;
  const winners = outputs.map((o, i) => ({ scenario: scenarios[i]!.id, platform: (o.recommendation?.evaluation.family as Platform | undefined) ?? null }));
  const first = winners[0]!.platform;
  const holds = winners.every((w) => w.platform === first);
  const verdict =
    scenarios.length === 1
      ? `one profile (${scenarios[0]!.id}): no band`
      : holds
        ? `holds across the band: every scenario (${scenarios.map((s) => s.id).join(', ')}) recommends ${first ? TITLES[first] : 'nothing'}`
        : `does not hold across the band: ${winners.map((w) => `${w.scenario} → ${w.platform ? TITLES[w.platform] : 'none'}`).join('; ')}`;
  return { profile, scenarios, outputs, costBand, winners, holdsAcrossBand: holds, verdict };
}

export interface CrossoverRange {
  below: Platform;
  above: Platform;
  /** Where the central scenario puts it, and the range over the scenarios that have it. */
  central: number | null;
  low: number;
  high: number;
  /** Scenarios with this crossover, of all. */
  seenIn: string[];
}

export interface BandedRates {
  profile: ProfileChoice;
  scenarios: Scenario[];
  outputs: RatesOutput[];
  crossovers: CrossoverRange[];
}

/** The rate sweep under each scenario; crossovers of the cheapest platform as ranges. */
export function planRatesBand(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], opts: PlanOptions, profile: ProfileChoice): BandedRates {
  const scenarios = scenariosFor(profile, inputs, traits.id, opts.exclude);
  const outputs = scenarios.map((scenario) => planRates({ ...inputs, scenario }, traits, rates, opts));
  const byPair = new Map<string, { c: Crossover; scenario: string; central: boolean }[]>();
  outputs.forEach((o, i) => {
    for (const c of o.crossovers.filter((x) => x.kind === 'winner')) {
      const key = `${c.below}>${c.above}`;
      const list = byPair.get(key) ?? [];
      list.push({ c, scenario: scenarios[i]!.id, central: i === 0 });
      byPair.set(key, list);
    }
  });
  const crossovers: CrossoverRange[] = [...byPair.values()].map((list) => {
    const rs = list.map((x) => x.c.rate);
    const central = list.find((x) => x.central)?.c.rate ?? null;
    return { below: list[0]!.c.below, above: list[0]!.c.above, central, low: Math.min(...rs), high: Math.max(...rs), seenIn: [...new Set(list.map((x) => x.scenario))] };
  });
  crossovers.sort((a, b) => (a.central ?? a.low) - (b.central ?? b.low));
  return { profile, scenarios, outputs, crossovers };
}
