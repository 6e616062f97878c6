import type { TopLevelSpec } from 'vega-lite';
import { CHART_FONT, specToSvg, svgToPng } from './charts.js';

/**
 * The planner's two charts (`streamscore plan --chart DIR`), in the report's format: Vega-Lite →
 * SVG (vega's headless view) → PNG (resvg), with the report's font and size.
 *
 * - **Crossover**: cost per hour of each platform's cheapest feasible configuration against the
 *   rate, both axes logarithmic, with the rates where the lines cross marked.
 * - **Cost vs latency**: every candidate configuration at one rate (the smallest of each shape
 *   that sustains the rate), its projected p99 against its cost per hour, with the Pareto front.
 *
 * The inputs are plain data (what `plan --json` prints), so this module does not depend on the
 * planner's types.
 */

export type PlannerChartId = 'plan-crossover' | 'plan-cost-latency';

export interface PlannerChartSpec {
  id: PlannerChartId;
  title: string;
  caption: string;
  spec: TopLevelSpec;
  dataLayers: string[];
}

export interface RenderedPlannerChart extends PlannerChartSpec {
  svg: string;
  png: Buffer;
}

export interface CrossoverSeriesPoint {
  /** Platform id (kda, flock-lambda, flink-ec2) and its title. */
  platform: string;
  title: string;
  rate: number;
  /** null where the platform has no feasible configuration at this rate. */
  perHourUsd: number | null;
  label?: string;
}

export interface CrossoverMark {
  rate: number;
  below: string;
  above: string;
  kind: 'lines' | 'winner';
  /** The range of rates over the band's scenarios, when the plan was made over several. */
  low?: number;
  high?: number;
}

export interface CrossoverChartInput {
  workload: string;
  sloMs?: number;
  series: CrossoverSeriesPoint[];
  crossovers: CrossoverMark[];
}

export interface CostLatencyPoint {
  platform: string;
  title: string;
  label: string;
  perHourUsd: number;
  latencyP99Ms: number;
  pareto: boolean;
  feasible: boolean;
}

export interface CostLatencyChartInput {
  workload: string;
  rate: number;
  sloMs?: number;
  points: CostLatencyPoint[];
}

const WIDTH = 620;
const HEIGHT = 420;
const AUTOSIZE = { type: 'fit', contains: 'padding' } as const;
const SCHEMA = 'https://vega.github.io/schema/vega-lite/v6.json';

const config = {
  font: CHART_FONT,
  background: 'white',
  view: { stroke: '#ccc' },
  axis: { labelFontSize: 11, titleFontSize: 12, gridColor: '#e6e6e6' },
  legend: { labelFontSize: 11, titleFontSize: 11 },
  title: { fontSize: 14, subtitleFontSize: 11, anchor: 'start' },
} as const;

/** One colour per platform, the same on both charts. */
const PLATFORM_COLORS: Record<string, string> = {
  'Managed Flink (KDA)': '#4e79a7',
  'Flock on Lambda': '#f28e2b',
  'Flink on EC2': '#59a14f',
};

function colorScale(titles: readonly string[]) {
  const domain = [...new Set(titles)];
  const fallback = ['#e15759', '#76b7b2', '#edc948', '#b07aa1'];
  return { domain, range: domain.map((t, i) => PLATFORM_COLORS[t] ?? fallback[i % fallback.length]!) };
}

const legend = { title: 'platform', orient: 'bottom', direction: 'horizontal', labelLimit: 300 } as const;

/** One point shape per platform, so configurations that coincide stay visible. */
const SHAPES: Record<string, string> = { 'Managed Flink (KDA)': 'square', 'Flock on Lambda': 'circle', 'Flink on EC2': 'triangle-up' };

function shapeScale(titles: readonly string[]) {
  const domain = [...new Set(titles)];
  return { domain, range: domain.map((t) => SHAPES[t] ?? 'diamond') };
}

function usd(x: number): string {
  return x >= 100 ? `$${x.toFixed(0)}` : x >= 1 ? `$${x.toFixed(2)}` : `$${x.toFixed(3)}`;
}

function rateText(r: number): string {
  return r >= 1e6 ? `${+(r / 1e6).toFixed(2)}M` : r >= 1e3 ? `${+(r / 1e3).toFixed(1)}k` : `${Math.round(r)}`;
}

export function crossoverChart(input: CrossoverChartInput): PlannerChartSpec {
  const values = input.series.filter((p) => p.perHourUsd !== null && p.perHourUsd > 0);
  const titleOf = new Map(input.series.map((p) => [p.platform, p.title] as const));
  const winners = input.crossovers.filter((c) => c.kind === 'winner');
  // Labels inside the plot are only the rate; what changes is said in the subtitle. A long label
  // beside a rule widened the chart's bounds past the left edge, and the fitted view then cut the
  // title on the left and the legend on the right.
  const xs = values.map((p) => p.rate);
  const mid = xs.length ? Math.sqrt(Math.min(...xs) * Math.max(...xs)) : 1;
  const marks = winners.map((c) => ({ rate: c.rate, text: `${rateText(c.rate)}/s`, align: c.rate > mid ? ('right' as const) : ('left' as const) }));
  const ranges = winners.filter((c) => c.low !== undefined && c.high !== undefined && c.high > c.low).map((c) => ({ low: c.low!, high: c.high! }));
  const changes = winners.map((c) => `${rateText(c.rate)}/s: ${titleOf.get(c.below) ?? c.below} → ${titleOf.get(c.above) ?? c.above}${c.low !== undefined && c.high !== undefined ? ` (band ${rateText(c.low)}–${rateText(c.high)}/s)` : ''}`);
  const x = { field: 'rate', type: 'quantitative', title: 'rate (events/s)', scale: { type: 'log' }, axis: { format: '~s' } };
  const y = { field: 'perHourUsd', type: 'quantitative', title: 'cost per hour (USD)', scale: { type: 'log' }, axis: { format: '$.3~g' } };
  const color = { field: 'title', type: 'nominal', scale: colorScale(input.series.map((p) => p.title)), legend };
  const spec = {
    $schema: SCHEMA,
    title: {
      text: `Cost per hour against rate: ${input.workload}`,
      subtitle: [
        `cheapest configuration of each platform that sustains the rate${input.sloMs !== undefined ? ` with p99 ≤ ${input.sloMs} ms` : ''}`,
        ...(changes.length ? ['dashed: where the cheapest platform changes', ...changes.map((c) => `  ${c}`)] : ['the cheapest platform does not change in this range']),
        `${ranges.length ? 'shaded: the range of that rate over the band of profiles; ' : ''}log scales`,
      ],
    },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      { name: 'lines', data: { values }, mark: { type: 'line', strokeWidth: 2, point: { filled: true, size: 30 } }, encoding: { x, y, color } },
      ...(ranges.length
        ? [{ name: 'crossover_ranges', data: { values: ranges }, mark: { type: 'rect', color: '#999', opacity: 0.15 }, encoding: { x: { ...x, field: 'low' }, x2: { field: 'high' } } }]
        : []),
      ...(marks.length
        ? [
            { name: 'crossovers', data: { values: marks }, mark: { type: 'rule', color: '#555', strokeDash: [4, 4] }, encoding: { x } },
            ...(['left', 'right'] as const)
              .filter((side) => marks.some((m) => m.align === side))
              .map((side) => ({
                name: `crossover_labels_${side}`,
                data: { values: marks.filter((m) => m.align === side) },
                mark: { type: 'text', align: side, baseline: 'top', dx: side === 'left' ? 4 : -4, dy: 4, fontSize: 10, color: '#333' },
                encoding: { x, y: { value: 0 }, text: { field: 'text' } },
              })),
          ]
        : []),
    ],
    config,
  };
  return {
    id: 'plan-crossover',
    title: 'Cost per hour against rate (crossover)',
    caption:
      'Each line is one platform: the cost per hour of its cheapest configuration that sustains the rate within the SLO (Kinesis included, the same for every platform). ' +
      'Where a line stops, no configuration of that platform is feasible; a dashed rule marks a rate where the cheapest platform changes. Every figure is projected by the planner.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['lines', ...(marks.length ? ['crossovers'] : [])],
  };
}

export function costLatencyChart(input: CostLatencyChartInput): PlannerChartSpec {
  const values = input.points.map((p) => ({ ...p, cost: usd(p.perHourUsd) }));
  const front = values.filter((p) => p.pareto).sort((a, b) => a.latencyP99Ms - b.latencyP99Ms);
  // Labels only where they can be read: front points within 12% of an already labelled one in both
  // cost and latency (c6g and c7g of one size often are) would print on top of each other.
  const near = (a: number, b: number) => Math.abs(Math.log(a / b)) < Math.log(1.12);
  const labelled = [...front]
    .sort((a, b) => a.perHourUsd - b.perHourUsd)
    .reduce<typeof front>((kept, p) => (kept.some((k) => near(k.perHourUsd, p.perHourUsd) && near(k.latencyP99Ms, p.latencyP99Ms)) ? kept : [...kept, p]), []);
  const x = { field: 'latencyP99Ms', type: 'quantitative', title: 'projected p99 latency (ms)', scale: { type: 'log' }, axis: { format: ',.0f' } };
  const y = { field: 'perHourUsd', type: 'quantitative', title: 'cost per hour (USD)', scale: { type: 'log' }, axis: { format: '$.3~g' } };
  const color = { field: 'title', type: 'nominal', scale: colorScale(input.points.map((p) => p.title)), legend };
  const shape = { field: 'title', type: 'nominal', scale: shapeScale(input.points.map((p) => p.title)), legend };
  const slo = input.sloMs !== undefined ? [{ slo: input.sloMs, text: `SLO ${input.sloMs} ms` }] : [];
  const spec = {
    $schema: SCHEMA,
    title: {
      text: `Cost against latency at ${rateText(input.rate)} events/s: ${input.workload}`,
      subtitle: ['every configuration that sustains the rate (the smallest of each shape)', 'filled: on the Pareto front; log scales'],
    },
    width: WIDTH,
    height: HEIGHT,
    autosize: AUTOSIZE,
    layer: [
      {
        name: 'front',
        data: { values: front.map((p, i) => ({ ...p, order: i })) },
        mark: { type: 'line', color: '#888', strokeDash: [3, 3], strokeWidth: 1.5 },
        encoding: { x, y, order: { field: 'order', type: 'quantitative' } },
      },
      { name: 'front_points', data: { values: values.filter((p) => p.pareto) }, mark: { type: 'point', filled: true, size: 110, opacity: 1 }, encoding: { x, y, color, shape } },
      { name: 'other_points', data: { values: values.filter((p) => !p.pareto) }, mark: { type: 'point', filled: false, size: 60, strokeWidth: 1.5, opacity: 0.8 }, encoding: { x, y, color, shape } },
      {
        name: 'front_labels',
        data: { values: labelled },
        mark: { type: 'text', align: 'left', dx: 8, dy: -6, fontSize: 10, color: '#333' },
        encoding: { x, y, text: { field: 'label' } },
      },
      ...(slo.length
        ? [
            { name: 'slo', data: { values: slo }, mark: { type: 'rule', color: '#b22222', strokeDash: [4, 4] }, encoding: { x: { ...x, field: 'slo' } } },
            {
              name: 'slo_label',
              data: { values: slo },
              mark: { type: 'text', color: '#b22222', align: 'left', baseline: 'top', dx: 4, fontSize: 10 },
              encoding: { x: { ...x, field: 'slo' }, y: { value: 4 }, text: { field: 'text' } },
            },
          ]
        : []),
    ],
    config,
  };
  return {
    id: 'plan-cost-latency',
    title: 'Cost against latency, with the Pareto front',
    caption:
      'One point per candidate configuration at this rate: its projected p99 against its cost per hour. Down and to the left is better; the dashed line joins the configurations no other beats on both. ' +
      'Configurations right of the SLO rule sustain the rate but miss the SLO.',
    spec: spec as unknown as TopLevelSpec,
    dataLayers: ['front_points', ...(values.some((p) => !p.pareto) ? ['other_points'] : [])],
  };
}

export async function renderPlannerChart(c: PlannerChartSpec): Promise<RenderedPlannerChart> {
  const svg = await specToSvg(c.spec);
  return { ...c, svg, png: svgToPng(svg) };
}
