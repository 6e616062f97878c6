/**
 * The first published comparison's README (docs/reports/first-comparison/README.md), written from
 * data alone: the measured Results, the planner's JSON and the run's own records, all in the
 * report's folder. Nothing in the text is typed by hand: every number, every winner, every
 * "confirms" or "contradicts" is computed below from those files.
 *
 *   npx tsx bench/comparison.ts --out docs/reports/first-comparison [--measured-seconds S] [--elapsed-seconds S]
 *
 * Two helpers that scripts/publish-comparison.sh uses before that:
 *
 *   npx tsx bench/comparison.ts --calibration-set DIR   # the Results to fold into the planner, one per line
 *   npx tsx bench/comparison.ts --report-groups DIR     # "GROUP file file…" per query, for `streamscore report`
 */
import { readdirSync, readFileSync, existsSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { basename, join, relative } from 'node:path';
import { costOfLedger, locatePriceBook } from '@streamscore/cost';
import { readResult, type Result } from '@streamscore/core';

// ---------------------------------------------------------------------------------------------
// Reading

interface Loaded {
  file: string;
  r: Result;
}

function loadResults(dir: string): Loaded[] {
  if (!existsSync(dir)) return [];
  const out: Loaded[] = [];
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    try {
      out.push({ file: join(dir, f), r: readResult(join(dir, f)) });
    } catch (e) {
      process.stderr.write(`skipping ${f}: ${(e as Error).message.split('\n')[0]}\n`);
    }
  }
  return out;
}

/** A configuration: the same backend, target, workload and knobs (the rate aside). */
function configKey(r: Result): string {
  const knobs = Object.entries(r.config.knobs)
    .filter(([k]) => k !== 'session')
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');
  return `${r.config.backend}|${r.config.target}|${r.config.workload}|${knobs}`;
}

function passed(r: Result): boolean {
  return r.complete && r.verdict.status !== 'fail' && (r.config.latencySloMs === undefined || r.summary.latency.p99 <= r.config.latencySloMs * 1000);
}

/**
 * Which Results calibrate the planner: every find-max Result, and of each configuration measured
 * only by single runs (a rate ladder), the highest-rate run that passed — a passing run bounds the
 * sustainable rate from below, so the highest one is the tightest bound (the planner averages the
 * points it is given, which would pull the bound down). A configuration with no passing run gives
 * its highest-rate run (Flock's compute per event is measured either way).
 */
export function calibrationSet(results: Loaded[]): Loaded[] {
  const byKey = new Map<string, Loaded[]>();
  for (const l of results) byKey.set(configKey(l.r), [...(byKey.get(configKey(l.r)) ?? []), l]);
  const chosen: Loaded[] = [];
  for (const list of byKey.values()) {
    const fm = list.filter((l) => l.r.findMax);
    if (fm.length) {
      chosen.push(...fm);
      continue;
    }
    const ok = list.filter((l) => passed(l.r));
    const pool = ok.length ? ok : list;
    chosen.push(pool.reduce((a, b) => (b.r.summary.targetRate > a.r.summary.targetRate ? b : a)));
  }
  return chosen.sort((a, b) => a.file.localeCompare(b.file));
}

const qOf = (workload: string) => workload.replace(/^nexmark\//, '');

// ---------------------------------------------------------------------------------------------
// Formatting: every number goes through one of these

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const num = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });
function usd(x: number): string {
  if (x === 0) return '$0';
  return x >= 100 ? `$${int(x)}` : x >= 1 ? `$${x.toFixed(2)}` : x >= 0.01 ? `$${x.toFixed(3)}` : `$${x.toPrecision(2)}`;
}
/** Latency in ms. */
function ms(x: number): string {
  return x >= 10_000 ? `${(x / 1000).toFixed(1)} s` : x >= 1000 ? `${(x / 1000).toFixed(2)} s` : x >= 10 ? `${Math.round(x)} ms` : `${x.toFixed(1)} ms`;
}
const us = (x: number) => ms(x / 1000);
function secs(x: number): string {
  return x >= 120 ? `${(x / 60).toFixed(1)} min` : x >= 10 ? `${Math.round(x)} s` : `${x.toFixed(1)} s`;
}
function rateName(r: number): string {
  return r >= 1e6 ? `${num(r / 1e6, r % 1e6 ? 1 : 0)} M` : r >= 1000 ? `${num(r / 1000, r % 1000 ? 1 : 0)} K` : int(r);
}
const times = (a: number, b: number) => `${num(a / b, a / b >= 10 ? 0 : 1)}×`;
const code = (s: string) => `\`${s}\``;
function table(head: string[], rows: string[][]): string {
  const esc = (c: string) => c.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  return [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`, ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`)].join('\n');
}
const M = '**measured**';
const P = '**projected**';
const PUB = '**published**';

// ---------------------------------------------------------------------------------------------
// What the folder holds

interface Machine {
  startedAt: string;
  loadavg: number[];
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  platform: string;
  release: string;
}
interface CompareSummary {
  results?: string[];
  skipped?: { cell: string; reason: string }[];
}
interface Failure {
  step: string;
  exitCode: number;
  message: string;
}
interface Cell {
  perHourUsd: number;
  perMillionUsd: number;
  latencyP99Ms: number;
  label: string;
}
interface RatesJson {
  workload: { id: string; kind: string };
  sloMs?: number;
  points: { rate: number; cheapest: Record<string, Cell | null>; winner: string | null }[];
  crossovers: { below: string; above: string; fromRate: number; toRate: number; rate: number; kind: 'lines' | 'winner' }[];
}
interface Fig {
  value: number;
  basis: 'measured' | 'projected';
  source: string;
}
interface Ev {
  family: string;
  label: string;
  rate: number;
  sustainableRate: Fig;
  latencyP99Ms: Fig;
  costPerHourUsd: Fig;
  costPerMillionEventsUsd: Fig;
  readinessS: Fig;
  sustains: boolean;
  feasible: boolean;
  reasons: string[];
  costItems: { item: string; usdPerHour: number }[];
  capacityWork: string;
  config: Record<string, unknown>;
}
interface PlanJson {
  workload: { id: string; kind: string; windowMs: number; slideMs: number };
  rate: number;
  sloMs?: number;
  platforms: { platform: string; title: string; evaluated: number; candidates: Ev[]; feasible: Ev[]; note?: string }[];
  pareto: Ev[];
  recommendation?: { evaluation: Ev; why: string };
  noRecommendation?: string;
}
interface CheckJson {
  rows: {
    runId: string;
    file?: string;
    workload: string;
    family: string;
    label: string;
    rate: number;
    measuredRate?: number;
    measuredRateIsLowerBound: boolean;
    projectedRate?: number;
    rateErrorPct?: number;
    measuredP99Ms: number;
    projectedP99Ms?: number;
    latencyErrorPct?: number;
    note: string;
  }[];
  meanAbsRateErrorPct?: number;
  meanAbsLatencyErrorPct?: number;
}
interface CalPoint {
  runId: string;
  file?: string;
  workload: string;
  backend: string;
  target: string;
  engine: string;
  config: Record<string, unknown>;
  sustainedRate?: number;
  lowerBoundRate?: number;
  latencyP99Ms: number;
  computeUsPerEvent?: number;
  provisioningMs: number;
}

function readJson<T>(path: string): T | undefined {
  try {
    const buf = readFileSync(path);
    return JSON.parse((path.endsWith('.gz') ? gunzipSync(buf) : buf).toString('utf8')) as T;
  } catch {
    return undefined;
  }
}

const TITLES: Record<string, string> = {
  'flink-ec2': 'Flink on EC2',
  kda: 'Managed Flink (KDA)',
  'flock-lambda': 'Flock on Lambda',
  local: 'local engine',
  'flink-local': 'Flink on this machine',
  'flock-local': 'Flock on the local Lambda service',
};
const BACKEND_TITLES: Record<string, string> = { local: 'local engine', flink: 'Flink (local cluster)', flock: 'Flock (local Lambda service)' };
const QUERY_KIND: Record<string, string> = {
  q0: 'stateless (pass-through)',
  q1: 'stateless (projection)',
  q3: 'join (regular, over all history)',
  q5: 'windowed (hopping, 10 s every 2 s)',
  q7: 'windowed (tumbling, 10 s)',
  q8: 'join (windowed, 10 s)',
  q11: 'session (gap 10 s)',
};
const STATELESS = new Set(['q0', 'q1', 'q2']);

class Folder {
  readonly machine?: Machine;
  readonly results: Loaded[];
  readonly compare: Map<string, CompareSummary>;
  readonly failures: Failure[];
  readonly session?: { state?: { cluster?: { startMs?: number } } };
  readonly calibration?: { points: CalPoint[] };
  readonly calibrate?: { calibration: { added: number; skipped: string[]; measuredPoints: number; profiles: { id: string; title: string; source: string; date: string }[] } };
  readonly check?: { check?: CheckJson; calibration?: { skipped: string[] } };
  constructor(readonly dir: string) {
    this.machine = readJson<Machine>(join(dir, 'machine.json'));
    this.results = loadResults(join(dir, 'results'));
    this.compare = new Map();
    const cdir = join(dir, 'compare');
    if (existsSync(cdir)) {
      for (const f of readdirSync(cdir).filter((f) => f.startsWith('comparison-') && f.endsWith('.json')).sort()) {
        const j = readJson<CompareSummary>(join(cdir, f));
        if (j) this.compare.set(f.replace(/\.json$/, ''), j);
      }
    }
    this.session = readJson(join(cdir, 'flink-session.json'));
    this.failures = existsSync(join(dir, 'failures.jsonl'))
      ? readFileSync(join(dir, 'failures.jsonl'), 'utf8')
          .split('\n')
          .filter((l) => l.trim())
          .map((l) => JSON.parse(l) as Failure)
      : [];
    this.calibration = readJson(join(dir, 'planner', 'calibration.json'));
    this.calibrate = readJson(join(dir, 'planner', 'calibrate.json.gz'));
    this.check = readJson(join(dir, 'planner', 'check.json.gz'));
  }
  rel(path: string): string {
    return relative(this.dir, path);
  }
  rates(q: string, shipped = false): RatesJson | undefined {
    return readJson<{ rates?: RatesJson }>(join(this.dir, 'planner', `rates-${q}${shipped ? '-shipped' : ''}.json.gz`))?.rates;
  }
  ratesFile(q: string, shipped = false): string {
    return `planner/rates-${q}${shipped ? '-shipped' : ''}.json.gz`;
  }
  plan(q: string, rate: number): PlanJson | undefined {
    return readJson<{ plan?: PlanJson }>(join(this.dir, 'planner', `plan-${q}-${rate}.json.gz`))?.plan;
  }
  planFile(q: string, rate: number): string {
    return `planner/plan-${q}-${rate}.json.gz`;
  }
  has(path: string): boolean {
    return existsSync(join(this.dir, path));
  }
}

// ---------------------------------------------------------------------------------------------
// Measured figures

/** What the Lambda bill of a Flock run's invocations would be on AWS: its REPORT totals × the price book. */
function lambdaBill(r: Result): { usd: number; perMillion: number; billedMs: number; initMs: number; requests: number; coldStarts: number } | undefined {
  const e = r.ledger.find((x) => x.kind === 'lambda-invocations');
  const a = e?.attributes ?? {};
  if (!e || typeof a['billedMs'] !== 'number') return undefined;
  const priced = { ...e, attributes: Object.fromEntries(Object.entries(a).filter(([k]) => k !== 'local')) };
  const region = r.cost?.priceBook?.region ?? 'us-east-1';
  const book = locatePriceBook(region, { home: '/nonexistent-streamscore-home' }).book;
  const c = costOfLedger([priced], book, { events: r.summary.eventsIn, runEndMs: e.end ?? Date.parse(r.endedAt) });
  return {
    usd: c.totalUsd,
    perMillion: r.summary.eventsIn > 0 ? (c.totalUsd / r.summary.eventsIn) * 1e6 : 0,
    billedMs: a['billedMs'] as number,
    initMs: typeof a['initMs'] === 'number' ? (a['initMs'] as number) : 0,
    requests: typeof a['requests'] === 'number' ? (a['requests'] as number) : 0,
    coldStarts: typeof a['coldStarts'] === 'number' ? (a['coldStarts'] as number) : 0,
  };
}

function verdictText(r: Result): string {
  const v = r.verdict;
  const base = v.status === 'fail' ? `FAIL (${v.missing ?? 0} missing, ${v.unexpected ?? 0} unexpected)` : v.status;
  return r.complete ? base : `${base} · incomplete`;
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** The measured run of a backend on a query at a rate (single runs only). */
function runAt(f: Folder, backend: string, q: string, rate: number): Loaded | undefined {
  return f.results.find((l) => l.r.config.backend === backend && qOf(l.r.config.workload) === q && !l.r.findMax && l.r.summary.targetRate === rate);
}

// ---------------------------------------------------------------------------------------------
// Projected figures

/** The cheapest feasible configuration of a platform in a plan, else the cheapest that sustains the rate. */
function best(p: PlanJson | undefined, platform: string): { e: Ev; feasible: boolean } | undefined {
  const pp = p?.platforms.find((x) => x.platform === platform);
  if (!pp) return undefined;
  if (pp.feasible[0]) return { e: pp.feasible[0], feasible: true };
  const c = [...pp.candidates].sort((a, b) => a.costPerHourUsd.value - b.costPerHourUsd.value)[0];
  return c ? { e: c, feasible: false } : undefined;
}
const kinesisOf = (e: Ev) => e.costItems.filter((c) => c.item.startsWith('Kinesis')).reduce((s, c) => s + c.usdPerHour, 0);
const engineCost = (e: Ev) => e.costPerHourUsd.value - kinesisOf(e);

/** The cheaper of Flink's two platforms in a rates point. */
function flinkCell(pt: RatesJson['points'][number]): { platform: string; cell: Cell } | undefined {
  const c = ['flink-ec2', 'kda'].map((p) => ({ platform: p, cell: pt.cheapest[p] })).filter((x): x is { platform: string; cell: Cell } => !!x.cell);
  return c.sort((a, b) => a.cell.perHourUsd - b.cell.perHourUsd)[0];
}

// ---------------------------------------------------------------------------------------------
// The README, section by section

const DETAIL_RATES = [1000, 10_000, 100_000, 1_000_000];

function header(f: Folder, measuredS: number, elapsedS: number): string[] {
  const L: string[] = [];
  const m = f.machine;
  const env = f.results[0]?.r.environment;
  const starts = f.results.map((l) => Date.parse(l.r.startedAt)).filter(Number.isFinite);
  const ends = f.results.map((l) => Date.parse(l.r.endedAt)).filter(Number.isFinite);
  const book = f.results.find((l) => l.r.cost?.priceBook)?.r.cost?.priceBook;
  const tool = f.results[0]?.r.tool;
  L.push('# The first comparison: Flink on EC2, Managed Flink and Flock on Lambda');
  L.push('');
  L.push(
    `*Measured on this machine with the local engine, a real Flink 2.2 cluster and Flock's architecture on a local Lambda service; projected for AWS by ` +
      `${code('streamscore plan')} calibrated with those measurements. Written by ${code('bench/comparison.ts')} from the files in this folder: every number below is read ` +
      `from a Result (${code('results/')}) or from the planner's JSON (${code('planner/')}), and is labelled ${M} (on this machine, with the Result it comes from) or ${P} ` +
      `(by the planner, with the file it comes from); ${PUB} marks figures quoted from others, with their source.*`,
  );
  L.push('');
  L.push('## Reproduce');
  L.push('');
  L.push('```sh');
  L.push('bash scripts/publish-comparison.sh');
  L.push('```');
  L.push('');
  const dur = Number.isFinite(elapsedS) ? ` It took ${secs(elapsedS)} here${Number.isFinite(measuredS) ? ` (${secs(measuredS)} of it measuring)` : ''}.` : '';
  L.push(
    `The script builds the project, starts a Flink session cluster (${code('streamscore flink session up first-comparison --target local --knob taskmanagers=1 --parallelism 1')}), ` +
      `runs the ${f.compare.size} compare files ${[...f.compare.keys()].map((k) => `[${code(`${k}.yaml`)}](../../../examples/runs/${k}.yaml)`).join(', ') || '(none ran)'} ` +
      `with ${code('streamscore compare FILE --out DIR')}, folds the Results into a private calibration with ${code('streamscore plan --calibrate')}, runs ` +
      `${code('streamscore plan WORKLOAD --rates 1000..1000000 --latency-slo S --json')}, ${code('plan WORKLOAD --rate R')} and ${code('--chart')}, ${code('streamscore plan --check results/*.json')}, ` +
      `${code('streamscore report')} per query for the charts, and finally ${code('npx tsx bench/comparison.ts --out docs/reports/first-comparison')}.${dur}`,
  );
  L.push('');
  if (m || env) {
    const load = m ? `load average ${m.loadavg.map((x) => x.toFixed(2)).join(' / ')} (1, 5, 15 min, ${code('os.loadavg()')} at the start) on ${m.cpus} CPUs` : 'load average not recorded';
    L.push(
      `**Machine** (the Results' ${code('environment')}): ${env ? `${env.os} ${env.arch}, ${env.cpus} × ${env.cpuModel}, ${env.memoryGiB} GiB, Node ${env.node}` : `${m!.cpus} × ${m!.cpuModel}, ${m!.memoryGiB} GiB, Node ${m!.node}`}; ` +
        `${load}. The machine was shared with other engineers' test runs while this ran, so every measured figure is a figure under load.` +
        (starts.length ? ` Runs from ${new Date(Math.min(...starts)).toISOString()} to ${new Date(Math.max(...ends)).toISOString()}, ${tool ? `${tool.name} ${tool.version}` : ''}.` : ''),
    );
    L.push('');
  }
  if (book) {
    L.push(`**Prices**: the price book for ${book.region} dated ${book.date} (list prices, on demand, no free tier) — ${book.source.split('.')[0]}.`);
    L.push('');
  }
  return L;
}

const QUERY_ORDER = ['q0', 'q1', 'q2', 'q5', 'q7', 'q11', 'q8', 'q3'];
const BACKEND_ORDER = ['local', 'flink', 'flock'];
const order = (list: string[], x: string) => (list.indexOf(x) < 0 ? 99 : list.indexOf(x));

function measuredSection(f: Folder): string[] {
  const L: string[] = [];
  L.push('## What was measured on this machine');
  L.push('');
  const rs = [...f.results].sort(
    (a, b) =>
      order(QUERY_ORDER, qOf(a.r.config.workload)) - order(QUERY_ORDER, qOf(b.r.config.workload)) ||
      order(BACKEND_ORDER, a.r.config.backend) - order(BACKEND_ORDER, b.r.config.backend) ||
      Number(!!a.r.findMax) - Number(!!b.r.findMax) ||
      a.r.summary.targetRate - b.r.summary.targetRate,
  );
  if (!rs.length) {
    L.push('No run produced a Result (see the failures below).');
    L.push('');
    return L;
  }
  const slo = [...new Set(rs.map((l) => l.r.config.latencySloMs).filter((x): x is number => x !== undefined))];
  const loads = [...new Set(rs.map((l) => `${l.r.config.load.warmupS} s warm-up + ${l.r.config.load.durationS} s measured${l.r.config.load.drainS ? '' : ''}`))];
  L.push(
    `${rs.length} Results, all ${M} (one file each in ${code('results/')}). Each run: ${loads.join(' or ')} (plus the drain that closes every window), ` +
      `a p99 pass mark of ${slo.map((s) => ms(s)).join(', ') || 'none'}, every answer checked against the oracle. The local engine ran in process (memory transport); ` +
      `Flink and Flock read from and wrote to kinesalite (a local Kinesis). Flock's cost is what AWS would bill for the REPORT lines its functions wrote ` +
      `(billed ms × memory × the price book's arm64 GB-second price + requests): durations of this machine, prices of Lambda.`,
  );
  L.push('');
  L.push(
    table(
      ['query', 'backend', 'rate, events/s', 'achieved', 'sustained (find-max)', 'p50', 'p99', 'verdict', 'Lambda bill at AWS prices, per M events', 'Result'],
      rs.map(({ file, r }) => {
        const bill = lambdaBill(r);
        return [
          `${qOf(r.config.workload)} ${QUERY_KIND[qOf(r.config.workload)] ? `(${QUERY_KIND[qOf(r.config.workload)]!.split(' (')[0]})` : ''}`,
          BACKEND_TITLES[r.config.backend] ?? r.config.backend,
          r.findMax ? 'search' : int(r.summary.targetRate),
          int(r.summary.achievedRate),
          r.findMax ? `${int(r.findMax.sustainedRate)} (${r.findMax.trials.length} trials)` : '—',
          r.summary.latency.count ? us(r.summary.latency.p50) : '—',
          r.summary.latency.count ? us(r.summary.latency.p99) : '—',
          verdictText(r),
          bill ? `${usd(bill.perMillion)} (${int(bill.billedMs)} ms billed, ${bill.coldStarts} cold starts)` : '—',
          `[${r.runId.slice(0, 15)}…](${f.rel(file)})`,
        ];
      }),
    ),
  );
  L.push('');
  const skipped = [...f.compare.entries()].flatMap(([k, c]) => (c.skipped ?? []).map((s) => ({ file: k, ...s })));
  if (skipped.length) {
    L.push('Cells the compare command skipped (its own words):');
    L.push('');
    for (const s of skipped) L.push(`- ${code(`${s.file}.yaml`)} — ${s.cell}: ${s.reason}`);
    L.push('');
  }
  const charts = QUERY_ORDER.filter((q) => f.has(`charts/measured-${q}-latency-percentiles.png`));
  if (charts.length) {
    L.push(`Latency by percentile of every run of a query (${code('streamscore report')} over that query's Results; lower is better, the tail is on the right):`);
    L.push('');
    for (const q of charts) {
      L.push(`**${q}** — ${QUERY_KIND[q] ?? ''}`);
      L.push('');
      L.push(`![${q}: latency by percentile, ${M}](charts/measured-${q}-latency-percentiles.png)`);
      L.push('');
      if (f.has(`charts/measured-${q}-latency-over-time.png`)) {
        L.push(`p50 (solid) and p99 (dashed) of every second of those runs — warm-up, measured phase and drain:`);
        L.push('');
        L.push(`![${q}: latency over time, ${M}](charts/measured-${q}-latency-over-time.png)`);
        L.push('');
      }
    }
  }
  return L;
}

function detailQueries(f: Folder): string[] {
  return QUERY_ORDER.filter((q) => DETAIL_RATES.some((r) => f.plan(q, r)));
}

/** Question 1: Flink on EC2 against Managed Flink, same query, same rate. */
function q1Section(f: Folder): { lines: string[]; summary: string[] } {
  const L: string[] = [];
  const S: string[] = [];
  L.push('## 1. Flink on EC2 against Managed Flink (KDA)');
  L.push('');
  const rows: string[][] = [];
  const ratios: { q: string; rate: number; ratio: number; engineRatio: number }[] = [];
  const sameP99: boolean[] = [];
  const onlyEc2: string[] = [];
  let perVcpuSource = '';
  for (const q of detailQueries(f)) {
    for (const rate of DETAIL_RATES) {
      const p = f.plan(q, rate);
      const ec2 = best(p, 'flink-ec2');
      const kda = best(p, 'kda');
      if (!p || (!ec2 && !kda)) continue;
      if (!ec2 || !kda) {
        const none = (pl: string) => `none sustains${p.platforms.find((x) => x.platform === pl)?.note ? ` (${p.platforms.find((x) => x.platform === pl)!.note})` : ''}`;
        const side = (b: typeof ec2, pl: string) =>
          b ? [`${b.e.label}${b.feasible ? '' : ' (misses SLO)'}`, int(b.e.sustainableRate.value), ms(b.e.latencyP99Ms.value), usd(b.e.costPerHourUsd.value), secs(b.e.readinessS.value)] : [none(pl), '—', '—', '—', '—'];
        rows.push([q, int(rate), ...side(ec2, 'flink-ec2'), ...side(kda, 'kda'), '—', '—']);
        if (ec2 && !kda) onlyEc2.push(`${q} at ${rateName(rate)}/s`);
        continue;
      }
      const ratio = kda.e.costPerHourUsd.value / ec2.e.costPerHourUsd.value;
      ratios.push({ q, rate, ratio, engineRatio: engineCost(kda.e) / engineCost(ec2.e) });
      sameP99.push(Math.abs(kda.e.latencyP99Ms.value - ec2.e.latencyP99Ms.value) < 1);
      if (!perVcpuSource && q === 'q5') perVcpuSource = ec2.e.sustainableRate.source.split(' — ').slice(1).join(' — ') || ec2.e.sustainableRate.source;
      rows.push([
        q,
        int(rate),
        `${ec2.e.label}${ec2.feasible ? '' : ' (misses SLO)'}`,
        int(ec2.e.sustainableRate.value),
        ms(ec2.e.latencyP99Ms.value),
        usd(ec2.e.costPerHourUsd.value),
        secs(ec2.e.readinessS.value),
        `${kda.e.label}${kda.feasible ? '' : ' (misses SLO)'}`,
        int(kda.e.sustainableRate.value),
        ms(kda.e.latencyP99Ms.value),
        usd(kda.e.costPerHourUsd.value),
        secs(kda.e.readinessS.value),
        times(kda.e.costPerHourUsd.value, ec2.e.costPerHourUsd.value),
        times(engineCost(kda.e), engineCost(ec2.e)),
      ]);
    }
  }
  if (!rows.length) {
    L.push('No plan was produced (see the failures), so there is no answer to this question in this run.');
    L.push('');
    return { lines: L, summary: ['**EC2 or Managed Flink**: no plan was produced in this run.'] };
  }
  const lo = ratios.reduce((a, b) => (b.ratio < a.ratio ? b : a));
  const hi = ratios.reduce((a, b) => (b.ratio > a.ratio ? b : a));
  const ecLo = ratios.reduce((a, b) => (b.engineRatio < a.engineRatio ? b : a));
  const ecHi = ratios.reduce((a, b) => (b.engineRatio > a.engineRatio ? b : a));
  const kdaCheaper = ratios.filter((r) => r.ratio < 0.99);
  const p10 = f.plan('q5', 10_000) ?? f.plan(detailQueries(f)[0]!, 10_000);
  const e10 = best(p10, 'flink-ec2');
  const k10 = best(p10, 'kda');
  L.push(
    `The cheapest configuration of each that sustains the rate (${P}, one ${code('plan WORKLOAD --rate R')} per row, files ${code('planner/plan-QUERY-RATE.json.gz')}). ` +
      `"KDA ÷ EC2" is the ratio of the two costs per hour; "engines only" leaves out the Kinesis streams, which are the same for both.`,
  );
  L.push('');
  L.push(
    table(
      ['query', 'rate/s', 'EC2: config', 'sustains/s', 'p99', '$/h', 'ready in', 'KDA: config', 'sustains/s', 'p99', '$/h', 'ready in', 'KDA ÷ EC2', 'engines only'],
      rows,
    ),
  );
  L.push('');
  const s1 =
    `Over ${ratios.length} query × rate cells, Managed Flink costs ${times(lo.ratio, 1)} (${lo.q} at ${rateName(lo.rate)}/s) to ${times(hi.ratio, 1)} ` +
    `(${hi.q} at ${rateName(hi.rate)}/s) what Flink on EC2 costs for the same query and rate (${P}); counting the engines alone, ${times(ecLo.engineRatio, 1)} to ${times(ecHi.engineRatio, 1)}. ` +
    (kdaCheaper.length ? `Managed Flink is the cheaper one in ${kdaCheaper.length} of them (${kdaCheaper.map((r) => `${r.q} at ${rateName(r.rate)}/s`).join(', ')}).` : 'Flink on EC2 is never the dearer of the two.') +
    (onlyEc2.length ? ` Only Flink on EC2 sustains ${onlyEc2.join(', ')}: one Managed Flink application stops at the planner's KPU limit.` : '');
  L.push(s1);
  L.push('');
  const perf =
    `Performance: both run the same engine and the planner gives them the same speed per vCPU (${perVcpuSource || 'see the JSON'}), so the difference is in how the vCPUs are sold: ` +
    `EC2 sells whole instances (the smallest with ≥ 4 GiB), Managed Flink sells 1-vCPU KPUs plus one orchestration KPU per application and 50 GB of storage per KPU. ` +
    `Their projected p99 is ${sameP99.every(Boolean) ? 'the same in every cell' : `the same in ${sameP99.filter(Boolean).length} of ${sameP99.length} cells`} — it is what the architecture waits for (polling, flushes, the watermark), not the vCPUs.` +
    (e10 && k10
      ? ` At 10,000 events/s for ${p10!.workload.id}: EC2 ${e10.e.label} ${usd(e10.e.costPerHourUsd.value)}/h and ready in ${secs(e10.e.readinessS.value)} (${e10.e.readinessS.basis}), ` +
        `KDA ${k10.e.label} ${usd(k10.e.costPerHourUsd.value)}/h and ready in ${secs(k10.e.readinessS.value)} (${k10.e.readinessS.basis}: ${k10.e.readinessS.source.replace(/^default: /, '')}).`
      : '');
  L.push(perf);
  L.push('');
  L.push(
    `Not measured: no run on AWS was made for this report, so neither side of this comparison is measured; the only measured input is the Flink speed on this machine, through the calibration (below). ` +
      `The planner's own accuracy against what was measured is in [the model's error](#the-models-error-plan---check).`,
  );
  L.push('');
  S.push(
    `**EC2 or Managed Flink?** For the same query and rate, Managed Flink costs ${times(lo.ratio, 1)}–${times(hi.ratio, 1)} what Flink on EC2 costs (${P}, ${ratios.length} query × rate cells from 1 K to 1 M events/s), ` +
      `for the same projected throughput and p99 (one engine, one model); ${kdaCheaper.length ? `it is cheaper in ${kdaCheaper.length} cell(s)` : 'EC2 is the cheaper in every cell'}` +
      `${onlyEc2.length ? `, and only EC2 reaches ${onlyEc2.join(', ')}` : ''}. See [1](#1-flink-on-ec2-against-managed-flink-kda).`,
  );
  return { lines: L, summary: S };
}

/** Question 2: which configuration at 1 K, 10 K, 100 K and 1 M events/s, and which is least work. */
function q2Section(f: Folder): { lines: string[]; summary: string[] } {
  const L: string[] = [];
  const S: string[] = [];
  L.push('## 2. Which configuration at 1 K, 10 K, 100 K and 1 M events/s');
  L.push('');
  L.push(
    `For each query and rate, the planner sweeps every EC2 instance type × 1–32 nodes, 1–64 KPUs × parallelism per KPU, and every Lambda memory size × architecture × group size, ` +
      `keeps per shape the smallest size that sustains the rate, and recommends the cheapest within the p99 SLO (${P}; ${code('planner/plan-QUERY-RATE.json.gz')}). ` +
      `"Best value" is the feasible configuration with the most sustainable events/s per dollar-hour (the most headroom for the money).`,
  );
  L.push('');
  const recs: { q: string; rate: number; fam: string; label: string; usdH: number; perM: number; p99: number }[] = [];
  for (const rate of DETAIL_RATES) {
    const qs = detailQueries(f).filter((q) => f.plan(q, rate));
    if (!qs.length) continue;
    L.push(`### ${rateName(rate)} events/s`);
    L.push('');
    const rows: string[][] = [];
    for (const q of qs) {
      const p = f.plan(q, rate)!;
      const rec = p.recommendation?.evaluation;
      if (rec) recs.push({ q, rate, fam: rec.family, label: rec.label, usdH: rec.costPerHourUsd.value, perM: rec.costPerMillionEventsUsd.value, p99: rec.latencyP99Ms.value });
      const cellOf = (platform: string) => {
        const pp = p.platforms.find((x) => x.platform === platform);
        if (!pp) return '—';
        if (!pp.feasible.length) return pp.candidates.length ? `none within the SLO (cheapest that sustains: ${[...pp.candidates].sort((a, b) => a.costPerHourUsd.value - b.costPerHourUsd.value)[0]!.label})` : `none sustains${pp.note ? ` (${pp.note})` : ''}`;
        const top = pp.feasible.slice(0, 3).map((e) => `${e.label} ${usd(e.costPerHourUsd.value)}/h`);
        const value = [...pp.feasible].sort((a, b) => b.sustainableRate.value / b.costPerHourUsd.value - a.sustainableRate.value / a.costPerHourUsd.value)[0]!;
        return `${top.join('; ')}${value !== pp.feasible[0] ? ` — best value ${value.label} (${int(value.sustainableRate.value / value.costPerHourUsd.value)} events/s per $/h)` : ''}`;
      };
      rows.push([
        `${q} (SLO ${p.sloMs !== undefined ? ms(p.sloMs) : 'none'})`,
        rec ? `**${TITLES[rec.family]} ${rec.label}**: ${usd(rec.costPerHourUsd.value)}/h, ${usd(rec.costPerMillionEventsUsd.value)}/M events, p99 ${ms(rec.latencyP99Ms.value)}` : `none (${p.noRecommendation ?? 'no feasible configuration'})`,
        cellOf('flink-ec2'),
        cellOf('kda'),
        cellOf('flock-lambda'),
      ]);
    }
    L.push(table(['query', 'recommendation (cheapest within the SLO)', 'Flink on EC2: cheapest 3', 'Managed Flink: KPUs', 'Flock on Lambda: cheapest 3'], rows));
    L.push('');
    const byRate = recs.filter((r) => r.rate === rate);
    if (byRate.length) {
      const wins = new Map<string, string[]>();
      for (const r of byRate) wins.set(r.fam, [...(wins.get(r.fam) ?? []), r.q]);
      L.push(
        `At ${rateName(rate)} events/s the cheapest configuration that meets the SLO is ` +
          byRate.map((r) => `${TITLES[r.fam]} ${r.label} at ${usd(r.usdH)}/h for ${r.q}`).join(', ') +
          ` (${P}). ${[...wins.entries()].map(([fam, qs2]) => `${TITLES[fam]} wins ${qs2.length} of ${byRate.length}`).join('; ')}.`,
      );
      L.push('');
    }
  }
  // Across shapes: which instance family, node count, KPUs and memory size came out cheapest, over every cell.
  const tally = (xs: string[]) => [...xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>()).entries()].sort((a, b) => b[1] - a[1]);
  const ec2Fam: string[] = [];
  const ec2Nodes: string[] = [];
  const kdaKpu: string[] = [];
  const lamMem: string[] = [];
  const lamArch: string[] = [];
  let cells = 0;
  for (const rate of DETAIL_RATES) {
    for (const q of detailQueries(f)) {
      const p = f.plan(q, rate);
      if (!p) continue;
      cells++;
      const e = best(p, 'flink-ec2');
      if (e?.feasible) {
        const c = e.e.config as { instanceType?: string; nodes?: number };
        if (c.instanceType) ec2Fam.push(c.instanceType.split('.')[0]!);
        if (c.nodes !== undefined) ec2Nodes.push(`${c.nodes} node${c.nodes > 1 ? 's' : ''} of ${c.instanceType}`);
      }
      const k = best(p, 'kda');
      if (k?.feasible) kdaKpu.push(k.e.label);
      const l = best(p, 'flock-lambda');
      if (l?.feasible) {
        const c = l.e.config as { memoryMB?: number; architecture?: string };
        if (c.memoryMB !== undefined) lamMem.push(`${c.memoryMB} MB`);
        if (c.architecture) lamArch.push(c.architecture);
      }
    }
  }
  if (cells) {
    const top = (t: [string, number][], n = 3) => t.slice(0, n).map(([x, c]) => `${x} (${c})`).join(', ');
    L.push(
      `Across the ${cells} query × rate cells above (${P}): the cheapest EC2 configuration was of instance family ${top(tally(ec2Fam))} — counts of cells; ` +
        `Lambda memory sizes: ${top(tally(lamMem)) || 'none feasible'}, architecture ${top(tally(lamArch), 2) || '—'}; ` +
        `Managed Flink's cheapest sized to ${top(tally(kdaKpu), 4) || 'none feasible'}. ` +
        `The price book prices every vCPU of a family alike and the planner scales by vCPUs, so between sizes of one family the cheapest is the one whose vCPUs best fit the rate; ` +
        `${ec2Nodes.some((x) => !x.startsWith('1 node')) ? `scaling out happened in ${ec2Nodes.filter((x) => !x.startsWith('1 node')).length} of ${ec2Nodes.length} EC2 cells (${[...new Set(ec2Nodes.filter((x) => !x.startsWith('1 node')))].join(', ')}).` : 'one node sufficed in every EC2 cell.'}`,
    );
    L.push('');
  }
  // Least work to run
  L.push('### Least work to run');
  L.push('');
  const p = f.plan('q5', 10_000) ?? f.plan(detailQueries(f)[0] ?? 'q0', 10_000);
  const ready = ['kda', 'flock-lambda', 'flink-ec2']
    .map((pl) => ({ pl, b: best(p, pl) }))
    .filter((x): x is { pl: string; b: { e: Ev; feasible: boolean } } => !!x.b);
  const flinkRuns = f.results.filter((l) => l.r.config.backend === 'flink');
  const submit = median(flinkRuns.map((l) => Number((l.r.deployment.details as Record<string, unknown> | undefined)?.['submitMs'])).filter(Number.isFinite));
  const sessionStart = f.session?.state?.cluster?.startMs;
  const flockRuns = f.results.filter((l) => l.r.config.backend === 'flock');
  const flockProv = median(flockRuns.map((l) => l.r.deployment.provisioningMs));
  const flockCold = flockRuns.map((l) => (l.r.deployment.details as { driver?: { initDurationUs?: { percentiles?: { p50?: number } } } } | undefined)?.driver?.initDurationUs?.percentiles?.p50).filter((x): x is number => typeof x === 'number');
  if (ready.length) {
    L.push(
      `Time to get running (${P} for AWS, ${p ? `${p.workload.id} at ${int(p.rate)} events/s` : ''}): ` +
        ready.map(({ pl, b }) => `${TITLES[pl]} ${secs(b.e.readinessS.value)} (${b.e.readinessS.basis}: ${b.e.readinessS.source})`).join('; ') +
        '.',
    );
    L.push('');
  }
  const measuredReady: string[] = [];
  if (sessionStart !== undefined) measuredReady.push(`a Flink cluster (1 JobManager + 1 TaskManager) answered in ${secs(sessionStart / 1000)} (${code('compare/flink-session.json')})`);
  if (submit !== undefined) measuredReady.push(`a Flink job was submitted and running in ${secs(submit / 1000)} (median of ${flinkRuns.length} runs' ${code('deployment.details.submitMs')})`);
  if (flockProv !== undefined) measuredReady.push(`Flock's functions were created in ${secs(flockProv / 1000)} (median ${code('deployment.provisioningMs')} of ${flockRuns.length} runs)${flockCold.length ? `, and a cold start took ${ms((median(flockCold) ?? 0) / 1000)} of init (median)` : ''}`);
  if (measuredReady.length) {
    L.push(`On this machine (${M}): ${measuredReady.join('; ')}.`);
    L.push('');
  }
  L.push(
    `Operational work, as the planner ranks it to break ties (its ${code('PLATFORMS')} order): Managed Flink (AWS runs the cluster, upgrades and restarts it) < Flock on Lambda ` +
      `(functions, no servers, but a driver and a function group to look after) < Flink on EC2 (instances, the JVMs, upgrades, failures: all yours).`,
  );
  L.push('');
  // summary: the recommendation per rate, across queries
  const perRate = DETAIL_RATES.map((rate) => {
    const rr = recs.filter((r) => r.rate === rate);
    if (!rr.length) return undefined;
    const fams = [...new Set(rr.map((r) => r.fam))];
    const q5 = rr.find((r) => r.q === 'q5') ?? rr[0]!;
    return `${rateName(rate)}/s: ${fams.map((fm) => `${TITLES[fm]} (${rr.filter((r) => r.fam === fm).map((r) => r.q).join(', ')})`).join(', ')} — e.g. ${q5.q} on ${TITLES[q5.fam]} ${q5.label}, ${usd(q5.usdH)}/h`;
  }).filter(Boolean);
  const fastest = ready.length ? ready.reduce((a, b) => (b.b.e.readinessS.value < a.b.e.readinessS.value ? b : a)) : undefined;
  S.push(
    `**Which configuration?** The cheapest within the SLO (${P}) at ${perRate.join('; ')}. ` +
      (fastest ? `Quickest to get running: ${TITLES[fastest.pl]} (${secs(fastest.b.e.readinessS.value)}, ${fastest.b.e.readinessS.basis}); least operational work: Managed Flink. ` : '') +
      `See [2](#2-which-configuration-at-1-k-10-k-100-k-and-1-m-eventss).`,
  );
  return { lines: L, summary: S };
}

/** Published claims this report checks, quoted with their sources (not measurements of ours). */
const CLAIMS = {
  flock: {
    source: 'Liao, Deshpande, Abadi, "Flock: A Low-Cost Streaming Query Engine on FaaS Platforms", arXiv:2312.16735, abstract',
    quote: 'outperforms Apache Flink by 10-20x in cost while achieving similar latency and throughput',
    low: 10,
    high: 20,
  },
  pfandzelter: {
    source:
      'Pfandzelter, Henning, Schirmer, Hasselbring, Bermbach, "Streaming vs. Functions: A Cost Perspective on Cloud Event Processing", IC2E 2022; figures from its artifact\'s CSVs (github.com/pfandzelter/cloud-event-processing-costs)',
    finding: 'functions are cheaper than stream processing only for stateless work at low rates',
    rows: [
      // USD per hour on AWS, Lambda against Flink on EKS, at 100 / 1000 messages/s
      { uc: 'UC1 stateless (DB write)', rate: 100, lambda: 0.66, flink: 1.14 },
      { uc: 'UC1 stateless (DB write)', rate: 1000, lambda: 6.56, flink: 6.08 },
      { uc: 'UC2 windowed aggregation', rate: 100, lambda: 7.2, flink: 0.59 },
      { uc: 'UC2 windowed aggregation', rate: 1000, lambda: 71.98, flink: 0.82 },
    ],
  },
};

/** Why the flock backend refused a query, when a compare file listed it as skipped. */
function flockRefusal(f: Folder, q: string): string | undefined {
  return [...f.compare.values()].flatMap((c) => c.skipped ?? []).find((x) => x.cell.startsWith(`nexmark/${q} on`) && /flock/i.test(x.cell))?.reason;
}

/** Question 3: Flink against the Flock architecture. */
function q3Section(f: Folder): { lines: string[]; summary: string[] } {
  const L: string[] = [];
  const S: string[] = [];
  L.push('## 3. Flink against the Flock architecture');
  L.push('');
  // --- measured, this machine
  L.push('### On this machine');
  L.push('');
  const rates = [...new Set(f.results.filter((l) => !l.r.findMax && l.r.config.backend !== 'local').map((l) => l.r.summary.targetRate))].sort((a, b) => a - b);
  const mrows: string[][] = [];
  const latWins: { q: string; rate: number; winner: string; flink: number; flock: number }[] = [];
  for (const q of QUERY_ORDER) {
    for (const rate of rates) {
      const fl = runAt(f, 'flink', q, rate);
      const fk = runAt(f, 'flock', q, rate);
      if (!fl && !fk) continue;
      const bill = fk ? lambdaBill(fk.r) : undefined;
      const ok = (l?: Loaded) => !!l && l.r.summary.latency.count > 0 && l.r.verdict.status !== 'fail';
      if (ok(fl) && ok(fk)) {
        const a = fl!.r.summary.latency.p99;
        const b = fk!.r.summary.latency.p99;
        latWins.push({ q, rate, winner: a <= b ? 'Flink' : 'Flock', flink: a, flock: b });
      }
      const refusal = fk ? undefined : flockRefusal(f, q);
      mrows.push([
        `${q} (${QUERY_KIND[q]?.split(' (')[0] ?? ''})`,
        int(rate),
        fl ? `${us(fl.r.summary.latency.p50)} / ${us(fl.r.summary.latency.p99)}, ${verdictText(fl.r)}` : 'not run',
        fk ? `${us(fk.r.summary.latency.p50)} / ${us(fk.r.summary.latency.p99)}, ${verdictText(fk.r)}` : refusal ? `refused: “${refusal}”` : 'not run',
        bill ? `${usd(bill.perMillion)} (init ${num((bill.initMs / Math.max(1, bill.billedMs)) * 100, 0)}% of billed ms)` : '—',
      ]);
    }
  }
  if (mrows.length) {
    L.push(`p50 / p99 latency and the verdict of each run (${M}, ${code('results/')}); Flock's Lambda bill priced at AWS prices from its REPORT lines (${M} durations × the price book).`);
    L.push('');
    L.push(table(['query', 'rate/s', 'Flink (local cluster): p50 / p99', 'Flock (local Lambda service): p50 / p99', 'Flock: Lambda bill per M events'], mrows));
    L.push('');
    if (latWins.length) {
      const fw = latWins.filter((w) => w.winner === 'Flink');
      const kw = latWins.filter((w) => w.winner === 'Flock');
      L.push(
        `Lower p99 (${M}): Flink in ${fw.length} of ${latWins.length} query × rate pairs${fw.length ? ` (${fw.map((w) => `${w.q} at ${rateName(w.rate)}: ${us(w.flink)} against ${us(w.flock)}`).join('; ')})` : ''}, ` +
          `Flock in ${kw.length}${kw.length ? ` (${kw.map((w) => `${w.q} at ${rateName(w.rate)}: ${us(w.flock)} against ${us(w.flink)}`).join('; ')})` : ''}. ` +
          `Both pay kinesalite's polling on the way in and out; on windowed queries both wait for the same 4 s watermark, after which Flink has the window's answer ready ` +
          `while Flock's group member only then receives the window's events and computes it.`,
      );
      L.push('');
    }
  } else {
    L.push('Neither Flink nor Flock produced a Result in this run (see the failures).');
    L.push('');
  }
  // --- projected, AWS
  L.push('### On AWS, by query and rate');
  L.push('');
  const prow: string[][] = [];
  const refusedNotes: string[] = [];
  const wins: { q: string; flockRates: number[]; flinkRates: number[]; maxRatio: number; maxAt: number; minRatio: number; minAt: number; cross?: number; refused?: boolean }[] = [];
  for (const q of QUERY_ORDER) {
    const rj = f.rates(q);
    if (!rj) continue;
    const refused = flockRefusal(f, q);
    if (refused) {
      const pt = rj.points.find((p) => p.rate === 10_000) ?? rj.points[0];
      const c = pt?.cheapest['flock-lambda'];
      refusedNotes.push(
        `${q}: the planner still projects Flock on Lambda for it${c && pt ? ` (${usd(c.perHourUsd)}/h at ${rateName(pt.rate)}/s, ${c.label})` : ''}, but the flock backend refused to run it ` +
          `(${M}: “${refused}”), so that projection is left out of every comparison in this report.`,
      );
    }
    const flockOf = (pt: RatesJson['points'][number]) => (refused ? null : pt.cheapest['flock-lambda']);
    const flockRates: number[] = [];
    const flinkRates: number[] = [];
    let maxRatio = 0;
    let maxAt = 0;
    let minRatio = Infinity;
    let minAt = 0;
    for (const pt of rj.points) {
      const fl = flinkCell(pt);
      const fk = flockOf(pt);
      if (fl && fk) {
        const ratio = fl.cell.perHourUsd / fk.perHourUsd;
        if (ratio > maxRatio) [maxRatio, maxAt] = [ratio, pt.rate];
        if (ratio < minRatio) [minRatio, minAt] = [ratio, pt.rate];
        (ratio > 1 ? flockRates : flinkRates).push(pt.rate);
      } else if (fl) flinkRates.push(pt.rate);
      else if (fk) flockRates.push(pt.rate);
    }
    const cross = rj.crossovers.find((c) => c.kind === 'winner' && (c.below === 'flock-lambda' || c.above === 'flock-lambda'));
    wins.push({ q, flockRates, flinkRates, maxRatio, maxAt, minRatio, minAt, ...(cross && !refused ? { cross: cross.rate } : {}), ...(refused ? { refused: true } : {}) });
    const at = (r: number) => rj.points.find((p) => p.rate === r);
    const cellTxt = (r: number) => {
      const pt = at(r);
      if (!pt) return '—';
      const fl = flinkCell(pt);
      const fk = flockOf(pt);
      return `${fl ? `${usd(fl.cell.perHourUsd)}` : 'none'} / ${fk ? usd(fk.perHourUsd) : refused ? 'refused' : 'none'}${fl && fk ? ` (${fl.cell.perHourUsd < fk.perHourUsd ? 'Flink' : 'Flock'})` : ''}`;
    };
    prow.push([
      `${q} (${QUERY_KIND[q]?.split(' (')[0] ?? rj.workload.kind})`,
      ...DETAIL_RATES.map(cellTxt),
      refused ? 'Flink (Flock refuses it)' : flockRates.length ? (flinkRates.length ? (cross ? `Flock below ~${int(cross.rate)}/s` : `Flock at ${flockRates.map(rateName).join(', ')}`) : 'Flock at every rate') : flinkRates.length ? 'Flink at every rate' : '—',
      `[json](${f.ratesFile(q)})`,
    ]);
  }
  if (prow.length) {
    L.push(
      `Cost per hour of the cheapest configuration within the SLO: Flink (the cheaper of EC2 and Managed Flink) / Flock on Lambda (${P}, ${code('plan QUERY --rates 1000..1000000')}, both with the same Kinesis streams). "none" = no configuration meets the SLO.`,
    );
    L.push('');
    L.push(table(['query', ...DETAIL_RATES.map((r) => `${rateName(r)}/s`), 'cheaper', 'source'], prow));
    L.push('');
    for (const n of refusedNotes) {
      L.push(`Not comparable — ${n}`);
      L.push('');
    }
    for (const q of ['q0', 'q5']) {
      if (f.has(`charts/planner-${q}/plan-crossover.png`)) {
        L.push(`![${q}: cost per hour against rate, every platform (${P})](charts/planner-${q}/plan-crossover.png)`);
        L.push('');
      }
      if (f.has(`charts/planner-${q}/plan-cost-latency.png`)) {
        L.push(`![${q}: cost against p99 of every configuration at 10,000 events/s, with the Pareto front (${P})](charts/planner-${q}/plan-cost-latency.png)`);
        L.push('');
      }
    }
  }
  // --- why
  const why: string[] = [];
  for (const q of ['q0', 'q5', 'q7', 'q11', 'q8']) {
    const lo = f.plan(q, 1000);
    const hi = f.plan(q, 1_000_000);
    const fkLo = best(lo, 'flock-lambda');
    const fkHi = best(hi, 'flock-lambda');
    const flLo = [best(lo, 'flink-ec2'), best(lo, 'kda')].filter((x) => !!x).sort((a, b) => a!.e.costPerHourUsd.value - b!.e.costPerHourUsd.value)[0];
    const flHi = [best(hi, 'flink-ec2'), best(hi, 'kda')].filter((x) => !!x).sort((a, b) => a!.e.costPerHourUsd.value - b!.e.costPerHourUsd.value)[0];
    const cal = f.calibration?.points.filter((p) => p.engine === 'flock' && p.workload === `nexmark/${q}` && p.computeUsPerEvent !== undefined) ?? [];
    const cu = cal.length ? cal.reduce((s, p) => s + p.computeUsPerEvent!, 0) / cal.length : undefined;
    if (!fkLo || !flLo) continue;
    why.push(
      `- **${q}**: at 1 K events/s Flink's cheapest (${TITLES[flLo.e.family]} ${flLo.e.label}) costs ${usd(engineCost(flLo.e))}/h for the engine however little it does — one instance or KPU is the floor — ` +
        `while Flock's functions cost ${usd(engineCost(fkLo.e))}/h (${fkLo.e.label}), paid per invocation` +
        (cu !== undefined ? `, from ${num(cu, 1)} vCPU-µs of billed compute per event (${M} on the local Lambda service, ${cal.length} run(s))` : '') +
        (fkHi && flHi ? `; at 1 M events/s the engines cost ${usd(engineCost(flHi.e))}/h (Flink, ${flHi.e.label}) and ${usd(engineCost(fkHi.e))}/h (Flock, ${fkHi.e.label})` : fkHi ? '' : '; at 1 M events/s no Flock configuration sustains the rate') +
        ` (${P}).`,
    );
  }
  if (why.length) {
    L.push('Why: Flink is a fixed cluster that is cheapest when busy; Flock pays per invocation, so its cost follows the rate from zero. Engines only (the Kinesis streams, equal for both, left out):');
    L.push('');
    L.push(...why);
    L.push('');
  }
  // --- the claims
  L.push('### The published claims');
  L.push('');
  const ratiosTotal = wins.filter((w) => w.maxRatio > 0);
  const engineRatios: { q: string; rate: number; ratio: number }[] = [];
  for (const q of detailQueries(f)) {
    for (const rate of DETAIL_RATES) {
      const p = f.plan(q, rate);
      const fk = best(p, 'flock-lambda');
      const fl = [best(p, 'flink-ec2'), best(p, 'kda')].filter((x) => x && x.feasible).sort((a, b) => a!.e.costPerHourUsd.value - b!.e.costPerHourUsd.value)[0];
      if (fk?.feasible && fl) engineRatios.push({ q, rate, ratio: engineCost(fl.e) / engineCost(fk.e) });
    }
  }
  const bestTotal = ratiosTotal.length ? ratiosTotal.reduce((a, b) => (b.maxRatio > a.maxRatio ? b : a)) : undefined;
  const bestEngine = engineRatios.length ? engineRatios.reduce((a, b) => (b.ratio > a.ratio ? b : a)) : undefined;
  const c = CLAIMS.flock;
  const inBand = (x: number) => x >= c.low;
  let flockVerdict: string;
  if (!bestTotal && !bestEngine) flockVerdict = 'cannot be checked in this run (no projection for both)';
  else {
    const tot = bestTotal ? `at most ${times(bestTotal.maxRatio, 1)} cheaper with the Kinesis streams counted (${bestTotal.q} at ${rateName(bestTotal.maxAt)}/s)` : '';
    const eng = bestEngine ? `at most ${times(bestEngine.ratio, 1)} counting the engines alone (${bestEngine.q} at ${rateName(bestEngine.rate)}/s)` : '';
    const confirmed = (bestTotal && inBand(bestTotal.maxRatio)) || (bestEngine && inBand(bestEngine.ratio));
    flockVerdict = `${confirmed ? '**confirms it in part**' : '**contradicts it**'}: Flock on Lambda is ${[tot, eng].filter(Boolean).join(', and ')} (${P})` +
      (confirmed
        ? `; ${c.low}× or more only at ${[
            ...ratiosTotal.filter((w) => inBand(w.maxRatio)).map((w) => `${w.q} at ${rateName(w.maxAt)}/s (total)`),
            ...engineRatios.filter((r) => inBand(r.ratio)).map((r) => `${r.q} at ${rateName(r.rate)}/s (engines only)`),
          ].join(', ')}, where Flink's smallest configuration is mostly idle`
        : `; nowhere between 1 K and 1 M events/s does it reach ${c.low}×`) +
      `. Where Flink is cheaper: ${ratiosTotal.filter((w) => w.minRatio < 1).map((w) => `${w.q} from ${rateName(w.flinkRates[0] ?? w.minAt)}/s (Flink ${times(1, w.minRatio)} cheaper at ${rateName(w.minAt)}/s)`).join('; ') || 'nowhere in the range'}.`;
  }
  const latRatios = latWins.map((w) => w.flock / w.flink);
  const latText = latRatios.length
    ? ` On latency (${M} here, same rates, same transport), Flock's p99 was ${times(Math.min(...latRatios), 1)} to ${times(Math.max(...latRatios), 1)} Flink's over ${latRatios.length} query × rate pairs` +
      `${latRatios.some((x) => x > 1.5) ? ', so "similar latency" holds only where the ratio is near 1' : ', similar indeed'}.`
    : '';
  L.push(`- ${PUB}: the Flock paper — Flock "${c.quote}" (${c.source}). This report ${flockVerdict}${latText}`);
  // Pfandzelter
  const pf = CLAIMS.pfandzelter;
  const stateless = wins.filter((w) => STATELESS.has(w.q));
  const stateful = wins.filter((w) => !STATELESS.has(w.q) && !w.refused);
  const refusedQs = wins.filter((w) => w.refused).map((w) => w.q);
  const statelessLow = stateless.filter((w) => w.flockRates.includes(DETAIL_RATES[0]!));
  const statelessHigh = stateless.filter((w) => w.flinkRates.includes(DETAIL_RATES[DETAIL_RATES.length - 1]!));
  const statefulFlock = stateful.filter((w) => w.flockRates.length > 0);
  const pfConfirms = statelessLow.length === stateless.length && statelessHigh.length === stateless.length && statefulFlock.length === 0;
  const pfText =
    stateless.length + stateful.length === 0
      ? 'cannot be checked in this run'
      : `${pfConfirms ? '**confirms it**' : statefulFlock.length ? '**contradicts it for stateful queries**' : '**confirms it in part**'}: ` +
        `stateless (${stateless.map((w) => w.q).join(', ') || '—'}): Flock is cheaper at ${rateName(DETAIL_RATES[0]!)}/s for ${statelessLow.length} of ${stateless.length} and Flink at ${rateName(DETAIL_RATES[DETAIL_RATES.length - 1]!)}/s for ${statelessHigh.length} of ${stateless.length}` +
        `${stateless[0]?.cross ? ` (crossover ~${int(stateless[0].cross)}/s)` : ''}; stateful (${stateful.map((w) => w.q).join(', ') || '—'}): Flock is cheaper somewhere for ${statefulFlock.length} of ${stateful.length}` +
        (statefulFlock.length ? ` (${statefulFlock.map((w) => `${w.q} up to ~${rateName(Math.max(...w.flockRates))}/s`).join('; ')})` : '') +
        ` (${P})${refusedQs.length ? `; ${refusedQs.join(', ')} Flock does not run at all (${M}: refused)` : ''}.` +
        (statefulFlock.length
          ? ` The difference is where the state lives: Pfandzelter's functions read and wrote an external store for every event, Flock's carry a window's events in their invocation payloads and keep nothing between windows, so a window costs compute once, not a state round trip per event.`
          : '');
  L.push(`- ${PUB}: Pfandzelter et al. find that ${pf.finding} (${pf.source}). This report ${pfText}`);
  L.push('');
  L.push(`Their figures, for scale (${PUB}, USD per hour on AWS; their state and database writes dominate, which ours do not have):`);
  L.push('');
  L.push(table(['use case', 'messages/s', 'Lambda', 'Flink on EKS', 'Lambda ÷ Flink'], pf.rows.map((r) => [r.uc, int(r.rate), usd(r.lambda), usd(r.flink), times(r.lambda, r.flink)])));
  L.push('');
  const q0 = wins.find((w) => w.q === 'q0');
  const q5 = wins.find((w) => w.q === 'q5');
  S.push(
    `**Flink or Flock?** ` +
      wins
        .map((w) => `${w.q}: ${w.refused ? 'Flink (Flock refuses it)' : w.flockRates.length && w.flinkRates.length ? (w.cross ? `Flock below ~${int(w.cross)}/s, Flink above` : `Flock at ${w.flockRates.map(rateName).join(', ')}`) : w.flockRates.length ? 'Flock everywhere' : 'Flink everywhere'}`)
        .join('; ') +
      ` (${P}, cheapest within the SLO, 1 K–1 M events/s)` +
      (latWins.length ? `; measured here, Flink had the lower p99 in ${latWins.filter((w) => w.winner === 'Flink').length} of ${latWins.length} pairs` : '') +
      `. The Flock paper's 10–20× ${bestTotal || bestEngine ? (flockVerdict.startsWith('**confirms') ? 'is reached only in part' : 'is not reached') : 'cannot be checked'}` +
      (bestEngine ? ` (at most ${times(bestEngine.ratio, 1)} engines-only)` : '') +
      `; Pfandzelter's "functions only for stateless work at low rates" ${pfConfirms ? 'holds' : statefulFlock.length ? 'does not hold for Flock\'s stateful queries' : 'holds in part'}. ` +
      `See [3](#3-flink-against-the-flock-architecture).`,
  );
  void q0;
  void q5;
  return { lines: L, summary: S };
}

function calibrationSection(f: Folder): string[] {
  const L: string[] = [];
  L.push('## The calibration: what the planner learnt from these runs');
  L.push('');
  const pts = f.calibration?.points ?? [];
  if (!pts.length) {
    L.push('No measured point was folded into the planner in this run; every projection above comes from the shipped profiles alone.');
    L.push('');
    return L;
  }
  L.push(
    `${code('plan --calibrate')} was given, of each configuration, its find-max Result or else its highest-rate passing run (a passing single run only bounds the sustainable rate from below, ` +
      `so the highest is the tightest bound). ${pts.length} measured points (${code('planner/calibration.json')}):`,
  );
  L.push('');
  L.push(
    table(
      ['run', 'workload', 'engine on', 'sustained / at least, events/s', 'p99', 'compute per event', 'Result'],
      pts.map((p) => [
        p.runId.slice(0, 15) + '…',
        p.workload,
        `${p.backend}/${p.target}`,
        p.sustainedRate !== undefined ? int(p.sustainedRate) : p.lowerBoundRate !== undefined ? `≥ ${int(p.lowerBoundRate)}` : '—',
        ms(p.latencyP99Ms),
        p.computeUsPerEvent !== undefined ? `${num(p.computeUsPerEvent, 1)} vCPU-µs` : '—',
        p.file ? `[file](results/${basename(p.file)})` : '—',
      ]),
    ),
  );
  L.push('');
  const skipped = f.calibrate?.calibration.skipped ?? [];
  if (skipped.length) {
    L.push(`Not folded in: ${skipped.join('; ')}.`);
    L.push('');
  }
  // The contrast: what calibration changed.
  const rows: string[][] = [];
  for (const q of ['q0', 'q5']) {
    const cal = f.rates(q);
    const shp = f.rates(q, true);
    if (!cal || !shp) continue;
    for (const rate of DETAIL_RATES) {
      const a = cal.points.find((p) => p.rate === rate);
      const b = shp.points.find((p) => p.rate === rate);
      if (!a || !b) continue;
      const c2 = (pt: typeof a, pl: string) => (pt.cheapest[pl] ? `${usd(pt.cheapest[pl]!.perHourUsd)} ${pt.cheapest[pl]!.label}` : 'none');
      rows.push([q, int(rate), c2(b, 'flink-ec2'), c2(a, 'flink-ec2'), c2(b, 'flock-lambda'), c2(a, 'flock-lambda'), `${b.winner ? TITLES[b.winner] : 'none'} → ${a.winner ? TITLES[a.winner] : 'none'}`]);
    }
  }
  if (rows.length) {
    L.push(
      `What the calibration changed (${P} both ways; "shipped" = the profiles that ship with streamscore alone — nexmark/nexmark's published Flink throughput and a local Flock measurement — ` +
        `files ${code('planner/rates-q0-shipped.json.gz')} and ${code('planner/rates-q5-shipped.json.gz')}). Local Flink runs calibrate the AWS Flink projections, because they are the same engine:`,
    );
    L.push('');
    L.push(table(['query', 'rate/s', 'Flink on EC2, shipped', 'Flink on EC2, calibrated', 'Flock, shipped', 'Flock, calibrated', 'cheapest platform'], rows));
    L.push('');
  }
  return L;
}

function checkSection(f: Folder): string[] {
  const L: string[] = [];
  L.push("## The model's error (`plan --check`)");
  L.push('');
  const c = f.check?.check;
  if (!c || !c.rows.length) {
    L.push('`plan --check` produced no rows in this run.');
    L.push('');
    return L;
  }
  const pct = (x?: number) => (x === undefined ? '—' : `${x >= 0 ? '+' : ''}${num(x, 0)}%`);
  L.push(
    `Each measured run's own configuration projected without that run (leave-one-out), against what was ${M} (${code('planner/check.json.gz')}); error = (projected − measured) ÷ measured. ` +
      `A rate in parentheses compares with a lower bound (a single passing run), so only a negative error there is a real error.`,
  );
  L.push('');
  L.push(
    table(
      ['run', 'workload', 'on', 'config', 'measured rate', 'projected', 'error', 'measured p99', 'projected', 'error'],
      c.rows.map((r) => [
        r.file ? `[${r.runId.slice(0, 15)}…](results/${basename(r.file)})` : r.runId,
        r.workload,
        TITLES[r.family] ?? r.family,
        r.label,
        r.measuredRate !== undefined ? `${r.measuredRateIsLowerBound ? '≥ ' : ''}${int(r.measuredRate)}` : '—',
        r.projectedRate !== undefined ? int(r.projectedRate) : '—',
        r.measuredRateIsLowerBound ? `(${pct(r.rateErrorPct)})` : pct(r.rateErrorPct),
        ms(r.measuredP99Ms),
        r.projectedP99Ms !== undefined ? ms(r.projectedP99Ms) : '—',
        pct(r.latencyErrorPct),
      ]),
    ),
  );
  L.push('');
  const byFam = new Map<string, number[]>();
  for (const r of c.rows) if (r.latencyErrorPct !== undefined) byFam.set(r.family, [...(byFam.get(r.family) ?? []), Math.abs(r.latencyErrorPct)]);
  L.push(
    `Mean |error| (${P} against ${M}): sustainable rate ${c.meanAbsRateErrorPct !== undefined ? `${num(c.meanAbsRateErrorPct, 0)}%` : '— (no find-max run had a projection)'}, ` +
      `p99 ${c.meanAbsLatencyErrorPct !== undefined ? `${num(c.meanAbsLatencyErrorPct, 0)}%` : '—'}` +
      (byFam.size ? ` (p99 by family: ${[...byFam.entries()].map(([fm, xs]) => `${TITLES[fm] ?? fm} ${num(xs.reduce((s, x) => s + x, 0) / xs.length, 0)}% over ${xs.length}`).join(', ')})` : '') +
      '. The notes of each row (what its projection was made from) are in the JSON.',
  );
  L.push('');
  return L;
}

function threatsSection(f: Folder): string[] {
  const L: string[] = [];
  L.push('## Threats to validity');
  L.push('');
  const m = f.machine;
  const env = f.results[0]?.r.environment;
  const flock = f.results.filter((l) => l.r.config.backend === 'flock').map((l) => lambdaBill(l.r)).filter((b): b is NonNullable<typeof b> => !!b);
  const initShare = flock.length ? flock.reduce((s, b) => s + b.initMs, 0) / Math.max(1, flock.reduce((s, b) => s + b.billedMs, 0)) : undefined;
  const durations = [...new Set(f.results.map((l) => l.r.config.load.durationS))].sort((a, b) => a - b);
  const flinkLower = (f.calibration?.points ?? []).filter((p) => p.engine === 'flink' && p.sustainedRate === undefined && p.lowerBoundRate !== undefined);
  L.push(
    `- **A small, shared machine.** ${env?.cpus ?? m?.cpus ?? '?'} CPUs (${env?.cpuModel ?? m?.cpuModel ?? ''}) for the harness, the engine, kinesalite and — for Flock — every function environment at once, ` +
      `with a load average of ${m ? m.loadavg[0]!.toFixed(2) : '?'} at the start (${code('machine.json')}) from other engineers' tests. Latencies and sustainable rates here are lower bounds of what the engines do on a quiet machine, and noisy: each cell ran once.`,
  );
  L.push(
    `- **Short runs.** ${durations.join(' or ')} s measured per run. Cold starts weigh more than they would in an hour${initShare !== undefined ? `: init was ${num(initShare * 100, 0)}% of Flock's billed milliseconds over its runs (${M})` : ''}, which inflates Flock's compute per event and therefore every Flock projection.`,
  );
  const fewest = QUERY_ORDER.map((q) => {
    const counts = f.results.filter((l) => qOf(l.r.config.workload) === q && l.r.summary.latency.count > 0).map((l) => l.r.summary.latency.count);
    return counts.length ? { q, min: Math.min(...counts), max: Math.max(...counts) } : undefined;
  }).filter((x): x is { q: string; min: number; max: number } => !!x && x.min < 1000);
  if (fewest.length) {
    L.push(
      `- **Few answers.** Windowed queries answer once per window (and key), joins only on a match, so a run's p99 can rest on few records: ${fewest.map((x) => `${x.q} ${int(x.min)}–${int(x.max)}`).join(', ')} output records per run (${M}). ` +
        `With fewer than 100 records a "p99" is the run's maximum; read those latencies as the window's delay, not as a tail.`,
    );
  }
  L.push(`- **kinesalite, not Kinesis.** No shard limits, no throttling, no network: the transport's latency here is a local process's, and its polling interval is the same for Flink and Flock.`);
  L.push(
    `- **A local Lambda service, not Lambda.** Each function environment is a Node process with a whole core of this machine, not ${'memory ÷ 1,769 MB'} of a vCPU; durations are this machine's; there is no network hop and no cold-start penalty of AWS's. The bill is AWS's price list applied to these durations.`,
  );
  L.push(
    `- **The planner's assumptions** (docs/planner.md): linear scaling with η = 0.9 where not measured, 80% headroom on published figures, Kinesis sized by shards for every platform alike, latency constant below saturation, Lambda's vCPU share growing with memory. ` +
      (flinkLower.length ? `The Flink calibration here comes from single runs that passed (${flinkLower.map((p) => `${qOf(p.workload)} ≥ ${int(p.lowerBoundRate!)}/s`).join(', ')}), lower bounds on one core of a loaded machine, so calibrated Flink projections are pessimistic; the shipped-profile contrast above shows by how much.` : ''),
  );
  L.push('- **No AWS run.** Every AWS figure is projected. The measured runs check the engines and calibrate the model; `plan --check` above is the model checked against this machine only.');
  L.push('');
  return L;
}

function failuresSection(f: Folder): string[] {
  const L: string[] = [];
  L.push('## Failures in this run');
  L.push('');
  if (!f.failures.length) {
    L.push(`None: every step of the script succeeded (${code('failures.jsonl')} is empty). Cells a backend refused are listed under [what was measured](#what-was-measured-on-this-machine).`);
  } else {
    L.push(`Steps that failed (${code('failures.jsonl')}); the report is made from what was measured:`);
    L.push('');
    for (const x of f.failures) L.push(`- **${x.step}** (exit ${x.exitCode}): ${x.message ? code(x.message.replace(/`/g, "'").replace(/\s+/g, ' ').slice(0, 400)) : 'no message'}`);
  }
  L.push('');
  return L;
}

function filesSection(): string[] {
  return [
    '## Files',
    '',
    '- `results/*.json` — every measured Result (HDR histograms inside; `streamscore report results/*.json --out DIR` redraws every chart).',
    '- `compare/*.json` — what each compare file produced and skipped; `compare/flink-session.json` — the Flink session cluster.',
    '- `planner/*.json.gz` — the planner\'s JSON output (`plan … --json`), gzipped; `planner/calibration.json` — the measured points it used.',
    '- `charts/measured-*.png` — from `streamscore report`; `charts/planner-*/` — from `streamscore plan --chart`.',
    '- `machine.json` — the machine and its load average at the start; `failures.jsonl` — steps that failed.',
    '',
  ];
}

function writeReadme(out: string, measuredS: number, elapsedS: number): void {
  const f = new Folder(out);
  const one = q1Section(f);
  const two = q2Section(f);
  const three = q3Section(f);
  const L: string[] = [
    ...header(f, measuredS, elapsedS),
    '## The answers',
    '',
    ...[...one.summary, ...two.summary, ...three.summary].map((s) => `- ${s}`),
    '',
    ...measuredSection(f),
    ...one.lines,
    ...two.lines,
    ...three.lines,
    ...calibrationSection(f),
    ...checkSection(f),
    ...threatsSection(f),
    ...failuresSection(f),
    ...filesSection(),
  ];
  writeFileSync(join(out, 'README.md'), L.join('\n').replace(/\n{3,}/g, '\n\n'));
  process.stderr.write(`wrote ${join(out, 'README.md')}\n`);
}

// ---------------------------------------------------------------------------------------------
// Entry

const argv = process.argv.slice(2);
const arg = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

if (arg('--calibration-set')) {
  const set = calibrationSet(loadResults(arg('--calibration-set')!));
  if (!set.length) {
    process.stderr.write(`no Result in ${arg('--calibration-set')} to calibrate the planner with\n`);
    process.exit(1);
  }
  for (const l of set) console.log(l.file);
} else if (arg('--report-groups')) {
  const groups = new Map<string, string[]>();
  for (const l of loadResults(arg('--report-groups')!)) groups.set(qOf(l.r.config.workload), [...(groups.get(qOf(l.r.config.workload)) ?? []), l.file]);
  for (const [g, files] of groups) console.log(`${g} ${files.join(' ')}`);
} else if (arg('--out')) {
  writeReadme(arg('--out')!, Number(arg('--measured-seconds') ?? NaN), Number(arg('--elapsed-seconds') ?? NaN));
} else {
  process.stderr.write('usage: npx tsx bench/comparison.ts --out DIR | --calibration-set DIR | --report-groups DIR\n');
  process.exit(2);
}

