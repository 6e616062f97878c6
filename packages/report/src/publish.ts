import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { UserError, type Result } from '@streamscore/core';
import { latencyPercentileChart, renderChart } from './charts.js';
import { tailLatencyText } from './format.js';
import { renderPlannerChart, type PlannerChartSpec } from './planner-charts.js';

/**
 * `streamscore publish`: a comparison report folder written from plain data — the measured
 * Results it cites (copied in, gzipped when large), the planner's answers to the three questions
 * with their bands, the guarantee every figure was priced under, the cost of a day of load per
 * platform, the model's own error against the measured searches, and the planner's charts. The
 * CLI assembles the data (it may use the planner; this package may not) and calls
 * writePublication. Nothing in the README is typed by hand.
 */

export interface PublishedRun {
  /** The Result file as cited (absolute path); it must exist. */
  file: string;
  runId: string;
  workload: string;
  /** backend, target and knobs, in words. */
  label: string;
  rate: number;
  achievedRate: number;
  p99Ms: number;
  verdict: string;
  costPerHourUsd?: number;
  /** Latency of the scored answers (µs): the p99 is shown as a maximum below 100 answers. */
  latency: { count: number; p99: number; max: number };
  /** For a find-max search: the rate it found and how many trials stand behind it. */
  sustainedRate?: number;
  trials?: number;
  /** No trial failed above sustainedRate: the search reached its own ceiling, so it is a lower bound. */
  sustainedIsLowerBound?: boolean;
  /** A repeated search (`--repeat K`): sustainedRate is the median of K, between min and max. */
  searches?: { k: number; min: number; max: number };
  /** Events per CPU-second of the system under test, when the run measured its CPU. */
  eventsPerSutCpuSecond?: number;
  /** CPU seconds of the run by role (harness, transport, system under test). */
  cpu?: { harnessS: number; transportS?: number; sutS?: number };
  /** The Result itself, for the latency charts. */
  result?: Result;
}

export interface PublishedBand {
  title: string;
  low: number;
  central: number;
  high: number;
  /** The central scenario's cheapest feasible configuration. */
  label: string;
}

export interface PublishedPlan {
  workload: string;
  rate: number;
  sloMs?: number;
  /** Cost per hour of each platform's cheapest feasible configuration, over the band. */
  platforms: PublishedBand[];
  recommendation: { title: string; label: string; why: string; guarantee: string } | null;
  /** Whether every scenario of the band recommends the same platform, in words. */
  verdict: string;
  holdsAcrossBand: boolean;
}

export interface PublishedDayRow {
  title: string;
  strategy: string;
  config: string;
  totalUsd: number;
  sloMissedMinutes: number;
}

export interface PublishedDay {
  workload: string;
  label: string;
  peakRate: number;
  meanRate: number;
  sloMs?: number;
  rows: PublishedDayRow[];
}

export interface PublishedCheckRow {
  runId: string;
  workload: string;
  family: string;
  measuredRate?: number;
  projectedRate?: number;
  rateErrorPct?: number;
  measuredP99Ms: number;
  projectedP99Ms?: number;
  latencyErrorPct?: number;
}

export interface Publication {
  title: string;
  /** The campaign's own words (markdown): what changed since the last edition and why. */
  notes?: string;
  /** When the publication was made (ISO). */
  date: string;
  settings: { profile: string; guarantee: string; pricing: string; placement: string; priceBook: string; scenarios: string[] };
  /** What each platform's guarantee means, by platform title. */
  guarantees: Record<string, string>;
  runs: PublishedRun[];
  plans: PublishedPlan[];
  days: PublishedDay[];
  check: { rows: PublishedCheckRow[]; meanAbsRateErrorPct?: number; meanAbsLatencyErrorPct?: number };
  /** What Flock's always-on source costs an hour (4,096 MB arm64, from the price book). */
  flockSourcePerHourUsd: number;
  /** Planner charts, each with a file name stem (e.g. `crossover-q5`). */
  charts: { name: string; chart: PlannerChartSpec }[];
}

export interface PublishedFolder {
  readme: string;
  results: string[];
  charts: string[];
}

/** Result files above this size are copied gzipped. */
export const GZIP_ABOVE_BYTES = 1_000_000;

const usd = (x: number): string => (x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toFixed(5)}`);
const num = (x: number): string => Math.round(x).toLocaleString('en-US');
const pct = (x: number | undefined): string => (x === undefined ? '–' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);
const ms = (x: number): string => (x >= 1000 ? `${(x / 1000).toFixed(2)} s` : `${Math.round(x)} ms`);
const ms1 = (us: number): string => ms(us / 1000);
function sustained(r: PublishedRun): string {
  if (r.sustainedRate === undefined) return '—';
  const spread = r.searches && r.searches.k > 1 ? ` [${num(r.searches.min)} – ${num(r.searches.max)}; ${r.searches.k} searches]` : ' (1 search)';
  const bound = r.sustainedIsLowerBound ? ' (no trial failed: the search\'s ceiling)' : '';
  return `${r.sustainedIsLowerBound ? '≥ ' : ''}${num(r.sustainedRate)}${spread}, ${r.trials ?? 0} trials${bound}`;
}
const band = (b: PublishedBand): string => (b.low === b.high ? usd(b.central) : `${usd(b.low)} – ${usd(b.high)} (central ${usd(b.central)})`);

/** Fails, naming them, when any cited Result file is missing: a report carries every Result it cites. */
export function checkCited(runs: readonly PublishedRun[]): void {
  const missing = runs.filter((r) => !existsSync(r.file)).map((r) => r.file);
  if (missing.length > 0) {
    throw new UserError(`The publication cites ${missing.length} Result file(s) that do not exist: ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ' …' : ''}.`, 'Run the campaign (or restore the files) before publishing.');
  }
}

function copyResult(file: string, dir: string): string {
  const size = statSync(file).size;
  // A Result already gzipped (re-rendered from a report's own results/) is copied as it is.
  if (size > GZIP_ABOVE_BYTES && !file.endsWith('.gz')) {
    const name = `${basename(file)}.gz`;
    writeFileSync(join(dir, name), gzipSync(readFileSync(file)));
    return name;
  }
  copyFileSync(file, join(dir, basename(file)));
  return basename(file);
}

export async function writePublication(pub: Publication, outDir: string): Promise<PublishedFolder> {
  checkCited(pub.runs);
  const resultsDir = join(outDir, 'results');
  const chartsDir = join(outDir, 'charts');
  mkdirSync(resultsDir, { recursive: true });
  mkdirSync(chartsDir, { recursive: true });
  const copied = new Map(pub.runs.map((r) => [r.runId, `results/${copyResult(r.file, resultsDir)}`] as const));
  const charts: string[] = [];
  for (const { name, chart } of pub.charts) {
    const r = await renderPlannerChart(chart);
    const stem = name.replace(/[^a-z0-9-]+/gi, '-');
    writeFileSync(join(chartsDir, `${stem}.svg`), r.svg);
    writeFileSync(join(chartsDir, `${stem}.png`), r.png);
    charts.push(`charts/${stem}.png`);
  }
  // Measured latency by percentile, one chart per workload, every configuration on it.
  const latencyCharts: { workload: string; path: string; caption: string }[] = [];
  for (const workload of [...new Set(pub.runs.map((r) => r.workload))]) {
    const runs = pub.runs.filter((r) => r.workload === workload && r.result && r.latency.count > 0);
    if (runs.length === 0) continue;
    const labelled = runs.map((r) => ({ label: `${r.label} @${num(r.rate)}/s`, result: r.result! }));
    const c = await renderChart(latencyPercentileChart(labelled, labelled.map((l) => l.label)));
    const stem = `measured-${workload.replace(/[^a-z0-9-]+/gi, '-')}-latency-percentiles`;
    writeFileSync(join(chartsDir, `${stem}.svg`), c.svg);
    writeFileSync(join(chartsDir, `${stem}.png`), c.png);
    latencyCharts.push({ workload, path: `charts/${stem}.png`, caption: c.caption });
    charts.push(`charts/${stem}.png`);
  }
  const md = readme(pub, copied, charts.slice(0, pub.charts.length), latencyCharts);
  const path = join(outDir, 'README.md');
  writeFileSync(path, md);
  return { readme: path, results: [...copied.values()].map((p) => join(outDir, p)), charts: charts.map((c) => join(outDir, c)) };
}

function table(head: string[], rows: string[][]): string {
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

function readme(pub: Publication, copied: Map<string, string>, charts: string[], latencyCharts: { workload: string; path: string; caption: string }[]): string {
  const s = pub.settings;
  const out: string[] = [];
  out.push(`# ${pub.title}`, '');
  out.push(
    `Made by \`streamscore publish\` on ${pub.date.slice(0, 10)} from the Results in [results/](results/) and the planner. ` +
      `Measured figures come from those Results; every other figure is projected by the planner under: capacity profile **${s.profile}** ` +
      `(${s.scenarios.length > 1 ? `a band over ${s.scenarios.join('; ')}` : 'one profile, no band'}), guarantee **${s.guarantee}** on every platform that offers it, ` +
      `pricing **${s.pricing}**, EC2 nodes **${s.placement === 'spread' ? 'spread over Availability Zones' : 'in one Availability Zone'}**, price book ${s.priceBook}.`,
    '',
  );
  if (pub.notes?.trim()) out.push('## About these figures', '', pub.notes.trim(), '');
  out.push('## The guarantee each platform gives', '');
  out.push(table(['platform', 'guarantee'], Object.entries(pub.guarantees).map(([t, g]) => [t, g])), '');

  out.push('## Measured runs and searches', '');
  if (pub.runs.length === 0) out.push('No Result is cited.', '');
  else {
    out.push(
      table(
        ['workload', 'configuration', 'sustained/s (find-max)', 'rate/s', 'achieved/s', 'latency at that rate', 'verdict', 'events per SUT CPU-s', 'CPU s: harness / transport / SUT', 'cost/h', 'Result'],
        pub.runs.map((r) => [
          r.workload,
          r.label,
          sustained(r),
          num(r.rate),
          num(r.achievedRate),
          tailLatencyText(r.latency, ms1),
          r.verdict,
          r.eventsPerSutCpuSecond !== undefined ? num(r.eventsPerSutCpuSecond) : '—',
          r.cpu ? [r.cpu.harnessS, r.cpu.transportS, r.cpu.sutS].map((x) => (x === undefined ? '—' : x.toFixed(1))).join(' / ') : '—',
          r.costPerHourUsd !== undefined ? usd(r.costPerHourUsd) : '—',
          `[${r.runId}](${copied.get(r.runId)})`,
        ]),
      ),
      '',
      'A search\'s row is its Result at the sustained rate. "Sustained" is the median of the searches, with the smallest and largest in brackets; a trial passed only with verdict `pass`, a p99 of at least 100 scored answers within the SLO, 95% of the rate achieved and a backlog that did not grow. Latency is the p99 of the scored answers, with how many; below 100 answers it is their maximum. CPU seconds are over the whole run, read from `/proc` per process role (— where a part runs inside another: the local engine inside the harness); events per SUT CPU-second divide the events by the system under test\'s share.',
      '',
    );
    for (const c of latencyCharts) out.push(`### Latency by percentile: ${c.workload}`, '', `![Latency by percentile, ${c.workload}](${c.path})`, '', c.caption, '');
  }

  out.push('## The three questions', '');
  out.push('Cost per hour of each platform\'s cheapest configuration that sustains the rate within the SLO, as a band (low – high over the scenarios, central in brackets); Kinesis included, the same for every platform.', '');
  for (const p of pub.plans) {
    out.push(`### ${p.workload} at ${num(p.rate)} events/s${p.sloMs !== undefined ? `, p99 ≤ ${ms(p.sloMs)}` : ''}`, '');
    out.push(table(['platform', 'cost per hour', 'configuration (central)'], p.platforms.map((b) => [b.title, band(b), b.label])), '');
    const ec2 = p.platforms.find((b) => b.title === 'Flink on EC2');
    const kda = p.platforms.find((b) => b.title === 'Managed Flink (KDA)');
    const flock = p.platforms.find((b) => b.title === 'Flock on Lambda');
    if (ec2 && kda) {
      const always = ec2.high < kda.low ? 'across the whole band' : kda.high < ec2.low ? 'across the whole band' : 'in the central scenario only: the bands overlap';
      out.push(`- **EC2 or Managed Flink?** ${ec2.central <= kda.central ? 'Flink on EC2' : 'Managed Flink'} is cheaper, ${always} (EC2 ${band(ec2)}; Managed Flink ${band(kda)}).`);
      out.push(`- **Which configuration?** On EC2: ${ec2.label}; on Managed Flink: ${kda.label}.`);
    }
    if (flock && (ec2 || kda)) {
      const flink = [ec2, kda].filter((x): x is PublishedBand => x !== undefined).sort((a, b) => a.central - b.central)[0]!;
      const clear = flock.high < flink.low || flink.high < flock.low;
      out.push(`- **Flink or Flock?** ${flock.central < flink.central ? 'Flock on Lambda' : flink.title} is cheaper at this constant rate${clear ? ', across the whole band' : ' in the central scenario; the bands overlap'} (Flock ${band(flock)}).`);
    } else if (!flock) out.push('- **Flink or Flock?** Flock has no feasible configuration here.');
    out.push(
      p.recommendation
        ? `- **Recommendation:** ${p.recommendation.title}, ${p.recommendation.label} — ${p.recommendation.why}; guarantee: ${p.recommendation.guarantee}. It ${p.verdict}.`
        : `- **Recommendation:** none meets the SLO (${p.verdict}).`,
      '',
    );
  }

  if (pub.days.length > 0) {
    out.push('## A day of load: which applications suit Flock', '');
    out.push('Per-millisecond billing matters only when load varies. Each day below is priced per platform as it scales (EC2 at peak or with a scaling policy and its start lag; Managed Flink with AWS\'s autoscaling rule and its restarts; Flock per invocation, its always-on source included); minutes whose rate exceeded what ran, or whose p99 exceeded the SLO, are counted.', '');
    const flockWins: string[] = [];
    for (const d of pub.days) {
      out.push(`### ${d.workload}: ${d.label} (peak ${num(d.peakRate)}/s, mean ${num(d.meanRate)}/s${d.sloMs !== undefined ? `, p99 ≤ ${ms(d.sloMs)}` : ''})`, '');
      out.push(table(['platform', 'how it scales', 'configuration', 'cost of the day', 'SLO missed'], d.rows.map((r) => [r.title, r.strategy, r.config, usd(r.totalUsd), `${r.sloMissedMinutes} min`])), '');
      const within = d.rows.filter((r) => r.sloMissedMinutes === 0 && r.totalUsd > 0).sort((a, b) => a.totalUsd - b.totalUsd);
      const best = within[0];
      out.push(best ? `Cheapest day without a missed minute: **${best.title}** (${best.strategy}), ${usd(best.totalUsd)}.` : 'Every platform misses some minutes of this day.', '');
      if (best?.title === 'Flock on Lambda') flockWins.push(`${d.workload} ${d.label}`);
    }
    out.push(
      flockWins.length > 0
        ? `**Flock wins** ${flockWins.join('; ')}: days whose load is low most of the time, where paying per invocation beats a cluster sized for the peak.`
        : `**Flock wins none of these days.** Its source runs all day (an always-on 4,096 MB function, re-invoked before the 15-minute limit: ${usd(pub.flockSourcePerHourUsd)}/h on arm64, ${usd(24 * pub.flockSourcePerHourUsd)} a day), which by itself can cost more than a small Flink node; per-invocation billing saves on the query stage only.`,
      '',
    );
  }

  out.push("## The model's own error", '');
  if (pub.check.rows.length === 0) out.push('No find-max search is cited, so the model was not checked against measurements here.', '');
  else {
    out.push('Each find-max search projected by the planner without its own calibration (leave-one-out); error = (projected − measured) ÷ measured.', '');
    out.push(
      table(
        ['run', 'workload', 'family', 'measured rate', 'projected', 'error', 'measured p99', 'projected', 'error'],
        pub.check.rows.map((r) => [r.runId, r.workload, r.family, r.measuredRate !== undefined ? num(r.measuredRate) : '–', r.projectedRate !== undefined ? num(r.projectedRate) : '–', pct(r.rateErrorPct), ms(r.measuredP99Ms), r.projectedP99Ms !== undefined ? ms(r.projectedP99Ms) : '–', pct(r.latencyErrorPct)]),
      ),
      '',
      `Mean |error|: sustainable rate ${pub.check.meanAbsRateErrorPct !== undefined ? `${pub.check.meanAbsRateErrorPct.toFixed(1)}%` : '–'}, p99 ${pub.check.meanAbsLatencyErrorPct !== undefined ? `${pub.check.meanAbsLatencyErrorPct.toFixed(1)}%` : '–'}.`,
      '',
    );
  }

  if (charts.length > 0) {
    out.push('## Charts', '');
    pub.charts.forEach(({ name, chart }, i) => out.push(`### ${chart.title}: ${name}`, '', `![${chart.title}](${charts[i]})`, '', chart.caption, ''));
  }
  return out.join('\n');
}
