import { describe, expect, it } from 'vitest';
import { cpuText, runDetails } from './content.js';
import { buildResult } from './testing/fixtures.js';

describe("a run's CPU split in the report", () => {
  it('names the seconds of each part, says which were not measured apart, and the highest load', () => {
    const r = buildResult({ durationS: 3, warmupS: 0, drainS: 0 });
    r.intervals = r.intervals.map((iv, i) => ({ ...iv, cpu: { harnessS: 0.5, sutS: 1.25, load1: 1 + i } }));
    r.summary.cpu = { harnessS: 1.5, sutS: 3.75 };
    expect(cpuText(r)).toBe(`harness 1.50, transport not measured apart, system under test 3.75; highest 1-minute load average ${r.intervals.length.toFixed(1)} on ${r.environment.cpus} CPUs`);
    expect(JSON.stringify(runDetails('q1', 0, r))).toContain('CPU (s)');
  });

  it('leaves the line out of a Result that has no CPU record (older Results)', () => {
    const r = buildResult({ durationS: 3 });
    delete r.summary.cpu;
    expect(JSON.stringify(runDetails('q1', 0, r))).not.toContain('CPU (s)');
  });
});
