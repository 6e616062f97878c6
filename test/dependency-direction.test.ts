import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importViolations, readWorkspace, type SourceFile } from './support/import-graph.js';

const ROOT = new URL('..', import.meta.url).pathname;

describe('the workspace keeps its dependency direction', () => {
  const ws = readWorkspace(ROOT);

  it('reads every package of the workspace', () => {
    const names = ws.packages.map((p) => p.name);
    for (const n of ['@streamscore/core', '@streamscore/kinesis', '@streamscore/cost', '@streamscore/harness', '@streamscore/planner', '@streamscore/cli', '@streamscore/plugin-flink']) {
      expect(names).toContain(n);
    }
    expect(ws.files.length).toBeGreaterThan(200);
  });

  it('has no forbidden, deep or undeclared import', () => {
    expect(importViolations(ROOT, ws.packages, ws.files)).toEqual([]);
  });

  const inject = (f: Omit<SourceFile, 'text'>, text: string) => importViolations(ROOT, ws.packages, [{ ...f, text }]);

  it('fails when core imports the harness', () => {
    const v = inject({ pkg: '@streamscore/core', path: 'packages/core/src/bad.ts', test: false }, "import { runBenchmark } from '@streamscore/harness';\n");
    expect(v).toEqual([
      'packages/core/src/bad.ts: @streamscore/core must not import @streamscore/harness',
      "packages/core/src/bad.ts: imports @streamscore/harness, which @streamscore/core's package.json does not declare",
    ]);
  });

  it('fails when a plugin imports another plugin, the harness or a workload in production code', () => {
    const v = inject(
      { pkg: '@streamscore/plugin-flock', path: 'plugins/flock/src/bad.ts', test: false },
      "import { x } from '@streamscore/plugin-flink';\nimport type { y } from '@streamscore/harness';\nconst z = await import('@streamscore/workload-nexmark');\n",
    );
    expect(v.filter((l) => l.includes('must not import'))).toEqual([
      'plugins/flock/src/bad.ts: @streamscore/plugin-flock must not import @streamscore/plugin-flink',
      'plugins/flock/src/bad.ts: @streamscore/plugin-flock must not import @streamscore/harness',
      'plugins/flock/src/bad.ts: @streamscore/plugin-flock must not import @streamscore/workload-nexmark',
    ]);
  });

  it('fails on a deep import, a relative path into another package, and an AWS SDK in core', () => {
    expect(inject({ pkg: '@streamscore/plugin-kda', path: 'plugins/kda/src/bad.ts', test: false }, "import { a } from '@streamscore/kinesis/dist/client.js';\n")).toContain(
      "plugins/kda/src/bad.ts: deep import @streamscore/kinesis/dist/client.js (not in @streamscore/kinesis's exports)",
    );
    expect(inject({ pkg: '@streamscore/report', path: 'packages/report/src/bad.ts', test: false }, "import { a } from '../../core/src/errors.js';\n")).toEqual([
      'packages/report/src/bad.ts: relative import ../../core/src/errors.js leaves @streamscore/report; import the package by name',
    ]);
    expect(inject({ pkg: '@streamscore/core', path: 'packages/core/src/bad.ts', test: false }, "import { KinesisClient } from '@aws-sdk/client-kinesis';\n")).toEqual([
      'packages/core/src/bad.ts: core must depend on zod and hdr-histogram-js only, not @aws-sdk/client-kinesis',
    ]);
  });

  it('lets tests reach the harness and the workloads, but not production code', () => {
    const spec = "import { runBenchmark } from '@streamscore/harness';\n";
    expect(inject({ pkg: '@streamscore/plugin-flink', path: 'plugins/flink/src/x.test.ts', test: true }, spec)).toEqual([]);
    expect(inject({ pkg: '@streamscore/plugin-flink', path: 'plugins/flink/src/x.ts', test: false }, spec)).toContain('plugins/flink/src/x.ts: @streamscore/plugin-flink must not import @streamscore/harness');
  });

  it('keeps the plugin SDK small: core has no AWS SDK dependency and is under 2,000 lines', () => {
    const pj = JSON.parse(readFileSync(join(ROOT, 'packages/core/package.json'), 'utf8')) as { dependencies: Record<string, string> };
    expect(Object.keys(pj.dependencies).sort()).toEqual(['hdr-histogram-js', 'zod']);
    const lines = ws.files.filter((f) => f.pkg === '@streamscore/core' && !f.test).reduce((n, f) => n + f.text.split('\n').length - 1, 0);
    expect(lines).toBeGreaterThan(500);
    expect(lines).toBeLessThan(2000);
  });
});
