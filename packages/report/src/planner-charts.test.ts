import { describe, expect, it } from 'vitest';
import { costLatencyChart, crossoverChart, renderPlannerChart, type CrossoverSeriesPoint } from './planner-charts.js';
import { countMarks, parseSvg, PNG_MAGIC, pngSize } from './testing/svg.js';

const rates = [1000, 10_000, 100_000, 1_000_000];
const series: CrossoverSeriesPoint[] = [
  ...rates.map((rate) => ({ platform: 'flock-lambda', title: 'Flock on Lambda', rate, perHourUsd: 0.01 + 1e-5 * rate })),
  ...rates.map((rate) => ({ platform: 'flink-ec2', title: 'Flink on EC2', rate, perHourUsd: 0.5 + 1e-6 * rate })),
  // KDA has no feasible configuration at the lowest rate: its line starts at 10k.
  ...rates.map((rate) => ({ platform: 'kda', title: 'Managed Flink (KDA)', rate, perHourUsd: rate < 10_000 ? null : 0.7 + 1.2e-6 * rate })),
];

describe('the crossover chart', () => {
  it('draws one line per platform, skips rates without a feasible configuration, and marks the crossover', async () => {
    const c = crossoverChart({ workload: 'nexmark/q0', sloMs: 2000, series, crossovers: [{ rate: 54_444, below: 'flock-lambda', above: 'flink-ec2', kind: 'winner' }] });
    expect(c.id).toBe('plan-crossover');
    const r = await renderPlannerChart(c);
    expect(parseSvg(r.svg)).toEqual({ width: 620, height: 420 });
    expect(countMarks(r.svg, 'lines').groups).toBe(3);
    expect(countMarks(r.svg, 'crossovers').items).toBe(1);
    expect(r.svg).toContain('54.4k/s: Flock on Lambda → Flink on EC2'); // in the subtitle
    expect(r.png.subarray(0, 8).equals(PNG_MAGIC)).toBe(true);
    expect(pngSize(r.png)).toEqual({ width: 1240, height: 840 });
  });

  it('keeps a crossover near the left edge inside the plot, so the title and legend are not cut', async () => {
    // A long label right-aligned at a rule near the left edge used to widen the bounds past the
    // left side: the fitted view moved right by the label's width and the PNG lost the title's start.
    const at = (rate: number) => crossoverChart({ workload: 'nexmark/q0', sloMs: 2000, series, crossovers: [{ rate, below: 'flock-lambda', above: 'flink-ec2', kind: 'winner', low: rate / 2, high: rate * 2 }] });
    const originX = (svg: string) => Number(/<g fill="none" stroke-miterlimit="4" transform="translate\((\d+(?:\.\d+)?),/.exec(svg)![1]);
    const none = await renderPlannerChart(crossoverChart({ workload: 'nexmark/q0', sloMs: 2000, series, crossovers: [] }));
    for (const rate of [1500, 900_000]) {
      const r = await renderPlannerChart(at(rate));
      expect(originX(r.svg)).toBe(originX(none.svg));
      expect(countMarks(r.svg, 'crossover_ranges').items).toBe(1);
    }
  });

  it('draws without crossovers', async () => {
    const r = await renderPlannerChart(crossoverChart({ workload: 'nexmark/q5', series: series.filter((p) => p.platform === 'kda'), crossovers: [] }));
    expect(countMarks(r.svg, 'lines').groups).toBe(1);
    expect(r.dataLayers).toEqual(['lines']);
  });
});

describe('the cost vs latency chart', () => {
  it('fills the Pareto front, draws the others hollow, and rules the SLO', async () => {
    const points = [
      { platform: 'flink-ec2', title: 'Flink on EC2', label: '1 × c6g.large', perHourUsd: 0.41, latencyP99Ms: 4910, pareto: true, feasible: false },
      { platform: 'kda', title: 'Managed Flink (KDA)', label: '2 KPU', perHourUsd: 0.68, latencyP99Ms: 4910, pareto: false, feasible: false },
      { platform: 'flock-lambda', title: 'Flock on Lambda', label: '10240 MB arm64, group 4', perHourUsd: 0.52, latencyP99Ms: 6000, pareto: false, feasible: false },
      { platform: 'flock-lambda', title: 'Flock on Lambda', label: '1024 MB arm64, group 1', perHourUsd: 0.3, latencyP99Ms: 9000, pareto: true, feasible: false },
    ];
    const c = costLatencyChart({ workload: 'nexmark/q5', rate: 100_000, sloMs: 2000, points });
    const r = await renderPlannerChart(c);
    expect(countMarks(r.svg, 'front_points').items).toBe(2);
    expect(countMarks(r.svg, 'other_points').items).toBe(2);
    expect(countMarks(r.svg, 'slo').items).toBe(1);
    expect(r.svg).toContain('SLO 2000 ms');
    expect(r.svg).toContain('100k events/s');
    expect(pngSize(r.png)).toEqual({ width: 1240, height: 840 });
  });

  it('labels the front only where labels can be read: two points within 12% in cost and latency get one', async () => {
    const front = (label: string, perHourUsd: number, latencyP99Ms: number) => ({ platform: 'flink-ec2', title: 'Flink on EC2', label, perHourUsd, latencyP99Ms, pareto: true, feasible: true });
    // c6g.8xlarge and c7g.8xlarge: $1.58 and $1.63 (3% apart), 4.95 and 4.93 s → one label; c6g.large at $0.41 keeps its own
    const points = [front('1 × c6g.8xlarge', 1.58, 4950), front('1 × c7g.8xlarge', 1.63, 4930), front('1 × c6g.large', 0.41, 5200)];
    const r = await renderPlannerChart(costLatencyChart({ workload: 'nexmark/q5', rate: 100_000, points }));
    expect(countMarks(r.svg, 'front_labels').items).toBe(2);
    expect(r.svg).toContain('1 × c6g.8xlarge');
    expect(r.svg).not.toContain('1 × c7g.8xlarge');
  });
});
