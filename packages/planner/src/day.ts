import { platformNumber, platformTable } from './calibration.js';
import { evaluate, kinesisFor, type EvaluateOptions, type PlannerInputs } from './model.js';
import { planPlatform } from './sweep.js';
import { type Evaluation, type Platform, type PlanConfig, type WorkloadTraits } from './types.js';

/**
 * A day of real load: a rate per minute over 24 hours, and what each platform does with it — what
 * the day costs, how many minutes miss the SLO, and how the platform scaled:
 *
 * - **Flink on EC2, provisioned at peak**: the cheapest configuration that meets the SLO at the
 *   day's peak, running all day.
 * - **Flink on EC2 with a scaling policy**: the same instance type, nodes added when utilisation
 *   would pass the planned headroom and removed after 15 quiet minutes; a new node serves only after
 *   `ec2.scalingLagS` (alarm + launch + restart from a savepoint), and the minutes before it are
 *   missed when the rate is above what runs.
 * - **Managed Flink with autoscaling** (on by default): AWS's published rule — parallelism doubles
 *   after 15 minutes at ≥ 75% CPU and halves after 6 hours below 10% — starting at the size for
 *   the day's median rate; each scaling restarts the application (`kda.restartS` without output).
 * - **Flock on Lambda**: the configuration that meets the SLO at peak, billed per invocation
 *   minute by minute (its always-on source included).
 *
 * Kinesis is provisioned at the peak for every platform alike and shown apart.
 */

export const DAY_SHAPES = ['diurnal', 'bursty', 'office-hours'] as const;
export type DayShape = (typeof DAY_SHAPES)[number];
export const MINUTES_PER_DAY = 1440;

/**
 * The named days, scaled so that their peak is `peak` events/s:
 * - diurnal: a sine between 15% of peak at 03:00 and the peak at 15:00;
 * - bursty: 10% of peak, with a 10-minute burst to the peak at the top of every second hour;
 * - office-hours: 5% of peak, the peak from 08:00 to 18:00 with 30-minute ramps.
 */
export function dayProfile(shape: DayShape, peak: number): number[] {
  return Array.from({ length: MINUTES_PER_DAY }, (_, m) => {
    const h = m / 60;
    switch (shape) {
      case 'diurnal':
        return peak * (0.15 + 0.85 * ((1 - Math.cos((2 * Math.PI * (h - 3)) / 24)) / 2));
      case 'bursty':
        return m % 120 < 10 ? peak : peak * 0.1;
      case 'office-hours': {
        const ramp = (x: number) => Math.min(1, Math.max(0, x));
        const up = ramp((h - 7.5) / 0.5);
        const down = ramp((18.5 - h) / 0.5);
        return peak * (0.05 + 0.95 * Math.min(up, down));
      }
    }
  });
}

export interface DayRow {
  platform: Platform;
  /** How it scaled, in words. */
  strategy: string;
  /** The configuration at peak (or the one it ran all day). */
  config: string;
  computeUsd: number;
  kinesisUsd: number;
  totalUsd: number;
  /** Minutes in which the rate was above what ran, or p99 above the SLO, or the engine restarted. */
  sloMissedMinutes: number;
  scalingActions: number;
  /** Size per minute: nodes (EC2), KPUs (Managed Flink), or utilisation of the configuration (Flock, which scales per invocation). */
  sizes: number[];
  note?: string;
}

export interface DayOutput {
  workload: string;
  label: string;
  minutes: number;
  peakRate: number;
  meanRate: number;
  sloMs?: number;
  rows: DayRow[];
  /** The cheapest row that misses no minute, if any. */
  cheapestWithinSlo?: DayRow;
}

const HOUR_MIN = 60;

function computePerHour(e: Evaluation): number {
  return e.costItems.filter((c) => c.service !== 'kinesis').reduce((s, c) => s + c.usdPerHour, 0);
}

/**
 * Events left waiting: a minute above capacity leaves (rate − capacity) × 60 s of them, which later
 * minutes work off with their spare capacity. Every minute that starts or ends with a backlog is
 * missed: its answers wait behind it (a compressed day run on this machine showed the evening
 * missing its SLO long after the peak had passed).
 */
export class Backlog {
  events = 0;
  /** Carries the minute at `rate` with `capacity`; true when the minute was behind. */
  minute(rate: number, capacity: number): boolean {
    const before = this.events;
    this.events = Math.max(0, this.events + (rate - capacity) * 60);
    return before > 0 || this.events > 0;
  }
}

function misses(e: Evaluation, rate: number, sloMs?: number): boolean {
  return e.sustainableRate.value < rate || (sloMs !== undefined && e.latencyP99Ms.value > sloMs);
}

/** The cheapest configuration of a platform that meets the SLO at a rate (or sustains it, when none does). */
function sizedAt(inputs: PlannerInputs, traits: WorkloadTraits, platform: Platform, rate: number, opts: EvaluateOptions): Evaluation | undefined {
  const p = planPlatform(inputs, traits, platform, rate, opts);
  return p.feasible[0] ?? p.candidates[0];
}

function fixedDay(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], config: PlanConfig, opts: EvaluateOptions): { usd: number; missed: number; evals: Evaluation[] } {
  let usd = 0;
  let missed = 0;
  const evals: Evaluation[] = [];
  const memo = new Map<number, Evaluation>();
  const backlog = new Backlog();
  for (const r of rates) {
    // Rates are rounded to 3 significant digits for the cost (a day has many near-equal minutes).
    const key = Number(r.toPrecision(3));
    let e = memo.get(key);
    if (!e) {
      e = evaluate(inputs, traits, config, Math.max(key, 1e-6), opts);
      memo.set(key, e);
    }
    evals.push(e);
    usd += computePerHour(e) / HOUR_MIN;
    const behind = backlog.minute(r, e.sustainableRate.value);
    if (behind || misses(e, r, opts.sloMs)) missed++;
  }
  return { usd, missed, evals };
}

export function planDay(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], label: string, opts: EvaluateOptions & { platforms?: readonly Platform[] } = {}): DayOutput {
  const peak = Math.max(...rates);
  const mean = rates.reduce((a, b) => a + b, 0) / rates.length;
  const sorted = [...rates].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  const kinesisUsd = (kinesisFor(traits, peak, inputs).usdPerHour * rates.length) / HOUR_MIN;
  const platforms = opts.platforms ?? (['kda', 'flock-lambda', 'flink-ec2'] as const);
  const rows: DayRow[] = [];
  const row = (r: Omit<DayRow, 'kinesisUsd' | 'totalUsd'>): DayRow => ({ ...r, kinesisUsd, totalUsd: r.computeUsd + kinesisUsd });

  if (platforms.includes('flink-ec2')) {
    const atPeak = sizedAt(inputs, traits, 'flink-ec2', peak, opts);
    if (!atPeak) rows.push(row({ platform: 'flink-ec2', strategy: 'provisioned at peak', config: '–', computeUsd: 0, sloMissedMinutes: rates.length, scalingActions: 0, sizes: [], note: `no configuration sustains ${Math.round(peak)} events/s` }));
    else {
      const fixed = fixedDay(inputs, traits, rates, atPeak.config, opts);
      rows.push(row({ platform: 'flink-ec2', strategy: 'provisioned at peak', config: atPeak.label, computeUsd: fixed.usd, sloMissedMinutes: fixed.missed, scalingActions: 0, sizes: rates.map(() => (atPeak.config as { nodes: number }).nodes) }));
      rows.push(ec2Scaling(inputs, traits, rates, scalingType(inputs, traits, rates, peak, opts) ?? atPeak, opts, row));
    }
  }
  if (platforms.includes('kda')) {
    const start = sizedAt(inputs, traits, 'kda', median, opts);
    if (!start) rows.push(row({ platform: 'kda', strategy: 'autoscaling (AWS rule)', config: '–', computeUsd: 0, sloMissedMinutes: rates.length, scalingActions: 0, sizes: [], note: 'no configuration sustains the median rate' }));
    else rows.push(kdaAutoscaling(inputs, traits, rates, start, opts, row));
  }
  if (platforms.includes('flock-lambda')) {
    const atPeak = sizedAt(inputs, traits, 'flock-lambda', peak, opts);
    if (!atPeak) rows.push(row({ platform: 'flock-lambda', strategy: 'per invocation', config: '–', computeUsd: 0, sloMissedMinutes: rates.length, scalingActions: 0, sizes: [], note: `no configuration sustains ${Math.round(peak)} events/s${traits.kind === 'updating' ? ' (Flock keeps no state across windows)' : ''}` }));
    else {
      const fixed = fixedDay(inputs, traits, rates, atPeak.config, opts);
      rows.push(row({ platform: 'flock-lambda', strategy: 'per invocation (configuration sized at peak)', config: atPeak.label, computeUsd: fixed.usd, sloMissedMinutes: fixed.missed, scalingActions: 0, sizes: fixed.evals.map((e) => e.utilisation ?? 0) }));
    }
  }
  const within = rows.filter((r) => r.sloMissedMinutes === 0 && r.computeUsd > 0).sort((a, b) => a.totalUsd - b.totalUsd);
  return {
    workload: traits.id,
    label,
    minutes: rates.length,
    peakRate: peak,
    meanRate: mean,
    ...(opts.sloMs !== undefined ? { sloMs: opts.sloMs } : {}),
    rows,
    ...(within[0] ? { cheapestWithinSlo: within[0] } : {}),
  };
}

/**
 * The instance type a scaling policy does best with: over every type's smallest configuration that
 * sustains the peak, the one whose nodes needed minute by minute (capacity only) cost least.
 */
function scalingType(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], peak: number, opts: EvaluateOptions): Evaluation | undefined {
  const candidates = planPlatform(inputs, traits, 'flink-ec2', peak, opts).feasible;
  let best: { e: Evaluation; usd: number } | undefined;
  for (const e of candidates) {
    const c = e.config as { instanceType: string; nodes: number };
    const caps = Array.from({ length: c.nodes }, (_, i) => evaluate(inputs, traits, { family: 'flink-ec2', instanceType: c.instanceType, nodes: i + 1 }, peak, { ...opts, priceOnlyIfSustains: true }).sustainableRate.value);
    const perNodeHour = computePerHour(e) / c.nodes;
    let usd = 0;
    for (const r of rates) {
      const n = caps.findIndex((cap) => cap >= r) + 1 || c.nodes;
      usd += (n * perNodeHour) / HOUR_MIN;
    }
    if (!best || usd < best.usd) best = { e, usd };
  }
  return best?.e;
}

type RowFn = (r: Omit<DayRow, 'kinesisUsd' | 'totalUsd'>) => DayRow;

/** EC2 nodes of the peak's instance type, added with a start lag when needed and removed after 15 quiet minutes. */
function ec2Scaling(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], atPeak: Evaluation, opts: EvaluateOptions, row: RowFn): DayRow {
  const P = inputs.shipped.platforms;
  const type = (atPeak.config as { instanceType: string }).instanceType;
  const maxNodes = (atPeak.config as { nodes: number }).nodes;
  const lagMin = Math.ceil(platformNumber(P, 'ec2.scalingLagS') / 60);
  const evalAt = new Map<number, Evaluation>();
  const at = (n: number, r: number): Evaluation => {
    const key = n * 1e12 + Number(r.toPrecision(3));
    let e = evalAt.get(key);
    if (!e) {
      e = evaluate(inputs, traits, { family: 'flink-ec2', instanceType: type, nodes: n }, Math.max(Number(r.toPrecision(3)), 1e-6), opts);
      evalAt.set(key, e);
    }
    return e;
  };
  const needed = (r: number): number => {
    for (let n = 1; n <= maxNodes; n++) if (!misses(at(n, r), r, opts.sloMs)) return n;
    return maxNodes;
  };
  let running = needed(rates[0] ?? 0);
  let pending: { n: number; readyAt: number } | undefined;
  let quiet = 0;
  let usd = 0;
  let missed = 0;
  let actions = 0;
  const sizes: number[] = [];
  const backlog = new Backlog();
  rates.forEach((r, m) => {
    if (pending && m >= pending.readyAt) {
      running = pending.n;
      pending = undefined;
    }
    const want = needed(r);
    if (want > running && (!pending || pending.n < want)) {
      pending = { n: want, readyAt: m + lagMin };
      actions++;
    }
    if (want < running && !pending) {
      quiet++;
      if (quiet >= 15) {
        running = want;
        quiet = 0;
        actions++;
      }
    } else quiet = 0;
    // New nodes are billed from their launch, while they start.
    usd += computePerHour(at(pending ? pending.n : running, r)) / HOUR_MIN;
    const behind = backlog.minute(r, at(running, r).sustainableRate.value);
    if (behind || misses(at(running, r), r, opts.sloMs)) missed++;
    sizes.push(running);
  });
  return row({
    platform: 'flink-ec2',
    strategy: `scaling policy (${lagMin} min to add a node, 15 quiet minutes to remove one)`,
    config: `1–${maxNodes} × ${type}`,
    computeUsd: usd,
    sloMissedMinutes: missed,
    scalingActions: actions,
    sizes,
  });
}

/** Managed Flink's autoscaling: ×2 after 15 min at ≥ 75% CPU, ×½ after 6 h below 10%; each change restarts the job. */
function kdaAutoscaling(inputs: PlannerInputs, traits: WorkloadTraits, rates: readonly number[], start: Evaluation, opts: EvaluateOptions, row: RowFn): DayRow {
  const P = inputs.shipped.platforms;
  const rule = platformTable(P, 'kda.autoscaling');
  const restartMin = Math.ceil(platformNumber(P, 'kda.restartS') / 60);
  const ppk = (start.config as { parallelismPerKpu: number }).parallelismPerKpu;
  let kpus = Math.ceil((start.config as { parallelism: number }).parallelism / ppk);
  const maxKpus = platformNumber(P, 'kda.sweepMaxKpus');
  const memo = new Map<number, Evaluation>();
  const at = (k: number, r: number): Evaluation => {
    const key = k * 1e12 + Number(r.toPrecision(3));
    let e = memo.get(key);
    if (!e) {
      e = evaluate(inputs, traits, { family: 'kda', parallelism: k * ppk, parallelismPerKpu: ppk }, Math.max(Number(r.toPrecision(3)), 1e-6), opts);
      memo.set(key, e);
    }
    return e;
  };
  let hot = 0;
  let cold = 0;
  let restartUntil = -1;
  const backlog = new Backlog();
  let usd = 0;
  let missed = 0;
  let actions = 0;
  const sizes: number[] = [];
  rates.forEach((r, m) => {
    const e = at(kpus, r);
    // CPU utilisation ≈ rate ÷ saturation (the model caps it just under 100%).
    const cpu = (e.utilisation ?? 0) * 100;
    hot = cpu >= rule['scaleUpCpuPct']! ? hot + 1 : 0;
    cold = cpu < rule['scaleDownCpuPct']! ? cold + 1 : 0;
    usd += computePerHour(e) / HOUR_MIN;
    // A restart serves nothing for its minutes: the input waits.
    const behind = backlog.minute(r, m <= restartUntil ? 0 : e.sustainableRate.value);
    if (behind || m <= restartUntil || misses(e, r, opts.sloMs)) missed++;
    sizes.push(kpus);
    if (hot >= rule['scaleUpMinutes']! && kpus < maxKpus) {
      kpus = Math.min(maxKpus, kpus * rule['factorUp']!);
      hot = 0;
      actions++;
      restartUntil = m + restartMin;
    } else if (cold >= rule['scaleDownMinutes']! && kpus > 1) {
      kpus = Math.max(1, Math.floor(kpus * rule['factorDown']!));
      cold = 0;
      actions++;
      restartUntil = m + restartMin;
    }
  });
  return row({
    platform: 'kda',
    strategy: `autoscaling (AWS rule: ×2 after ${rule['scaleUpMinutes']} min ≥ ${rule['scaleUpCpuPct']}% CPU, ×½ after ${rule['scaleDownMinutes']! / 60} h < ${rule['scaleDownCpuPct']}%; ${platformNumber(P, 'kda.restartS')} s restart each)`,
    config: `${Math.min(...sizes)}–${Math.max(...sizes)} KPU (started at ${start.label}, the median rate's size)`,
    computeUsd: usd,
    sloMissedMinutes: missed,
    scalingActions: actions,
    sizes,
  });
}
