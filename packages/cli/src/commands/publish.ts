import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { readRateCsv, readResult, UserError, type Result } from '@streamscore/core';
import { alwaysOnLambda, explainHourly, locatePriceBook } from '@streamscore/cost';
import { CampaignJournal, campaignCells, readCampaignFile, type CampaignFile } from '@streamscore/harness';
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
  loadShippedCalibration,
  logRates,
  planBand,
  planDay,
  planRatesBand,
  pointFromResult,
  workloadTraits,
  type Guarantee,
  type MeasuredPoint,
  type Placement,
  type PlannerInputs,
  type PricingOption,
  type ProfileChoice,
  type WorkloadTraits,
} from '@streamscore/planner';
import { crossoverChart, writePublication, type Publication, type PublishedDay, type PublishedPlan, type PublishedRun } from '@streamscore/report';
import { StreamscoreCommand } from '../lib/base-command.js';
import { parseDuration } from '../lib/duration.js';
import { ensureWritableFolder } from '../lib/output-path.js';
import { matchCellResults, readResultFolder, type ResolvedCellConfig } from '../lib/cell-results.js';
import { findBackend, findWorkload, type Registry } from '../lib/registry.js';

const DEFAULT_PLAN_RATES = [1000, 10_000, 100_000, 1_000_000];

/** A Result file a campaign journal cites: as recorded, else under the campaign folder's results/. */
function citedPath(recorded: string, from: string): string {
  const abs = resolve(recorded);
  if (existsSync(abs)) return abs;
  const inFolder = join(from, 'results', basename(recorded));
  return existsSync(inFolder) ? inFolder : abs;
}

export default class Publish extends StreamscoreCommand {
  static override summary = 'Publish a comparison report from a campaign: its measured Results, the planner’s answers with bands, the cost of a day of load, and the model’s own error.';
  static override description =
    'Reads the campaign file and the journal of the campaign folder it ran into (--from), fails if a Result the journal cites is missing, copies every cited Result into OUT/results/ (gzipped above 1 MB), ' +
    'calibrates the planner with them (find-max searches for capacity, Flock’s billed compute), and writes OUT/README.md and OUT/charts/: ' +
    'per workload and rate, EC2 or Managed Flink, which configuration, Flink or Flock, each a band over the capacity profiles with the guarantee stated; ' +
    'the cost of a diurnal, bursty and office-hours day per platform; and plan --check against the cited searches. ' +
    'With --results DIR instead of --from, nothing is measured and no journal is read: every cell of the campaign is matched to the one Result in DIR of its configuration ' +
    '(workload, backend, target, knobs, parameters; a search, a day or a run at its rate), so a published report is re-rendered from its own results/; ' +
    'a cell with no such Result, or two, is an error naming the cell.';
  static override examples = ['<%= config.bin %> campaign examples/publish/small.campaign.yaml --out results/small --yes', '<%= config.bin %> publish examples/publish/small.campaign.yaml --from results/small --out docs/reports/small',
    {
      description: 'Re-render a published report from the Results it carries, without measuring:',
      command: '<%= config.bin %> publish examples/publish/first-comparison.campaign.yaml --results docs/reports/first-comparison/results --out docs/reports/first-comparison',
    },
  ];
  static override args = { file: Args.string({ description: 'the campaign file (as given to `streamscore campaign`)', required: true }) };
  static override flags = {
    from: Flags.string({ description: 'the campaign folder it ran into (`campaign --out`), holding campaign-journal.jsonl and results/', exactlyOne: ['from', 'results'] }),
    results: Flags.string({ description: 'instead of --from: a folder of Result files (a published report’s results/), one per cell of the campaign, matched by configuration; nothing is measured', exactlyOne: ['from', 'results'] }),
    out: Flags.string({ char: 'o', description: 'the report folder to write', required: true }),
    title: Flags.string({ description: 'report title (default: the campaign’s)' }),
    profile: Flags.string({ description: 'capacity profile of the projections', default: 'all', options: [...PROFILES] }),
    guarantee: Flags.string({ description: 'delivery guarantee on every platform that offers it', default: 'exactly-once', options: [...GUARANTEES] }),
    pricing: Flags.string({ description: 'how compute is paid for', default: 'on-demand', options: [...PRICING_OPTIONS] }),
    placement: Flags.string({ description: 'EC2 nodes spread over AZs or in one', default: 'spread', options: [...PLACEMENTS] }),
    region: Flags.string({ description: 'AWS region of the price book', default: 'us-east-1', env: 'AWS_REGION' }),
    prices: Flags.string({ description: 'a price book file to use instead' }),
  };

  async run(): Promise<{ readme: string; results: string[]; charts: string[] }> {
    const { args, flags } = await this.parse(Publish);
    const campaign = readCampaignFile(args.file);
    const registry = await this.registry();
    const cited = flags.results ? this.matchResults(args.file, campaign, flags.results, registry) : this.journaled(args.file, campaign, flags.from!);
    ensureWritableFolder(flags.out, '--out', 'the report', (m) => this.note(m));

    const book = locatePriceBook(flags.region, flags.prices ? { path: flags.prices } : {}).book;
    const results: { file: string; r: Result; label: string }[] = cited.map((c) => ({ ...c, r: c.r ?? readResult(c.file) }));
    const points: MeasuredPoint[] = [];
    for (const { file, r } of results) {
      const p = pointFromResult(r, book, file).point;
      if (p) points.push(p);
    }
    const inputs: PlannerInputs = { book, shipped: loadShippedCalibration(), points };
    const settings = { profile: flags.profile as ProfileChoice, guarantee: flags.guarantee as Guarantee, pricing: flags.pricing as PricingOption, placement: flags.placement as Placement };
    const sloMs = campaign.latencySlo ? parseDuration(campaign.latencySlo, 'latencySlo') * 1000 : undefined;
    const opts = { ...(sloMs !== undefined ? { sloMs } : {}), guarantee: settings.guarantee, pricing: settings.pricing, placement: settings.placement };

    const traitsCache = new Map<string, WorkloadTraits>();
    // The campaign's parameters of a workload, or (for --check) the parameters a run itself used.
    const traitsOf = (id: string, params: Record<string, unknown> = campaign.params[id] ?? {}): WorkloadTraits => {
      const key = `${id} ${JSON.stringify(params)}`;
      let t = traitsCache.get(key);
      if (!t) {
        t = workloadTraits(findWorkload(registry, id), params);
        traitsCache.set(key, t);
      }
      return t;
    };

    const runs: PublishedRun[] = results.map(({ file, r, label }) => ({
      file,
      runId: r.runId,
      workload: r.config.workload,
      label,
      rate: r.summary.targetRate,
      achievedRate: r.summary.achievedRate,
      p99Ms: r.summary.latency.p99 / 1000,
      latency: { count: r.summary.latency.count, p99: r.summary.latency.p99, max: r.summary.latency.max },
      verdict: r.verdict.status,
      ...(r.cost ? { costPerHourUsd: r.cost.perHourUsd } : {}),
      ...(r.findMax ? { sustainedRate: r.findMax.sustainedRate, trials: r.findMax.trials.length } : {}),
      // No trial failed above the rate found: the search stopped at its own ceiling, a lower bound.
      ...(r.findMax && !r.findMax.trials.some((t) => !t.passed && t.rate > r.findMax!.sustainedRate) ? { sustainedIsLowerBound: true } : {}),
      ...(r.findMax?.repeat ? { searches: { k: r.findMax.repeat.k, min: r.findMax.repeat.min, max: r.findMax.repeat.max } } : {}),
      ...(r.summary.eventsPerSutCpuSecond !== undefined ? { eventsPerSutCpuSecond: r.summary.eventsPerSutCpuSecond } : {}),
      ...(r.summary.cpu ? { cpu: r.summary.cpu } : {}),
      result: r,
    }));

    const plans: PublishedPlan[] = [];
    const guarantees: Record<string, string> = {};
    const rates = campaign.rates.length > 0 ? campaign.rates : DEFAULT_PLAN_RATES;
    let scenarios: string[] = [];
    for (const w of campaign.workloads) {
      const traits = traitsOf(w);
      for (const rate of rates) {
        const b = planBand(inputs, traits, rate, opts, settings.profile);
        scenarios = b.scenarios.map((s) => s.id);
        const central = b.outputs[0]!;
        for (const p of central.platforms) {
          const g = (p.feasible[0] ?? p.candidates[0])?.guarantee;
          if (g && !guarantees[p.title]) guarantees[p.title] = `${g.given}: ${g.note}`;
        }
        const rec = central.recommendation;
        plans.push({
          workload: w,
          rate,
          ...(sloMs !== undefined ? { sloMs } : {}),
          platforms: PLATFORMS.flatMap((pl) => {
            const band = b.costBand[pl];
            const e = central.platforms.find((x) => x.platform === pl)?.feasible[0];
            return band ? [{ title: PLATFORM_TITLES[pl], low: band.low, central: band.central, high: band.high, label: e?.label ?? '–' }] : [];
          }),
          recommendation: rec ? { title: PLATFORM_TITLES[rec.evaluation.family], label: rec.evaluation.label, why: rec.why, guarantee: rec.evaluation.guarantee ? `${rec.evaluation.guarantee.given} (${rec.evaluation.guarantee.note})` : 'not stated' } : null,
          verdict: b.verdict,
          holdsAcrossBand: b.holdsAcrossBand,
        });
      }
    }

    // A day of load per workload: the three named days at the campaign's highest rate, and the campaign's own day file.
    const days: PublishedDay[] = [];
    const peak = Math.max(...rates);
    for (const w of campaign.workloads) {
      const traits = traitsOf(w);
      const profiles: { label: string; rates: number[] }[] = DAY_SHAPES.map((shape) => ({ label: `${shape} day`, rates: dayProfile(shape, peak) }));
      const fileShape = campaign.day?.shape.startsWith('file:') ? campaign.day.shape.slice('file:'.length).replace(/\/\d+(?:\.\d+)?(ms|s|m|h)?$/, '') : undefined;
      if (fileShape) profiles.push({ label: `the campaign's day (${basename(fileShape)})`, rates: readRateCsv(resolve(fileShape)) });
      for (const d of profiles) {
        const out = planDay(inputs, traits, d.rates, d.label, opts);
        days.push({
          workload: w,
          label: d.label,
          peakRate: out.peakRate,
          meanRate: out.meanRate,
          ...(sloMs !== undefined ? { sloMs } : {}),
          rows: out.rows.map((r) => ({ title: PLATFORM_TITLES[r.platform], strategy: r.strategy, config: r.config, totalUsd: r.totalUsd, sloMissedMinutes: r.sloMissedMinutes })),
        });
      }
    }

    const searches = points.filter((p) => p.sustainedRate !== undefined);
    const check = checkPoints(inputs, traitsOf, searches);

    const charts = campaign.workloads.map((w) => {
      const traits = traitsOf(w);
      const banded = planRatesBand(inputs, traits, logRates(1000, 1_000_000, 2), opts, settings.profile);
      const res = banded.outputs[0]!;
      return {
        name: `crossover-${w.replace(/\//g, '-')}`,
        chart: crossoverChart({
          workload: w,
          ...(sloMs !== undefined ? { sloMs } : {}),
          series: res.points.flatMap((p) => PLATFORMS.map((pl) => ({ platform: pl, title: PLATFORM_TITLES[pl], rate: p.rate, perHourUsd: p.cheapest[pl]?.perHourUsd ?? null }))),
          crossovers: res.crossovers.map((c) => {
            const r = c.kind === 'winner' ? banded.crossovers.find((x) => x.below === c.below && x.above === c.above) : undefined;
            return r && banded.scenarios.length > 1 ? { ...c, low: r.low, high: r.high } : c;
          }),
        }),
      };
    });

    const pub: Publication = {
      title: flags.title ?? campaign.title,
      ...(campaign.notes ? { notes: campaign.notes } : {}),
      date: new Date().toISOString(),
      settings: { ...settings, priceBook: `${book.region} ${book.date}`, scenarios },
      guarantees,
      flockSourcePerHourUsd: explainHourly(alwaysOnLambda(4096, 'arm64'), book).usdPerHour,
      runs,
      plans,
      days,
      check: {
        rows: check.rows.map((r) => ({
          runId: r.runId,
          workload: r.workload,
          family: r.family,
          ...(r.measuredRate !== undefined ? { measuredRate: r.measuredRate } : {}),
          ...(r.projectedRate !== undefined ? { projectedRate: r.projectedRate } : {}),
          ...(r.rateErrorPct !== undefined ? { rateErrorPct: r.rateErrorPct } : {}),
          measuredP99Ms: r.measuredP99Ms,
          ...(r.projectedP99Ms !== undefined ? { projectedP99Ms: r.projectedP99Ms } : {}),
          ...(r.latencyErrorPct !== undefined ? { latencyErrorPct: r.latencyErrorPct } : {}),
        })),
        ...(check.meanAbsRateErrorPct !== undefined ? { meanAbsRateErrorPct: check.meanAbsRateErrorPct } : {}),
        ...(check.meanAbsLatencyErrorPct !== undefined ? { meanAbsLatencyErrorPct: check.meanAbsLatencyErrorPct } : {}),
      },
      charts,
    };
    const folder = await writePublication(pub, resolve(flags.out));
    if (!this.jsonEnabled()) this.log(`report:  ${folder.readme}\nresults: ${folder.results.length} copied into ${join(resolve(flags.out), 'results')}\ncharts:  ${folder.charts.length}`);
    return folder;
  }
  /** The journal's cells (`--from`): each done cell of the campaign file with the Result it cites, in the journal's order. */
  private journaled(file: string, campaign: CampaignFile, fromFlag: string): { file: string; label: string; r?: Result }[] {
    const from = resolve(fromFlag);
    const journalPath = join(from, 'campaign-journal.jsonl');
    if (!existsSync(journalPath)) {
      throw new UserError(
        `${from} holds no campaign journal (campaign-journal.jsonl).`,
        `Run \`streamscore campaign ${file} --out ${fromFlag} --yes\` first, or re-render from a folder of its Results with --results DIR.`,
      );
    }
    // Only the cells the campaign file defines: a journal can hold cells of an earlier version of
    // the file (a workload since dropped, a search started elsewhere), which this report must not cite.
    const cells = new Map(campaignCells(campaign).map((c) => [c.id, c] as const));
    const journaled = new CampaignJournal(journalPath).read().filter((l): l is Extract<typeof l, { state: 'done' }> => l.state === 'done');
    const done = journaled.filter((l) => cells.has(l.cell));
    const foreign = [...new Set(journaled.filter((l) => !cells.has(l.cell)).map((l) => l.cell))];
    if (foreign.length > 0) this.note(`${foreign.length} cell(s) of the journal are not in ${file} and are left out: ${foreign.slice(0, 3).join('; ')}${foreign.length > 3 ? ' …' : ''}.`);
    const files = [...new Set(done.map((l) => citedPath(l.result, from)))];
    const labelOf = new Map(done.map((l) => [citedPath(l.result, from), cells.get(l.cell)!.label] as const));
    const missing = files.filter((f) => !existsSync(f));
    if (missing.length > 0) throw new UserError(`The campaign journal cites ${missing.length} Result file(s) that do not exist: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ' …' : ''}.`, 'Restore them, or run the campaign again into a new folder.');
    return files.map((f) => ({ file: f, label: labelOf.get(f)! }));
  }

  /**
   * A folder of Results (`--results`): every cell of the campaign file matched to the one Result
   * of its configuration — workload, backend, target, knobs and parameters as the run resolved
   * them, and the kind of cell — in the campaign's order. Nothing is measured.
   */
  private matchResults(file: string, campaign: CampaignFile, dirFlag: string, registry: Registry): { file: string; label: string; r: Result }[] {
    const dir = resolve(dirFlag);
    const cells: ResolvedCellConfig[] = campaignCells(campaign).map((cell) => {
      const backend = findBackend(registry, cell.backend);
      const workload = findWorkload(registry, cell.workload);
      const params = workload.params.safeParse(cell.params);
      if (!params.success) throw new UserError(`${file}: the parameters of ${cell.workload} are invalid: ${params.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`, 'See `streamscore workloads` for each query’s parameters.');
      return { cell, target: cell.target ?? backend.capabilities.targets[0]!, params: params.data as Record<string, unknown> };
    });
    const { matched, unmatched } = matchCellResults(cells, readResultFolder(dir), dirFlag);
    if (unmatched.length > 0) {
      const names = unmatched.map((u) => basename(u.file));
      this.note(`${unmatched.length} Result(s) in ${dirFlag} match no cell of ${file} and are left out: ${names.slice(0, 3).join(', ')}${names.length > 3 ? ' …' : ''}.`);
    }
    return matched.map((m) => ({ file: m.result.file, label: m.cell.label, r: m.result.r }));
  }
}
