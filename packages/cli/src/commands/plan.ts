import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import {
  DAY_SHAPES,
  GUARANTEES,
  PLACEMENTS,
  PLATFORMS,
  PLATFORM_TITLES,
  PRICING_OPTIONS,
  PROFILES,
  checkPoints,
  dayProfile,
  planBand,
  planDay,
  planRatesBand,
  loadShippedCalibration,
  loadUserCalibration,
  logRates,
  mergePoints,
  pointFromResult,
  saveUserCalibration,
  userCalibrationPath,
  workloadTraits,
  type CheckOutput,
  type Evaluation,
  type MeasuredPoint,
  type Platform,
  type PlanOutput,
  type PlannerInputs,
  type RatesOutput,
  type WorkloadTraits,
  type BandedPlan,
  type BandedRates,
  type DayOutput,
  type DayShape,
  type Guarantee,
  type Placement,
  type PricingOption,
  type ProfileChoice,
} from '@streamscore/planner';
import { UserError, parseRate, readResult, readRateCsv } from '@streamscore/core';
import { locatePriceBook } from '@streamscore/cost';
import { costLatencyChart, crossoverChart, renderPlannerChart, type PlannerChartSpec } from '@streamscore/report';
import { StreamscoreCommand } from '../lib/base-command.js';
import { parseDuration } from '../lib/duration.js';
import { parseKeyValues } from '../lib/kv.js';
import { findWorkload } from '../lib/registry.js';
import { formatNumber, renderTable } from '../lib/table.js';
import { ensureWritableFolder } from '../lib/output-path.js';

const DEFAULT_RATES = '1000..10000000';

function money(x: number): string {
  if (x === 0) return '$0';
  return x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toFixed(5)}`;
}

function ms(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`;
}

function secs(x: number): string {
  return x >= 120 ? `${(x / 60).toFixed(1)} min` : `${Math.round(x)} s`;
}

function pct(x: number | undefined): string {
  return x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`;
}

/** "measured" when every figure was, "projected" when none was, else which were measured. */
function basisOf(e: Evaluation): string {
  const m = [
    ['rate', e.sustainableRate],
    ['p99', e.latencyP99Ms],
    ['ready', e.readinessS],
  ].filter(([, f]) => (f as Evaluation['latencyP99Ms']).basis === 'measured');
  return m.length === 0 ? 'projected' : `measured: ${m.map(([k]) => k).join(', ')}`;
}

function parseRateFlag(text: string): number {
  try {
    return parseRate(text);
  } catch {
    throw new UserError(`--rate must be a positive number of events per second (got "${text}").`, 'For example --rate 100000 or --rate 100k.');
  }
}

function parseRange(text: string): [number, number] {
  const m = /^\s*([^.]+?)\s*\.\.\s*(.+?)\s*$/.exec(text);
  if (!m) throw new UserError(`--rates "${text}" is not a range.`, 'Write it like --rates 1000..10000000 (or 1k..10M).');
  let a: number;
  let b: number;
  try {
    a = parseRate(m[1]!);
    b = parseRate(m[2]!);
  } catch {
    throw new UserError(`--rates "${text}" is not a range of rates.`, 'Write it like --rates 1000..10000000 (or 1k..10M).');
  }
  if (!(a > 0 && b >= a)) throw new UserError(`--rates needs 0 < from ≤ to (got "${text}").`);
  return [a, b];
}

interface Output {
  mode: 'plan' | 'rates' | 'check' | 'calibrate' | 'day';
  calibration: { file: string; added: number; skipped: string[]; measuredPoints: number; profiles: { id: string; title: string; source: string; date: string }[] };
  /** The settings every figure was made under. */
  settings?: { profile: ProfileChoice; guarantee: Guarantee; pricing: PricingOption; placement: Placement };
  plan?: PlanOutput & { top: number; band: Omit<BandedPlan, 'outputs'> };
  rates?: RatesOutput & { band: Omit<BandedRates, 'outputs'> };
  day?: DayOutput;
  check?: CheckOutput;
  charts?: string[];
}

export default class Plan extends StreamscoreCommand {
  static override summary = 'Which platform and configuration sustains a rate within a latency SLO at the lowest price — before spending anything.';
  static override description =
    'Sweeps Flink on EC2 (instance type × nodes), Managed Flink (parallelism × parallelism per KPU) and Flock on Lambda (memory × architecture × group size), ' +
    'projects each configuration\'s sustainable rate, p99, cost per hour and per million events (price book) and time to get running, from calibration: ' +
    'the profiles shipped with streamscore (with their sources) and your measured runs (--calibrate). Every figure says whether it was measured or projected. ' +
    'See docs/planner.md for the model.';
  static override examples = [
    '<%= config.bin %> plan nexmark/q5 --rate 100000 --latency-slo 2s',
    '<%= config.bin %> plan nexmark/q0 --rates 1000..10000000 --chart plan-charts',
    '<%= config.bin %> plan --calibrate results/*.json',
    '<%= config.bin %> plan --check results/q0-local.json results/q5-local.json',
    '<%= config.bin %> plan nexmark/q8 --rate 1000000 --profile nexmark-v2',
    '<%= config.bin %> plan nexmark/q5 --rate 200k --day diurnal --latency-slo 20s',
    '<%= config.bin %> plan nexmark/q5 --day day.csv --pricing savings-1y',
  ];
  static override args = { workload: Args.string({ description: 'workload id, e.g. nexmark/q5 (see `streamscore workloads`)' }) };
  static override flags = {
    rate: Flags.string({ char: 'r', description: 'target rate, events/s (100000, 100k, 1.5M)' }),
    rates: Flags.string({ description: `a range of rates, log-spaced (e.g. ${DEFAULT_RATES}): the cheapest platform at each and where they cross` }),
    'per-decade': Flags.integer({ description: 'rates per factor of ten with --rates', default: 4, min: 1, max: 20 }),
    'latency-slo': Flags.string({ description: 'p99 latency SLO, e.g. 2s or 500ms (none: any latency)' }),
    param: Flags.string({ char: 'p', description: 'query parameter key=value (repeatable)', multiple: true }),
    platform: Flags.string({ description: 'only these platforms (repeatable)', multiple: true, options: [...PLATFORMS] }),
    top: Flags.integer({ description: 'configurations listed per platform', default: 5, min: 1 }),
    calibrate: Flags.string({ description: 'Result files to learn from; saved in ~/.streamscore/calibration.json', multiple: true }),
    check: Flags.string({ description: 'Result files to compare with what the planner projects for their configuration', multiple: true }),
    chart: Flags.string({ description: 'write the crossover and cost-vs-latency charts (SVG and PNG) into this folder' }),
    profile: Flags.string({ description: 'capacity profile: measured (find-max searches), nexmark-v1, nexmark-v2, or all (a band over them and the assumed ranges)', default: 'all', options: [...PROFILES] }),
    guarantee: Flags.string({ description: 'delivery guarantee every platform is priced under where it offers it', default: 'exactly-once', options: [...GUARANTEES] }),
    pricing: Flags.string({ description: 'how compute is paid for (discounts from the price book)', default: 'on-demand', options: [...PRICING_OPTIONS] }),
    placement: Flags.string({ description: 'EC2 nodes spread over AZs (pays transfer between them) or in one AZ (no transfer; an AZ loss stops the job)', default: 'spread', options: [...PLACEMENTS] }),
    day: Flags.string({ description: `a day of load: ${DAY_SHAPES.join(', ')} (peak = --rate), or a CSV file of per-minute rates` }),
    region: Flags.string({ description: 'AWS region of the price book', default: 'us-east-1', env: 'AWS_REGION' }),
    prices: Flags.string({ description: 'a price book file to use instead' }),
  };

  async run(): Promise<Output> {
    const { args, flags } = await this.parse(Plan);
    // Checked before the sweep, so an unwritable folder costs nothing.
    const chartDir = flags.chart ? ensureWritableFolder(flags.chart, '--chart', 'the charts', (m) => this.note(m)) : undefined;
    const book = locatePriceBook(flags.region, flags.prices ? { path: flags.prices } : {}).book;
    const shipped = loadShippedCalibration();
    const calPath = userCalibrationPath();
    const user = loadUserCalibration(calPath);
    const sloMs = flags['latency-slo'] ? parseDuration(flags['latency-slo'], 'latency-slo') * 1000 : undefined;

    // --calibrate: fold measured runs in.
    const skipped: string[] = [];
    let added: MeasuredPoint[] = [];
    if (flags.calibrate?.length) {
      added = this.points(flags.calibrate, book, skipped);
      saveUserCalibration({ schemaVersion: user.schemaVersion, points: mergePoints(user.points, added) }, calPath);
    }
    const points = mergePoints(user.points, added);
    const calibration: Output['calibration'] = {
      file: calPath,
      added: added.length,
      skipped,
      measuredPoints: points.length,
      profiles: shipped.profiles.map((p) => ({ id: p.id, title: p.title, source: p.source.ref, date: p.source.date })),
    };
    const out: Output = { mode: 'calibrate', calibration };
    if (!this.jsonEnabled() && flags.calibrate?.length) {
      this.log(`calibration: ${added.length} run(s) folded into ${calPath} (${points.length} measured point(s) in all)`);
      for (const p of added) this.log(`  ${p.runId}: ${p.workload} on ${p.config.family} — ${p.sustainedRate !== undefined ? `sustained ${formatNumber(Math.round(p.sustainedRate))}/s` : p.lowerBoundRate !== undefined ? `at least ${formatNumber(Math.round(p.lowerBoundRate))}/s` : 'compute only'}, p99 ${ms(p.latencyP99Ms)}`);
      for (const s of skipped) this.log(`  skipped ${s}`);
    }

    const registry = await this.registry();
    const traitsCache = new Map<string, WorkloadTraits>();
    const params = parseKeyValues(flags.param, 'param');
    const traitsOf = (id: string, p: Record<string, unknown> = {}): WorkloadTraits => {
      const key = `${id} ${JSON.stringify(p)}`;
      let t = traitsCache.get(key);
      if (!t) {
        t = workloadTraits(findWorkload(registry, id), p);
        traitsCache.set(key, t);
      }
      return t;
    };

    // --check: the model's accuracy against measured runs.
    if (flags.check?.length) {
      const checkSkipped: string[] = [];
      const checked = this.points(flags.check, book, checkSkipped);
      const inputs: PlannerInputs = { book, shipped, points: mergePoints(points, checked) };
      const res = checkPoints(inputs, (id, p) => traitsOf(id, p), checked);
      out.mode = 'check';
      out.check = res;
      calibration.skipped.push(...checkSkipped);
      if (!this.jsonEnabled()) this.printCheck(res, checkSkipped);
      return out;
    }

    if (!args.workload) {
      if (flags.calibrate?.length) return out;
      throw new UserError('Which workload? Give it as the first argument.', 'For example: streamscore plan nexmark/q5 --rate 100000 --latency-slo 2s');
    }
    const dayIsFile = flags.day !== undefined && !(DAY_SHAPES as readonly string[]).includes(flags.day);
    if (!flags.rate && !flags.rates && !dayIsFile) throw new UserError('Give --rate N (one rate) or --rates FROM..TO (the crossover).', 'For example --rate 100000 or --rates 1000..10000000.');
    const traits = traitsOf(args.workload, params);
    const inputs: PlannerInputs = { book, shipped, points };
    const platforms = (flags.platform as Platform[] | undefined)?.length ? (flags.platform as Platform[]) : [...PLATFORMS];
    const profile = flags.profile as ProfileChoice;
    const settings = { profile, guarantee: flags.guarantee as Guarantee, pricing: flags.pricing as PricingOption, placement: flags.placement as Placement };
    out.settings = settings;
    const opts = { ...(sloMs !== undefined ? { sloMs } : {}), platforms, guarantee: settings.guarantee, pricing: settings.pricing, placement: settings.placement };
    const charts: PlannerChartSpec[] = [];
    if (!this.jsonEnabled()) this.log(`profile ${profile}, guarantee ${settings.guarantee} (on every platform that offers it), pricing ${settings.pricing}, EC2 placement ${settings.placement}\n`);

    if (flags.day) {
      let rates: number[];
      if (dayIsFile) rates = readRateCsv(flags.day);
      else {
        if (!flags.rate) throw new UserError(`--day ${flags.day} needs the day's peak as --rate.`, `For example --day ${flags.day} --rate 200k.`);
        rates = dayProfile(flags.day as DayShape, parseRateFlag(flags.rate));
      }
      const day = planDay(inputs, traits, rates, dayIsFile ? resolve(flags.day) : `${flags.day}, peak ${flags.rate}/s`, opts);
      out.mode = 'day';
      out.day = day;
      if (!this.jsonEnabled()) this.printDay(day);
      return out;
    }

    let rate: number | undefined;
    if (flags.rate) rate = parseRateFlag(flags.rate);
    if (flags.rates || flags.chart) {
      const [from, to] = parseRange(flags.rates ?? DEFAULT_RATES);
      const banded = planRatesBand(inputs, traits, logRates(from, to, flags['per-decade']), opts, profile);
      const res = banded.outputs[0]!;
      if (flags.rates) {
        out.mode = 'rates';
        const { outputs: _o, ...band } = banded;
        out.rates = { ...res, band };
        if (!this.jsonEnabled()) this.printRates(res, banded);
      }
      if (flags.chart) {
        charts.push(
          crossoverChart({
            workload: traits.id,
            ...(sloMs !== undefined ? { sloMs } : {}),
            series: res.points.flatMap((p) => platforms.map((pl) => ({ platform: pl, title: PLATFORM_TITLES[pl], rate: p.rate, perHourUsd: p.cheapest[pl]?.perHourUsd ?? null }))),
            crossovers: res.crossovers.map((c) => {
              const r = c.kind === 'winner' ? banded.crossovers.find((b) => b.below === c.below && b.above === c.above) : undefined;
              return r && banded.scenarios.length > 1 ? { ...c, low: r.low, high: r.high } : c;
            }),
          }),
        );
        rate ??= res.points[Math.floor(res.points.length / 2)]!.rate;
      }
    }
    if (rate !== undefined && (flags.rate || flags.chart)) {
      const banded = planBand(inputs, traits, rate, opts, profile);
      const res = banded.outputs[0]!;
      if (flags.rate) {
        out.mode = out.mode === 'rates' ? 'rates' : 'plan';
        const { outputs: _o, ...band } = banded;
        out.plan = { ...res, top: flags.top, band };
        if (!this.jsonEnabled()) this.printPlan(res, flags.top, banded);
      }
      if (flags.chart) {
        const front = new Set(res.pareto);
        charts.push(
          costLatencyChart({
            workload: traits.id,
            rate,
            ...(sloMs !== undefined ? { sloMs } : {}),
            points: res.platforms.flatMap((p) =>
              p.candidates.map((e) => ({ platform: p.platform, title: p.title, label: e.label, perHourUsd: e.costPerHourUsd.value, latencyP99Ms: e.latencyP99Ms.value, pareto: front.has(e), feasible: e.feasible })),
            ),
          }),
        );
      }
    }
    if (chartDir) {
      const dir = chartDir;
      out.charts = [];
      for (const c of charts) {
        const r = await renderPlannerChart(c);
        writeFileSync(join(dir, `${c.id}.svg`), r.svg);
        writeFileSync(join(dir, `${c.id}.png`), r.png);
        out.charts.push(join(dir, `${c.id}.png`));
      }
      if (!this.jsonEnabled()) this.log(`\ncharts: ${out.charts.join(', ')}`);
    }
    return out;
  }

  private points(files: string[], book: Parameters<typeof pointFromResult>[1], skipped: string[]): MeasuredPoint[] {
    const pts: MeasuredPoint[] = [];
    for (const f of files) {
      const r = pointFromResult(readResult(f), book, resolve(f));
      if (r.point) pts.push(r.point);
      else skipped.push(r.skipped ?? f);
    }
    return pts;
  }

  private printDay(day: DayOutput): void {
    this.log(`${day.workload}: a day of load (${day.label}): ${day.minutes} minutes, peak ${formatNumber(Math.round(day.peakRate))}/s, mean ${formatNumber(Math.round(day.meanRate))}/s${day.sloMs !== undefined ? `, p99 SLO ${ms(day.sloMs)}` : ''}; all projected`);
    this.log(
      renderTable(
        ['platform', 'how it scales', 'configuration', 'compute/day', 'Kinesis/day', 'total/day', 'SLO missed', 'scalings'],
        day.rows.map((r) => [PLATFORM_TITLES[r.platform], r.strategy, r.config, money(r.computeUsd), money(r.kinesisUsd), money(r.totalUsd), `${r.sloMissedMinutes} min`, String(r.scalingActions)]),
      ),
    );
    for (const r of day.rows) if (r.note) this.log(`  ${PLATFORM_TITLES[r.platform]}: ${r.note}`);
    this.log(day.cheapestWithinSlo ? `\nCheapest day without a missed minute: ${PLATFORM_TITLES[day.cheapestWithinSlo.platform]}, ${day.cheapestWithinSlo.strategy} (${money(day.cheapestWithinSlo.totalUsd)}).` : '\nEvery platform misses some minutes of this day.');
  }

  private printPlan(res: PlanOutput, top: number, band?: BandedPlan): void {
    const t = res.workload;
    this.log(`${t.id} (${t.kind}${t.windowMs ? `, window ${t.windowMs / 1000} s${t.slideMs !== t.windowMs ? ` every ${t.slideMs / 1000} s` : ''}` : ''}) at ${formatNumber(res.rate)} events/s${res.sloMs !== undefined ? `, p99 SLO ${ms(res.sloMs)}` : ''}`);
    this.log(`events ${t.eventBytes.toFixed(0)} B, ${t.outputRatio.toFixed(4)} answers per event (${t.source})`);
    for (const p of res.platforms) {
      this.log(`\n${p.title}: ${p.feasible.length} of ${p.candidates.length} sustaining configuration(s) meet the SLO (${p.evaluated} looked at)${p.note ? ` — ${p.note}` : ''}`);
      const list = (p.feasible.length ? p.feasible : p.candidates).slice(0, top);
      if (list.length === 0) continue;
      if (!p.feasible.length) this.log('  none within the SLO; the cheapest that sustain the rate:');
      this.log(
        renderTable(
          ['config', 'sustains/s', 'p99', 'cost/h', 'of which Kinesis', 'cost/M events', 'ready in', 'figures'],
          list.map((e) => [
            e.label,
            formatNumber(Math.round(e.sustainableRate.value)),
            ms(e.latencyP99Ms.value),
            money(e.costPerHourUsd.value),
            money(e.costItems.filter((c) => c.item.startsWith('Kinesis')).reduce((s, c) => s + c.usdPerHour, 0)),
            money(e.costPerMillionEventsUsd.value),
            secs(e.readinessS.value),
            basisOf(e) + (e.feasible ? '' : `; ${e.reasons.join('; ')}`),
          ]),
        ),
      );
    }
    this.log(`\nPareto front (cost/h vs p99): ${res.pareto.map((e) => `${PLATFORM_TITLES[e.family]} ${e.label} ${money(e.costPerHourUsd.value)}/h ${ms(e.latencyP99Ms.value)}`).join('; ') || 'empty'}`);
    if (res.recommendation) {
      const e = res.recommendation.evaluation;
      this.log(`\nRecommendation: ${PLATFORM_TITLES[e.family]}, ${e.label} — ${money(e.costPerHourUsd.value)}/h, ${money(e.costPerMillionEventsUsd.value)} per million events, p99 ${ms(e.latencyP99Ms.value)} (${res.recommendation.why}).`);
      this.log(`  capacity: ${e.sustainableRate.source}`);
      this.log(`  p99: ${e.latencyP99Ms.source}`);
      if (e.guarantee) this.log(`  guarantee: ${e.guarantee.given} — ${e.guarantee.note}`);
    } else {
      this.log(`\nNo recommendation: ${res.noRecommendation}.`);
    }
    if (band && band.scenarios.length > 1) {
      this.log(`\nBand over ${band.scenarios.length} scenarios (${band.scenarios.map((s) => s.id).join('; ')}): cheapest feasible cost per hour, low / central / high`);
      for (const p of PLATFORMS) {
        const b = band.costBand[p];
        if (b) this.log(`  ${PLATFORM_TITLES[p]}: ${money(b.low)} / ${money(b.central)} / ${money(b.high)}`);
      }
      this.log(`The recommendation ${band.verdict}.`);
    }
  }

  private printRates(res: RatesOutput, band?: BandedRates): void {
    this.log(`${res.workload.id}: cheapest feasible configuration per platform, cost per hour${res.sloMs !== undefined ? ` (p99 ≤ ${ms(res.sloMs)})` : ''}; all projected`);
    this.log(
      renderTable(
        ['rate/s', ...PLATFORMS.map((p) => PLATFORM_TITLES[p]), 'cheapest'],
        res.points.map((p) => [formatNumber(p.rate), ...PLATFORMS.map((pl) => (p.cheapest[pl] ? `${money(p.cheapest[pl]!.perHourUsd)} ${p.cheapest[pl]!.label}` : '–')), p.winner ? PLATFORM_TITLES[p.winner] : 'none feasible']),
      ),
    );
    const winners = res.crossovers.filter((c) => c.kind === 'winner');
    const lines = res.crossovers.filter((c) => c.kind === 'lines');
    this.log('');
    if (winners.length === 0 && lines.length === 0) this.log('No crossover in this range.');
    for (const c of winners) this.log(`Crossover: ${PLATFORM_TITLES[c.below]} is cheapest below ~${formatNumber(Math.round(c.rate))} events/s, ${PLATFORM_TITLES[c.above]} above it.`);
    for (const c of lines) this.log(`Lines cross: ${PLATFORM_TITLES[c.below]} and ${PLATFORM_TITLES[c.above]} at ~${formatNumber(Math.round(c.rate))} events/s.`);
    if (band && band.scenarios.length > 1) {
      this.log(`\nOver ${band.scenarios.length} scenarios (${band.scenarios.map((s) => s.id).join('; ')}):`);
      if (band.crossovers.length === 0) this.log('  the cheapest platform does not change in this range in any scenario.');
      for (const c of band.crossovers) {
        this.log(`  ${PLATFORM_TITLES[c.below]} → ${PLATFORM_TITLES[c.above]}: between ${formatNumber(Math.round(c.low))} and ${formatNumber(Math.round(c.high))} events/s${c.central !== null ? ` (central ${formatNumber(Math.round(c.central))})` : ' (not in the central scenario)'}; in ${c.seenIn.length} of ${band.scenarios.length} scenarios`);
      }
    }
  }

  private printCheck(res: CheckOutput, skipped: string[]): void {
    this.log('The planner against measured runs (each projected without its own calibration):');
    this.log(
      renderTable(
        ['run', 'workload', 'family', 'config', 'measured rate', 'projected', 'error', 'measured p99', 'projected', 'error'],
        res.rows.map((r) => [
          r.runId,
          r.workload,
          r.family,
          r.label,
          r.measuredRate !== undefined ? `${r.measuredRateIsLowerBound ? '≥ ' : ''}${formatNumber(Math.round(r.measuredRate))}` : '–',
          r.projectedRate !== undefined ? formatNumber(Math.round(r.projectedRate)) : '–',
          r.measuredRateIsLowerBound ? `(${pct(r.rateErrorPct)})` : pct(r.rateErrorPct),
          ms(r.measuredP99Ms),
          r.projectedP99Ms !== undefined ? ms(r.projectedP99Ms) : '–',
          pct(r.latencyErrorPct),
        ]),
      ),
    );
    this.log(`\nmean |error|: sustainable rate ${res.meanAbsRateErrorPct !== undefined ? `${res.meanAbsRateErrorPct.toFixed(1)}%` : '– (no find-max run with a projection)'}, p99 ${res.meanAbsLatencyErrorPct !== undefined ? `${res.meanAbsLatencyErrorPct.toFixed(1)}%` : '–'}`);
    for (const r of res.rows) this.log(`  ${r.runId}: ${r.note}`);
    for (const s of skipped) this.log(`  skipped ${s}`);
  }
}
