import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { Resvg } from '@resvg/resvg-js';
import type { Result } from '@streamscore/core';
import {
  costPoints,
  latencyOverTime,
  percentileCurve,
  THROUGHPUT_SERIES,
  throughputOverTime,
  type CostPoint,
} from './data.js';
import { formatPercentile } from './format.js';
import { faultTimelineChart } from './faults.js';

/**
 * The report's charts: Vega-Lite specs compiled with vega-lite, rendered to SVG by vega's
 * headless View (no canvas, no browser), and to PNG by resvg. Every chart colours a run the same
 * way, so a run can be followed from one chart to the next.
 */

export type ChartId = 'latency-percentiles' | 'latency-over-time' | 'throughput-over-time' | 'cost-vs-throughput' | 'fault-timeline';

export interface LabelledResult {
  label: string;
  result: Result;
}

export interface ChartSpec {
  id: ChartId;
  title: string;
  /** How to read it, one or two sentences (shown under the chart). */
  caption: string;
  spec: TopLevelSpec;
  /** Names of the Vega-Lite layers that draw data (their marks are `g.role-mark.<name>_marks`). */
  dataLayers: string[];
}

export interface SkippedChart {
  id: ChartId;
  title: string;
  reason: string;
}

export interface RenderedChart extends ChartSpec {
  svg: string;
  png: Buffer;
}

/** The font every chart asks for; resvg is told to use it (the base image has DejaVu). */
export const CHART_FONT = 'DejaVu Sans';
/**
 * Every chart is this wide, axes and legends included, so they line up side by side; its plot is
 * this tall, and the chart as tall as that plus its title, axis and legend. (Fitting the height as
 * well squeezed the plot to a strip once a dozen runs filled the legend, and past the plot's
 * minimum pushed the title out of the image.)
 */
const WIDTH = 620;
const HEIGHT = 270;
const AUTOSIZE = { type: 'fit-x', contains: 'padding' } as const;

/** One colour per run, the same in every chart: tableau10 up to 10 runs, category20 (20 distinct colours) beyond. */
export function colorScale(labels: readonly string[]) {
  return { domain: [...labels], scheme: labels.length > 10 ? 'category20' : 'tableau10' };
}

// As wide as the plot: a run's label names its configuration and rate, and a cut label loses the rate.
const runLegend = { title: 'run', orient: 'bottom', direction: 'vertical', labelLimit: WIDTH } as const;

export const baseConfig = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' },
} as const;

/** Latency SLO rules, one per distinct SLO among the runs. */
function sloLayer(runs: readonly LabelledResult[]): { values: { slo: number; label: string }[] } | undefined {
  const slos = [...new Set(runs.map((r) => r.result.config.latencySloMs).filter((x): x is number => x !== undefined && x > 0))];
  if (slos.length === 0) return undefined;
  return { values: slos.map((slo) => ({ slo, label: `SLO ${slo} ms` })) };
}

function sloLayers(runs: readonly LabelledResult[]): TopLevelSpec[] {
  const slo = sloLayer(runs);
  if (!slo) return [];
  return [
    {
      name: 'slo',
      data: slo,
      mark: { type: 'rule', color: '#b22222', strokeDash: [4, 4], strokeWidth: 1 },
      encoding: { y: { field: 'slo', type: 'quantitative' } },
    },
    {
      name: 'slo_label',
      data: slo,
      mark: { type: 'text', color: '#b22222', align: 'left', baseline: 'bottom', dx: 4, dy: -2, fontSize: 10 },
      encoding: { y: { field: 'slo', type: 'quantitative' }, x: { value: 0 }, text: { field: 'label' } },
    },
  ] as unknown as TopLevelSpec[];
}

/** (a) Latency by percentile, on the HdrHistogram log axis x = 1/(1-q). */
export function latencyPercentileChart(runs: readonly LabelledResult[], labels: readonly string[]): ChartSpec {
  const curves = runs.map((r) => percentileCurve(r.label, r.result));
  const decades = Math.max(1, ...curves.map((c) => c.decades));
  const ticks = Array.from({ length: decades + 1 }, (_, k) => 10 ** k);
  // Tick k sits at 10^k, the percentile 1 - 10^-k: 0%, 90%, 99%, 99.9%, …
  const labelExpr = ticks
    .slice(0, -1)
    .map((t, k) => `datum.value < ${t * 3} ? '${formatPercentile(1 - 1 / 10 ** k)}' : `)
    .join('') + `'${formatPercentile(1 - 1 / 10 ** decades)}'`;
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Latency by percentile', subtitle: 'total histogram of the measured phase; log scales' },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      {
        name: 'curves',
        data: { values: curves.flatMap((c) => c.points) },
        mark: { type: 'line', strokeWidth: 2, interpolate: 'linear' },
        encoding: {
          x: {
            field: 'x',
            type: 'quantitative',
            title: 'percentile',
            scale: { type: 'log', domain: [1, 10 ** decades] },
            axis: { values: ticks, labelExpr, grid: true },
          },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)', scale: { type: 'log', nice: false } },
          color: { field: 'run', type: 'nominal', scale: colorScale(labels), legend: runLegend },
        },
      },
      ...sloLayers(runs),
    ],
    config: baseConfig,
  };
  return {
    id: 'latency-percentiles',
    title: 'Latency by percentile',
    caption:
      'Each line is one run\'s latency distribution over the measured phase: read the latency a given share of records stayed under. ' +
      'The x axis is 1/(1−q), so 90%, 99%, 99.9% … are evenly spaced and the tail gets the room it deserves; a line further right ends where the sample count runs out.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['curves'],
  };
}

/** (b) p50 and p99 per interval. */
export function latencyOverTimeChart(runs: readonly LabelledResult[], labels: readonly string[]): ChartSpec {
  const values = runs.flatMap((r) => latencyOverTime(r.label, r.result));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Latency over time', subtitle: 'p50 (solid) and p99 (dashed) of each interval; log scale' },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      {
        name: 'series',
        data: { values },
        mark: { type: 'line', strokeWidth: 1.5 },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time since start (s)' },
          y: { field: 'ms', type: 'quantitative', title: 'latency (ms)', scale: { type: 'log', nice: false } },
          color: { field: 'run', type: 'nominal', scale: colorScale(labels), legend: runLegend },
          strokeDash: {
            field: 'stat',
            type: 'nominal',
            title: 'percentile',
            scale: { domain: ['p50', 'p99'], range: [[1, 0], [6, 3]] },
            legend: { orient: 'bottom' },
          },
        },
      },
      ...sloLayers(runs),
    ],
    config: baseConfig,
  };
  return {
    id: 'latency-over-time',
    title: 'Latency over time',
    caption:
      'The median and the 99th percentile of each interval (warm-up and drain included, measured from the start of the load). ' +
      'A p99 that climbs while p50 stays flat is a tail problem (pauses, stragglers); both climbing means the system is falling behind.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['series'],
  };
}

/** (c) Events in and out per second, and the target rate. */
export function throughputChart(runs: readonly LabelledResult[], labels: readonly string[]): ChartSpec {
  const values = runs.flatMap((r) => throughputOverTime(r.label, r.result));
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Throughput over time', subtitle: 'events in (solid), events out (dashed), target rate (dotted)' },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      {
        name: 'series',
        data: { values },
        // Counts are over the interval that ends at t: draw each value over its interval.
        mark: { type: 'line', strokeWidth: 1.5, interpolate: 'step-before' },
        encoding: {
          x: { field: 't', type: 'quantitative', title: 'time since start (s)', scale: { domainMin: 0 } },
          y: { field: 'rate', type: 'quantitative', title: 'events/s', axis: { format: ',.0f' } },
          color: { field: 'run', type: 'nominal', scale: colorScale(labels), legend: runLegend },
          strokeDash: {
            field: 'series',
            type: 'nominal',
            title: 'series',
            scale: { domain: [...THROUGHPUT_SERIES], range: [[1, 0], [6, 3], [2, 2]] },
            legend: { orient: 'bottom' },
          },
        },
      },
    ],
    config: baseConfig,
  };
  return {
    id: 'throughput-over-time',
    title: 'Throughput over time',
    caption:
      'Per interval: events the harness sent (in), records it received (out), and the rate it was asked to send (target). ' +
      'In below target means the driver could not keep up; out below in on a per-event query means the system is falling behind (windowed queries emit fewer records than they read).',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['series'],
  };
}

/** (d) Cost per hour against sustained throughput, Pareto front marked. Undefined when no run has a cost. */
export function costChart(runs: readonly LabelledResult[], labels: readonly string[]): ChartSpec | undefined {
  const pts: CostPoint[] = costPoints(runs);
  if (pts.length === 0) return undefined;
  const values = pts.map((p) => ({ ...p, front: p.pareto ? 'Pareto front' : 'dominated' }));
  const front = values.filter((p) => p.pareto).sort((a, b) => a.sustained - b.sustained);
  const x = { field: 'sustained', type: 'quantitative', title: 'sustained throughput (events/s)', axis: { format: ',.0f' }, scale: { zero: true, nice: true } };
  const present = values.map((p) => p.run);
  const color = { field: 'run', type: 'nominal', scale: colorScale(labels), legend: { ...runLegend, values: present } };
  const y = { field: 'perHourUsd', type: 'quantitative', title: 'cost per hour (USD)', axis: { format: '$,.2~f' }, scale: { zero: true, nice: true } };
  const spec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: { text: 'Cost vs sustained throughput', subtitle: 'filled: on the Pareto front (no other run is both cheaper and faster); hollow: dominated' },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      {
        name: 'front',
        data: { values: front.map((p, i) => ({ ...p, order: i })) },
        mark: { type: 'line', color: '#888', strokeDash: [3, 3], strokeWidth: 1.5, point: false },
        encoding: { x, y, order: { field: 'order', type: 'quantitative' } },
      },
      {
        name: 'front_points',
        data: { values: values.filter((p) => p.pareto) },
        mark: { type: 'point', shape: 'circle', filled: true, size: 130, opacity: 1 },
        encoding: { x, y, color },
      },
      {
        name: 'dominated_points',
        data: { values: values.filter((p) => !p.pareto) },
        mark: { type: 'point', shape: 'circle', filled: false, size: 130, strokeWidth: 2, opacity: 1 },
        encoding: { x, y, color },
      },
      {
        name: 'point_labels',
        data: { values },
        mark: { type: 'text', align: 'left', dx: 9, dy: -6, fontSize: 10, color: '#333' },
        encoding: { x, y, text: { field: 'run' } },
      },
    ],
    config: baseConfig,
  };
  return {
    id: 'cost-vs-throughput',
    title: 'Cost vs sustained throughput',
    caption:
      'One point per run that carries a cost: what it sustained (the find-max result when the run has one, else its achieved rate) against what it costs per hour. ' +
      'Down and to the right is better; the dashed line joins the runs no other run beats on both.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['front', 'front_points', 'dominated_points'],
  };
}

/** The chart specs for a set of runs, and the charts left out with the reason. */
export function chartSpecs(runs: readonly LabelledResult[]): { charts: ChartSpec[]; skipped: SkippedChart[] } {
  const labels = runs.map((r) => r.label);
  const charts = [latencyPercentileChart(runs, labels), latencyOverTimeChart(runs, labels), throughputChart(runs, labels)];
  const skipped: SkippedChart[] = [];
  const cost = costChart(runs, labels);
  if (cost) charts.push(cost);
  else skipped.push({ id: 'cost-vs-throughput', title: 'Cost vs sustained throughput', reason: 'no run carries a priced cost (local runs create no billable resources)' });
  const faults = faultTimelineChart(runs);
  if (faults) charts.push(faults);
  return { charts, skipped };
}

/** Vega-Lite spec → SVG text, headless (no DOM, no canvas, no network). */
export async function specToSvg(spec: TopLevelSpec): Promise<string> {
  const vg = compile(spec).spec;
  const view = new View(parse(vg), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** SVG text → PNG bytes, at twice the SVG's size, on white, with DejaVu Sans for every sans-serif text. */
export function svgToPng(svg: string, zoom = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: 'white',
    fitTo: { mode: 'zoom', value: zoom },
    font: { loadSystemFonts: true, defaultFontFamily: CHART_FONT, sansSerifFamily: CHART_FONT },
  });
  return resvg.render().asPng();
}

export async function renderChart(c: ChartSpec): Promise<RenderedChart> {
  const svg = await specToSvg(c.spec);
  return { ...c, svg, png: svgToPng(svg) };
}
