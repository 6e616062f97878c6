import type { Block, Inline, Text } from './doc.js';
import type { RenderedChart, SkippedChart } from './charts.js';
import { MIN_ANSWERS_FOR_P99, semanticsLine, type Result } from '@streamscore/core';
import { formatDurationMs, formatMs, formatRate, formatUsd, tailLatencyText } from './format.js';
import { readTrials, sustainedRate } from './trials.js';
import { pricedCost } from './data.js';
import { faultBlocks } from './faults.js';

/** What the report says, as blocks (see doc.ts); the Markdown and HTML renderers share it. */

export const SUMMARY_HEAD = [
  'backend',
  'configuration',
  'workload',
  'target rate (ev/s)',
  'achieved / sustained (ev/s)',
  'p50 (ms)',
  'p99 (ms), of N answers',
  'p99.9 (ms)',
  'cost per hour',
  'cost per M events',
  'verdict',
] as const;
const SUMMARY_NUMERIC = [false, false, false, true, true, true, true, true, true, true, false];

export function configurationText(r: Result): string {
  const knobs = Object.entries(r.config.knobs)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
  return knobs ? `${r.config.target} · ${knobs}` : r.config.target;
}

/** The verdict as a reader must see it: only `pass` reads as success; every other state says what it is. */
export function verdictText(r: Result): string {
  const v = r.verdict;
  let s: string = v.status;
  if (v.status === 'fail') {
    const parts = [v.missing ? `${v.missing} missing` : '', v.unexpected ? `${v.unexpected} unexpected` : ''].filter(Boolean);
    s = `FAIL${parts.length ? ` (${parts.join(', ')})` : v.notes[0] ? ` (${v.notes[0]})` : ''}`;
  } else if (v.status === 'unchecked') s = `UNCHECKED${v.notes[0] ? ` (${v.notes[0]})` : ''}`;
  else if (v.status === 'vacuous') s = 'VACUOUS (nothing was due)';
  else if (v.status === 'incomplete') s = 'INCOMPLETE';
  return r.complete || v.status === 'incomplete' ? s : `${s} · incomplete`;
}

export function rateText(r: Result): string {
  const s = sustainedRate(r);
  const achieved = formatRate(r.summary.achievedRate);
  return s.source === 'find-max' ? `${achieved} / ${formatRate(s.rate)} (find-max)` : achieved;
}

/** One row of the summary table, cells in SUMMARY_HEAD order. */
export function summaryRow(r: Result): string[] {
  const l = r.summary.latency;
  const noOutput = l.count === 0;
  return [
    r.config.backend,
    configurationText(r),
    r.config.workload,
    formatRate(r.summary.targetRate),
    rateText(r),
    noOutput ? '—' : formatMs(l.p50),
    noOutput ? '—' : tailLatencyText(l, formatMs),
    noOutput || l.count < 1000 ? '—' : formatMs(l.p999),
    formatUsd(pricedCost(r)?.perHourUsd),
    formatUsd(pricedCost(r)?.perMillionEventsUsd),
    verdictText(r),
  ];
}

function li(label: string, ...rest: Inline[]): Inline[] {
  return [{ strong: `${label}:` }, ' ', ...rest];
}

function kv(o: Record<string, unknown>): string {
  const e = Object.entries(o);
  return e.length ? e.map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join(', ') : '—';
}

function shapeText(r: Result): string {
  const s = r.config.load.shape;
  const kind = typeof s['kind'] === 'string' ? s['kind'] : 'shape';
  const rest = Object.fromEntries(Object.entries(s).filter(([k]) => k !== 'kind'));
  return Object.keys(rest).length ? `${kind} (${kv(rest)})` : kind;
}

function latencyLine(p: Result['summary']['latency'], what = 'answers'): string {
  if (p.count === 0) return `no ${what}`;
  if (p.count < MIN_ANSWERS_FOR_P99) return `max ${formatMs(p.max)} of ${p.count.toLocaleString('en-US')} ${what} (too few for a p99), p50 ${formatMs(p.p50)}, mean ${formatMs(p.mean)}`;
  return `p50 ${formatMs(p.p50)}, p90 ${formatMs(p.p90)}, p99 ${formatMs(p.p99)}, p99.9 ${formatMs(p.p999)}, max ${formatMs(p.max)}, mean ${formatMs(p.mean)} (${p.count.toLocaleString('en-US')} ${what})`;
}

/** The per-run section: everything needed to judge one run, after the comparison above. */
/**
 * The CPU split of a run: seconds used by the harness (driver and collector), the transport's
 * local stand-in and the system under test, and the highest load average seen. A part not
 * measured (in the harness process, or remote) says so rather than showing 0.
 */
export function cpuText(r: Result): string {
  const c = r.summary.cpu;
  if (!c) return 'not measured';
  const s = (v: number | undefined, what: string) => (v === undefined ? `${what} not measured apart` : `${what} ${v.toFixed(2)}`);
  const load = Math.max(...r.intervals.map((i) => i.cpu?.load1 ?? 0));
  return `${s(c.harnessS, 'harness')}, ${s(c.transportS, 'transport')}, ${s(c.sutS, 'system under test')}; highest 1-minute load average ${load.toFixed(1)} on ${r.environment.cpus} CPUs`;
}

export function runDetails(label: string, index: number, r: Result): Block[] {
  const c = r.config;
  const l = c.load;
  const env = r.environment;
  const v = r.verdict;
  const blocks: Block[] = [{ kind: 'heading', level: 3, text: `${index + 1}. ${label}`, id: `run-${index + 1}` }];
  const items: Text[] = [
    li('Run id', { code: r.runId }),
    li('Status', r.complete ? 'complete' : `incomplete${r.incompleteReason ? `: ${r.incompleteReason}` : ''}`),
    li('Time', `${r.startedAt} → ${r.endedAt}`),
    li('Backend', `${c.backend}, target ${c.target}, transport ${c.transport}; knobs: ${kv(c.knobs)}`),
    li('Workload', `${c.workload}; parameters: ${kv(c.params)}`),
    li(
      'Load',
      `${shapeText(r)}, peak ${formatRate(l.rate)} ev/s; warm-up ${l.warmupS} s, measured ${l.durationS} s` +
        (l.postMeasureS !== undefined ? `, then ${l.postMeasureS} s more at the target rate (answers due in the measured phase are scored)` : `, drain ${l.drainS} s`) +
        `, interval ${l.intervalS} s` +
        (c.latencySloMs !== undefined ? `; latency SLO ${c.latencySloMs} ms` : ''),
    ),
    li('Environment', `${env.os} ${env.arch}, ${env.cpus} × ${env.cpuModel}, ${env.memoryGiB} GiB, Node.js ${env.node}`),
    li('Deployment', `${r.deployment.mode ?? 'default'} mode, provisioning ${formatDurationMs(r.deployment.provisioningMs)}`),
    li(
      'Throughput',
      `achieved ${formatRate(r.summary.achievedRate)} ev/s of ${formatRate(r.summary.targetRate)} targeted; ` +
        `${r.summary.eventsIn.toLocaleString('en-US')} events sent, ${r.summary.eventsOut.toLocaleString('en-US')} records received`,
    ),
    li('Latency (ms)', latencyLine(r.summary.latency, 'scored answers')),
    li('Send delay (ms)', latencyLine(r.summary.sendDelay, 'events')),
    ...(r.summary.cpu ? [li('CPU (s)', cpuText(r))] : []),
    li(
      'Verdict',
      `${verdictText(r)} by ${v.method}: ${v.matched.toLocaleString('en-US')} of ${v.expected.toLocaleString('en-US')} expected records matched, ` +
        `${v.missing} missing, ${v.unexpected} unexpected; ${v.covered} windows or keys covered`,
    ),
    ...(r.semantics ? [li('Semantics', semanticsLine(r.semantics))] : []),
  ];
  blocks.push({ kind: 'list', items });
  if (v.notes.length) {
    blocks.push({ kind: 'paragraph', text: { strong: 'Verdict notes' } });
    blocks.push({ kind: 'list', items: v.notes });
  }
  const samples = [...v.samples.missing.map((s) => `missing: ${JSON.stringify(s)}`), ...v.samples.unexpected.map((s) => `unexpected: ${JSON.stringify(s)}`)];
  if (samples.length) {
    blocks.push({ kind: 'paragraph', text: { strong: 'Sample differences' } });
    blocks.push({ kind: 'list', items: samples.slice(0, 10).map((s) => ({ code: s })) });
  }
  blocks.push({ kind: 'paragraph', text: { strong: 'Errors' } });
  blocks.push(r.errors.length ? { kind: 'list', items: r.errors } : { kind: 'paragraph', text: 'none' });

  blocks.push({ kind: 'paragraph', text: { strong: 'Resource ledger' } });
  if (r.ledger.length === 0) {
    blocks.push({ kind: 'paragraph', text: 'no cloud resources (nothing was created)' });
  } else {
    const outstanding = r.ledger.filter((e) => e.state === 'intended' || e.state === 'created').length;
    blocks.push({
      kind: 'paragraph',
      text: `${r.ledger.length} resource(s); ${outstanding === 0 ? 'all deleted or failed' : `${outstanding} not known to be deleted`}.`,
    });
    blocks.push({
      kind: 'table',
      head: ['resource', 'kind', 'size', 'count', 'region', 'state', 'lifetime'],
      numeric: [false, false, false, true, false, false, true],
      rows: r.ledger.map((e) => [
        e.id,
        e.kind,
        e.size ?? '—',
        String(e.count),
        e.region ?? '—',
        e.state,
        e.end !== undefined ? formatDurationMs(e.end - e.start) : 'open',
      ]),
    });
  }

  if (r.cost) {
    const pb = r.cost.priceBook;
    const priced = pricedCost(r);
    blocks.push({
      kind: 'paragraph',
      text: priced
        ? [
            { strong: 'Cost' },
            ` (price book ${pb.region}, ${pb.date}): ${formatUsd(priced.totalUsd)} in all, ${formatUsd(priced.perHourUsd)} per hour, ${formatUsd(priced.perMillionEventsUsd)} per million events`,
          ]
        : [{ strong: 'Cost' }, ': nothing billable (every resource of this run has a price of $0, e.g. it ran on this machine)'],
    });
    if (r.cost.lines.length) {
      blocks.push({
        kind: 'table',
        head: ['resource', 'kind', 'quantity', 'unit price', 'cost', 'billing rule'],
        numeric: [false, false, true, true, true, false],
        rows: r.cost.lines.map((x) => [x.resource, x.kind, `${Number(x.quantity.toPrecision(4))} ${x.unit}`, formatUsd(x.unitPriceUsd), formatUsd(x.costUsd), x.rule]),
      });
    }
  }

  if (r.transportBaseline) {
    const b = r.transportBaseline;
    blocks.push({
      kind: 'paragraph',
      text: [{ strong: 'Transport baseline' }, ' (pass-through run ', { code: b.runId }, ', same transport, no engine)'],
    });
    blocks.push({
      kind: 'table',
      head: ['', 'p50 (ms)', 'p90 (ms)', 'p99 (ms)', 'p99.9 (ms)', 'max (ms)'],
      numeric: [false, true, true, true, true, true],
      rows: [
        ['this run', ...[r.summary.latency.p50, r.summary.latency.p90, r.summary.latency.p99, r.summary.latency.p999, r.summary.latency.max].map(formatMs)],
        ['transport alone', ...[b.latency.p50, b.latency.p90, b.latency.p99, b.latency.p999, b.latency.max].map(formatMs)],
      ],
    });
  }

  const trials = readTrials(r);
  if (trials) {
    const s = sustainedRate(r);
    const f = r.findMax;
    const criteria = f
      ? ` with p99 under ${f.latencySloMs} ms and backlog growth under ${Number((f.backlogSlopeFraction * 100).toPrecision(3))}% of the rate per second`
      : '';
    blocks.push({
      kind: 'paragraph',
      text: [
        { strong: 'Find-max trials' },
        `: sustained ${formatRate(s.rate)} ev/s (the highest rate at which every trial passed${criteria}, its answer checked and passing)`,
        ...(f?.repeat
          ? [`; median of ${f.repeat.k} searches, which found ${f.repeat.rates.map(formatRate).join(', ')} ev/s (spread ${formatRate(f.repeat.min)}–${formatRate(f.repeat.max)})`]
          : []),
        ...(f?.eventsPerSutCpuSecond !== undefined ? [`; ${formatRate(f.eventsPerSutCpuSecond)} events per CPU-second of the system under test`] : []),
      ],
    });
    const reps = trials.some((t) => t.repetition !== undefined && t.repetition > 0);
    blocks.push({
      kind: 'table',
      head: ['rate (ev/s)', ...(reps ? ['repetition'] : []), 'passed', 'achieved (ev/s)', 'p99 (ms)', 'backlog slope (ev/s)', 'verdict', 'reason'],
      numeric: [true, ...(reps ? [true] : []), false, true, true, true, false, false],
      rows: trials.map((t) => [
        formatRate(t.rate),
        ...(reps ? [String((t.repetition ?? 0) + 1)] : []),
        t.passed ? 'yes' : 'no',
        t.achievedRate !== undefined ? formatRate(t.achievedRate) : '—',
        // A trial's p99 names the answers behind it; below 100 it is not a p99.
        t.scored === undefined ? formatMs(t.p99Us) : t.scored < MIN_ANSWERS_FOR_P99 ? `— (${t.scored} answers)` : `${formatMs(t.p99Us)} of ${formatRate(t.scored)}`,
        formatRate(t.backlogSlope),
        t.verdict ?? '—',
        t.reason,
      ]),
    });
  }
  return blocks;
}

export interface ReportContent {
  title: string;
  labels: string[];
  results: readonly Result[];
  charts: readonly (RenderedChart & { pngPath: string })[];
  skipped: readonly SkippedChart[];
  generatedAt: string;
}

export function reportBlocks(c: ReportContent): Block[] {
  const blocks: Block[] = [
    { kind: 'heading', level: 1, text: c.title },
    {
      kind: 'paragraph',
      text: `${c.results.length} run(s), made from Result files alone on ${c.generatedAt}. Latency is from when an output record became due to when the harness saw it, in milliseconds; rates are events per second.`,
    },
    { kind: 'heading', level: 2, text: 'Summary', id: 'summary' },
    { kind: 'table', head: [...SUMMARY_HEAD], rows: c.results.map(summaryRow), numeric: SUMMARY_NUMERIC, className: 'summary' },
    { kind: 'heading', level: 2, text: 'Charts', id: 'charts' },
  ];
  for (const ch of c.charts) {
    blocks.push({ kind: 'chart', id: ch.id, title: ch.title, caption: ch.caption, pngPath: ch.pngPath, svg: ch.svg });
  }
  for (const s of c.skipped) {
    blocks.push({ kind: 'note', text: [{ strong: `${s.title}:` }, ` not drawn — ${s.reason}.`] });
  }
  blocks.push(...faultBlocks(c.results.map((result, i) => ({ label: c.labels[i]!, result }))));
  blocks.push({ kind: 'heading', level: 2, text: 'Runs', id: 'runs' });
  c.results.forEach((r, i) => blocks.push(...runDetails(c.labels[i]!, i, r)));
  return blocks;
}
