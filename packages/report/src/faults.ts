import type { TopLevelSpec } from 'vega-lite';
import type { FaultRecord, Result } from '@streamscore/core';
import type { Block } from './doc.js';
import type { ChartSpec, LabelledResult } from './charts.js';
import { latencyOverTime } from './data.js';
import { formatMs } from './format.js';

/**
 * The faults section of a report: per platform and query, what was injected and how the run came
 * back (Result.faults[].recovery, packages/harness/src/recovery.ts), and a timeline of latency
 * with each fault marked. Only drawn when a run had faults.
 */

export const FAULTS_HEAD = [
  'run',
  'platform',
  'query',
  'guarantee',
  'fault',
  'fired (s)',
  'detected (s)',
  'output back (s)',
  'lag back (s)',
  'recovery (s)',
  'peak p99 (ms)',
  'lost',
  'duplicated',
  'delivery observed',
] as const;
const FAULTS_NUMERIC = [false, false, false, false, false, true, true, true, true, true, true, true, true, false];

/** What the run promised: Flink's checkpointing knob, or the platform's own (none given). */
export function guaranteeText(r: Result): string {
  const k = r.config.knobs;
  if (k['checkpointing'] !== undefined) {
    const c = String(k['checkpointing']);
    return c === 'none' ? 'no checkpoints' : `${c}, checkpoints every ${String(k['checkpoint-interval-s'] ?? 10)} s`;
  }
  return '—';
}

export function faultText(f: FaultRecord): string {
  const opts = Object.entries(f.options).map(([k, v]) => `${k}=${String(v)}`);
  if (f.forS !== undefined) opts.push(`for=${f.forS}s`);
  return `${f.kind}@${f.atS}s${opts.length ? `:${opts.join(',')}` : ''}`;
}

const secs = (x: number | null | undefined) => (x === null || x === undefined ? '—' : x.toFixed(1));

/** One row per fault of every run, cells in FAULTS_HEAD order. */
export function faultRows(runs: readonly LabelledResult[]): string[][] {
  const rows: string[][] = [];
  for (const { label, result: r } of runs) {
    for (const f of r.faults ?? []) {
      const rec = f.recovery;
      const delivery = r.verdict.delivery ?? (r.verdict.status === 'pass' ? 'exactly-once' : 'not told');
      rows.push([
        label,
        `${r.config.backend} (${r.config.target})`,
        r.config.workload,
        guaranteeText(r),
        f.error ? `${faultText(f)} — failed: ${f.error}` : faultText(f),
        f.firedAtS === null ? 'not fired' : f.firedAtS.toFixed(1),
        secs(rec?.detectionS),
        secs(rec?.outputResumedS),
        // An upper bound (a stale gauge hid when the lag came back) reads as one.
        rec?.lagRecoveredAtLatest ? `≤ ${secs(rec.lagRecoveredS)}` : secs(rec?.lagRecoveredS),
        rec ? (rec.recoveredS === null ? 'not recovered' : `${rec.lagRecoveredAtLatest && rec.recoveredS === rec.lagRecoveredS ? '≤ ' : ''}${rec.recoveredS.toFixed(1)}`) : '—',
        rec ? formatMs(rec.latencyPeakP99Us) : '—',
        rec ? String(rec.lost) : '—',
        rec ? String(rec.duplicated) : '—',
        delivery,
      ]);
    }
  }
  return rows;
}

/** Latency over time with every fault marked where it fired. */
export function faultTimelineChart(runs: readonly LabelledResult[]): ChartSpec | undefined {
  const withFaults = runs.filter((r) => r.result.faults?.some((f) => f.firedAtS !== null));
  if (withFaults.length === 0) return undefined;
  const series = withFaults.flatMap((r) => latencyOverTime(r.label, r.result).filter((p) => p.stat === 'p99'));
  const marks = withFaults.flatMap((r) =>
    (r.result.faults ?? []).filter((f) => f.firedAtS !== null).map((f) => ({ run: r.label, t: f.firedAtS!, fault: f.kind })),
  );
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Faults: latency around each fault', subtitle: 'p99 of each interval (log scale); a vertical rule where a fault fired' },
    width: 620,
    height: 420,
    autosize: { type: 'fit', contains: 'padding' },
    layer: [
      {
        name: 'p99',
        data: { values: series },
        mark: { type: 'line', strokeWidth: 1.5, point: { size: 12 } },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time since start of load (s)' },
          y: { field: 'ms', type: 'quantitative', title: 'p99 latency (ms)', scale: { type: 'log', nice: false } },
          color: { field: 'run', type: 'nominal', legend: { orient: 'bottom', columns: 1, labelLimit: 600 } },
        },
      },
      {
        name: 'faults',
        data: { values: marks },
        mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
        encoding: { x: { field: 't', type: 'quantitative' }, color: { field: 'run', type: 'nominal' } },
      },
      {
        name: 'fault_labels',
        data: { values: marks },
        mark: { type: 'text', angle: 270, align: 'right', baseline: 'bottom', dy: -2, fontSize: 10 },
        encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 4 }, text: { field: 'fault' }, color: { field: 'run', type: 'nominal' } },
      },
    ],
    config: { font: 'DejaVu Sans' },
  };
  return {
    id: 'fault-timeline',
    title: 'Faults: latency around each fault',
    caption:
      'The p99 of each interval, with a dashed rule where each fault fired. An interval with no answers leaves a gap; ' +
      'the time from the rule until the line is back at its earlier level is the recovery the table gives.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['p99', 'faults'],
  };
}

/** The section's blocks: a table and how to read it (the chart is drawn with the others). */
export function faultBlocks(runs: readonly LabelledResult[]): Block[] {
  const rows = faultRows(runs);
  if (rows.length === 0) return [];
  return [
    { kind: 'heading', level: 2, text: 'Faults', id: 'faults' },
    {
      kind: 'paragraph',
      text:
        'Each fault, the instant it fired, and the recovery measured from the run’s intervals (seconds after the fault): detected — the first interval ' +
        'whose answers stalled (or whose input lag rose, for answers that come in bursts); output back — answers again; lag back — the engine’s input lag at its ' +
        'pre-fault level; recovery — the latest of those and of the p99 being back within 1.2 × its pre-fault level. Lost and duplicated records are the ' +
        'verdict’s, for the whole run. Definitions: docs/faults.md.',
    },
    { kind: 'table', head: [...FAULTS_HEAD], rows, numeric: FAULTS_NUMERIC, className: 'faults' },
  ];
}
