import { describe, expect, it } from 'vitest';
import { ResultSchema, type FaultRecord } from '@streamscore/core';
import { buildResult } from './testing/fixtures.js';
import { renderChart, type LabelledResult } from './charts.js';
import { faultBlocks, faultRows, faultTimelineChart, FAULTS_HEAD, mergeFaultLabels } from './faults.js';
import { toMarkdown } from './doc.js';
import { runLabels } from './labels.js';
import { countMarks, titleTop } from './testing/svg.js';

const fault: FaultRecord = {
  kind: 'kill-taskmanager',
  atS: 10,
  options: { index: 0 },
  by: 'backend',
  firedAtS: 10.02,
  effect: 'SIGKILL to TaskManager 0 (pid 1); started again after 0 s (pid 2)',
  recovery: { detectionS: 2, outputResumedS: 21.5, lagRecoveredS: 25, latencyRecoveredS: 30, recoveredS: 30, latencyPeakP99Us: 44_700_000, latencyPeakMaxUs: 45_000_000, lost: 0, duplicated: 0, notes: [] },
};

function withFault() {
  const r = buildResult({ backend: 'flink', workload: 'nexmark/q5', knobs: { checkpointing: 'exactly-once', 'checkpoint-interval-s': 10 }, spikeAt: 13, spikeFactor: 50 });
  return ResultSchema.parse({ ...r, verdict: { ...r.verdict, duplicated: 0, delivery: 'exactly-once' }, faults: [fault] });
}

describe('the faults section of a report', () => {
  it('gives each fault a row: what, when, how long to come back, what was lost or repeated', () => {
    const rows = faultRows([{ label: 'flink exactly-once', result: withFault() }]);
    expect(rows).toHaveLength(1);
    const row = Object.fromEntries(FAULTS_HEAD.map((h, i) => [h, rows[0]![i]]));
    expect(row).toEqual({
      run: 'flink exactly-once',
      platform: 'flink (local)',
      query: 'nexmark/q5',
      guarantee: 'exactly-once, checkpoints every 10 s',
      fault: 'kill-taskmanager@10s:index=0',
      'fired (s)': '10.0',
      'detected (s)': '2.0',
      'output back (s)': '21.5',
      'lag back (s)': '25.0',
      'recovery (s)': '30.0',
      'peak p99 (ms)': '44700',
      lost: '0',
      duplicated: '0',
      'delivery observed': 'exactly-once',
    });
  });

  it('is absent from a report whose runs had no faults, and present in Markdown when they had', () => {
    const plain = buildResult();
    expect(faultBlocks([{ label: 'a', result: plain }])).toEqual([]);
    expect(faultTimelineChart([{ label: 'a', result: plain }])).toBeUndefined();
    const md = toMarkdown(faultBlocks([{ label: 'flink', result: withFault() }]));
    expect(md).toMatch(/^## Faults/);
    expect(md).toContain('| kill-taskmanager@10s:index=0 | 10.0 | 2.0 | 21.5 | 25.0 | 30.0 | 44700 | 0 | 0 | exactly-once |');
  });

  it('draws the timeline with a rule where the fault fired', async () => {
    const chart = faultTimelineChart([{ label: 'flink', result: withFault() }])!;
    const rendered = await renderChart(chart);
    expect(rendered.svg).toContain('role-mark faults_marks');
    // One rule: one line element inside the faults layer.
    const layer = rendered.svg.slice(rendered.svg.indexOf('role-mark faults_marks'));
    expect((layer.slice(0, layer.indexOf('</g>')).match(/<line/g) ?? []).length).toBe(1);
    expect(rendered.svg).toContain('kill-taskmanager');
  });

  it('merges the labels of rules that fired at one instant on one platform, each kind named once', () => {
    const marks = [
      { platform: 'flock (local)', t: 1, fault: 'kinesis-throttle' },
      { platform: 'flock (local)', t: 30, fault: 'function-crash' },
      { platform: 'flock (local)', t: 1.003, fault: 'function-throttle' },
      { platform: 'flock (local)', t: 1.001, fault: 'kinesis-throttle' },
      { platform: 'flink (local)', t: 30, fault: 'kill-taskmanager' },
      { platform: 'flink (local)', t: 90, fault: 'kill-taskmanager' },
    ];
    expect(mergeFaultLabels(marks, 1.5, 95)).toEqual([
      { platform: 'flock (local)', t: 1, text: ['kinesis-throttle', 'function-throttle'], side: 'right' },
      { platform: 'flock (local)', t: 30, text: ['function-crash'], side: 'right' },
      { platform: 'flink (local)', t: 30, text: ['kill-taskmanager'], side: 'right' },
      // Near the right edge the label goes left of its rule, inside the plot.
      { platform: 'flink (local)', t: 90, text: ['kill-taskmanager'], side: 'left' },
    ]);
  });

  // Runs like the faults bench's: Flink and Flock, two queries, repeats, faults at 1 s and 30 s.
  function faultedRuns(n: number): LabelledResult[] {
    const kinds = { flink: ['kill-taskmanager', 'kinesis-throttle'], flock: ['function-crash', 'function-throttle', 'kinesis-throttle'] } as const;
    const results = Array.from({ length: n }, (_, i) => {
      const backend = i % 2 === 0 ? 'flink' : 'flock';
      const kind = kinds[backend][Math.floor(i / 2) % kinds[backend].length]!;
      const at = kind.startsWith('kill') || kind === 'function-crash' ? 30 : 1;
      const r = buildResult({ backend, workload: i % 4 < 2 ? 'nexmark/q5' : 'nexmark/q11', seed: i + 1, durationS: 40, samplesPerInterval: 20, spikeAt: 32, spikeFactor: 5 + i });
      const f: FaultRecord = { ...fault, kind, atS: at, firedAtS: at + (i % 3) * 0.001 };
      return ResultSchema.parse({ ...r, faults: [f] });
    });
    const labels = runLabels(results);
    return results.map((result, i) => ({ label: labels[i]!, result }));
  }

  it.each([1, 4, 13, 20])('reads with %i runs: title inside the image, tall panels, a colour per run, one label per instant', async (n) => {
    const runs = faultedRuns(n);
    const rendered = await renderChart(faultTimelineChart(runs)!);
    const svg = rendered.svg;
    expect(titleTop(svg, 'Faults: latency around each fault')).toBeGreaterThanOrEqual(0);
    // One panel per platform, each at least 200 px tall however long the legend.
    const panels = [...svg.matchAll(/class="background" aria-hidden="true" d="M0\.5,0\.5h(\d+)v(\d+)h-\d+Z" stroke/g)].map((m) => [Number(m[1]), Number(m[2])]);
    expect(panels).toHaveLength(n === 1 ? 1 : 2);
    for (const [w, h] of panels) {
      expect(w).toBeGreaterThanOrEqual(500);
      expect(h).toBeGreaterThanOrEqual(200);
    }
    // Every run's line has a colour of its own.
    expect(countMarks(svg, 'p99').groups).toBe(n);
    const strokes = [...svg.matchAll(/<g class="mark-line role-mark p99_marks"[^>]*><path [^>]*stroke="([^"]+)"/g)].map((m) => m[1]);
    expect(strokes).toHaveLength(n);
    expect(new Set(strokes).size).toBe(n);
    // Faults at (about) one instant on one platform: one label naming each kind once.
    const labels = [...svg.matchAll(/<g class="mark-text role-mark fault_labels(?:_left)?_marks"[^>]*>([\s\S]*?)<\/g>/g)].flatMap((g) =>
      [...g[1]!.matchAll(/<text aria-label="t: [\d.]+; text: ([^"]+)"/g)].map((m) => m[1]),
    );
    const expected = n === 1 ? ['kill-taskmanager'] : n === 4 ? ['kill-taskmanager', 'kinesis-throttle', 'function-crash', 'function-throttle'] : ['kill-taskmanager', 'kinesis-throttle', 'function-crash', 'function-throttle kinesis-throttle'];
    expect(labels.sort()).toEqual(expected.sort());
  });
});
