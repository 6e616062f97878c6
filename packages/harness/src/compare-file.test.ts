import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareCells, readCompareFile } from './compare-file.js';

const dir = mkdtempSync(join(tmpdir(), 'compare-'));
function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe('compare files', () => {
  it('expands workloads × backend configurations in file order', () => {
    const f = readCompareFile(
      file(
        'a.yaml',
        `workloads: [nexmark/q0, nexmark/q5]
backends:
  - { backend: local }
  - { backend: local, knobs: { parallelism: 2 }, label: local×2 }
params: { nexmark/q5: { windowSizeMs: 4000 } }
load: { rate: 1000, duration: 2s }
`,
      ),
    );
    const cells = compareCells(f);
    expect(cells.map((c) => `${c.workload} ${c.label ?? c.backend}`)).toEqual([
      'nexmark/q0 local',
      'nexmark/q0 local×2',
      'nexmark/q5 local',
      'nexmark/q5 local×2',
    ]);
    expect(cells[2]!.params).toEqual({ windowSizeMs: 4000 });
    expect(f.load.warmup).toBe('0s');
  });

  it('names the offending key of a malformed file', () => {
    expect(() => readCompareFile(file('b.yaml', 'workloads: [q0]\nbackends: []\nload: { rate: 1 }\n'))).toThrow(/backends: Too small/);
    expect(() => readCompareFile(file('c.yaml', 'workloads: [q0]\nbackends: [{backend: local, colour: red}]\nload: { rate: 1 }\n'))).toThrow(/backends\.0/);
    expect(() => readCompareFile(file('d.yaml', 'workloads: [q0\n'))).toThrow(/not valid YAML/);
  });
});
