import type { TopLevelSpec } from 'vega-lite';
import type { FaultRecord, Result } from '@streamscore/core';
import type { Block } from './doc.js';
import { baseConfig, colorScale, type ChartSpec, type LabelledResult } from './charts.js';
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

/** A fault rule's label: the kinds of every fault that fired at (about) one instant on one platform. */
export interface FaultLabel {
  platform: string;
  t: number;
  /** The kinds that fired there, once each in the order they fired: one line of the label each. */
  text: string[];
  /** Which side of its rule the label is drawn, so one near the right edge stays inside the plot. */
  side: 'right' | 'left';
}

/** Where runs are drawn apart in the timeline: one panel per backend and target. */
export function platformOf(r: Result): string {
  return `${r.config.backend} (${r.config.target})`;
}

/**
 * Labels for the fault rules of each panel: rules closer than `tolerance` seconds would draw their
 * labels on top of each other, so they share one label at the earliest of their instants, naming
 * each kind once, in the order they fired, one per line (lines of a vertical label stand side by
 * side, so the label stays as short as its longest kind).
 */
export function mergeFaultLabels(marks: readonly { platform: string; t: number; fault: string }[], tolerance: number, span: number): FaultLabel[] {
  const out: FaultLabel[] = [];
  const platforms = [...new Set(marks.map((m) => m.platform))];
  for (const platform of platforms) {
    const sorted = marks.filter((m) => m.platform === platform).sort((a, b) => a.t - b.t);
    let group: { t: number; last: number; kinds: string[] } | undefined;
    const flush = () => {
      if (group) out.push({ platform, t: group.t, text: group.kinds, side: group.t > span * 0.8 ? 'left' : 'right' });
    };
    for (const m of sorted) {
      // Chained: a rule within the tolerance of the group's last rule joins it.
      if (group && m.t - group.last <= tolerance) {
        if (!group.kinds.includes(m.fault)) group.kinds.push(m.fault);
        group.last = m.t;
        continue;
      }
      flush();
      group = { t: m.t, last: m.t, kinds: [m.fault] };
    }
    flush();
  }
  return out;
}

/** The timeline's plot: as wide as the other charts' plots; each platform's panel this tall. */
const PLOT_WIDTH = 520;
const PANEL_HEIGHT = { one: 300, each: 210 } as const;

/**
 * Latency over time with every fault marked where it fired: one panel per platform (its own log
 * y scale, a shared time axis), each run in the colour it has in every other chart, and one
 * label per instant at which faults fired. The chart grows with its legend instead of squeezing
 * the plot: its width is fixed, its height is the panels plus the legend.
 */
export function faultTimelineChart(runs: readonly LabelledResult[]): ChartSpec | undefined {
  const withFaults = runs.filter((r) => r.result.faults?.some((f) => f.firedAtS !== null));
  if (withFaults.length === 0) return undefined;
  const series = withFaults.flatMap((r) =>
    latencyOverTime(r.label, r.result)
      .filter((p) => p.stat === 'p99')
      .map((p) => ({ layer: 'p99', platform: platformOf(r.result), run: p.run, t: p.t, ms: p.ms })),
  );
  const marks = withFaults.flatMap((r) =>
    (r.result.faults ?? [])
      .filter((f) => f.firedAtS !== null)
      .map((f) => ({ layer: 'fault', platform: platformOf(r.result), run: r.label, t: f.firedAtS!, fault: f.kind })),
  );
  const span = Math.max(1, ...series.map((p) => p.t), ...marks.map((m) => m.t));
  // A vertical 10 px label is ~13 px wide: closer rules than that, in a plot PLOT_WIDTH wide, share one.
  const labels = mergeFaultLabels(marks, (span * 16) / PLOT_WIDTH, span).map((l) => ({ layer: 'label', ...l }));
  const platforms = [...new Set(withFaults.map((r) => platformOf(r.result)))];
  const present = withFaults.map((r) => r.label);
  const twoColumns = present.length > 6;
  const only = (layer: string) => [{ filter: { field: 'layer', equal: layer } }];
  const x = { field: 't', type: 'quantitative', title: 'time since start of load (s)', scale: { domain: [0, span], nice: false } };
  const labelLayer = (name: string, side: 'right' | 'left', halo: boolean) => ({
    name,
    transform: [...only('label'), { filter: { field: 'side', equal: side } }],
    mark: {
      type: 'text',
      angle: 270,
      align: 'right',
      // Rotated a quarter turn, the text's top is to the right of its rule.
      baseline: side === 'right' ? 'top' : 'bottom',
      dy: side === 'right' ? 3 : -3,
      fontSize: 10,
      color: '#333',
      ...(halo ? { stroke: 'white', strokeWidth: 3, strokeOpacity: 0.85, strokeJoin: 'round' } : {}),
    },
    encoding: { x: { field: 't', type: 'quantitative' }, y: { value: 4 }, text: { field: 'text' } },
  });
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Faults: latency around each fault', subtitle: 'p99 of each interval, log scale; a dashed rule where a fault fired' },
    data: { values: [...series, ...marks, ...labels] },
    autosize: { type: 'pad' },
    // A wrapped facet in one column: each platform's name above its panel, one time axis below all.
    facet: {
      field: 'platform',
      type: 'nominal',
      title: null,
      sort: platforms,
      header: { labelAnchor: 'start', labelFontSize: 12, labelFontWeight: 'bold', labelPadding: 4 },
    },
    columns: 1,
    spacing: 16,
    spec: {
      width: PLOT_WIDTH,
      height: platforms.length === 1 ? PANEL_HEIGHT.one : PANEL_HEIGHT.each,
      layer: [
        {
          name: 'p99',
          transform: only('p99'),
          mark: { type: 'line', strokeWidth: 1.5, point: { size: 12 } },
          encoding: {
            x,
            y: { field: 'ms', type: 'quantitative', title: 'p99 latency (ms)', scale: { type: 'log', nice: false } },
            color: {
              field: 'run',
              type: 'nominal',
              scale: colorScale(runs.map((r) => r.label)),
              legend: { title: 'run', orient: 'bottom', direction: 'vertical', columns: twoColumns ? 2 : 1, columnPadding: 16, labelLimit: twoColumns ? PLOT_WIDTH / 2 - 30 : PLOT_WIDTH, values: present },
            },
          },
        },
        {
          name: 'faults',
          transform: only('fault'),
          mark: { type: 'rule', strokeDash: [4, 3], strokeWidth: 1.5 },
          encoding: { x: { field: 't', type: 'quantitative' }, color: { field: 'run', type: 'nominal' } },
        },
        labelLayer('fault_label_halos', 'right', true),
        labelLayer('fault_labels', 'right', false),
        labelLayer('fault_label_halos_left', 'left', true),
        labelLayer('fault_labels_left', 'left', false),
      ],
    },
    resolve: { scale: { y: 'independent' } },
    config: baseConfig,
  };
  return {
    id: 'fault-timeline',
    title: 'Faults: latency around each fault',
    caption:
      'The p99 of each interval, one panel per platform, with a dashed rule where each fault fired (the label names the faults that fired there). ' +
      'An interval with no answers leaves a gap; the time from the rule until the line is back at its earlier level is the recovery the table gives.',
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
