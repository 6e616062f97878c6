import { describe, expect, it } from 'vitest';
import { ResultSchema, type FaultRecord } from '@streamscore/core';
import { buildResult } from './testing/fixtures.js';
import { renderChart } from './charts.js';
import { faultBlocks, faultRows, faultTimelineChart, FAULTS_HEAD } from './faults.js';
import { toMarkdown } from './doc.js';

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
});
