import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ledger, type RunRequest } from '@streamscore/core';
import { RULES, checkLedgerJournal, journalLines, ruleAnchor, slug } from '@streamscore/testkit';
import { workloads } from '@streamscore/workload-nexmark';
import { planWorkers, provisionWorkers, teardownWorkers, type Cloud } from '../docs/samples/costing.js';

/**
 * docs/plugins.md cannot rot: every code sample in it is marked `<!-- sample: FILE[#REGION] -->`
 * and must be identical to that file (or to the lines between `// #region REGION` and
 * `// #endregion REGION`, less their common indentation); the files are compiled here and run by
 * the test suite (the example by its conformance test and test/plugins.test.ts, docs/samples here).
 */
const ROOT = new URL('..', import.meta.url).pathname;
const GUIDE = readFileSync(join(ROOT, 'docs/plugins.md'), 'utf8');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

interface Sample {
  ref: string;
  lang: string;
  body: string;
  line: number;
}

function samplesOf(markdown: string): Sample[] {
  const lines = markdown.split('\n');
  const out: Sample[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^<!-- sample: (\S+) -->$/.exec(lines[i]!);
    if (!m) continue;
    const fence = /^```(\w+)$/.exec(lines[i + 1] ?? '');
    if (!fence) throw new Error(`docs/plugins.md:${i + 1}: a sample marker must be followed by a fenced block`);
    const end = lines.indexOf('```', i + 2);
    if (end < 0) throw new Error(`docs/plugins.md:${i + 2}: unclosed fence`);
    out.push({ ref: m[1]!, lang: fence[1]!, body: lines.slice(i + 2, end).join('\n'), line: i + 1 });
    i = end;
  }
  return out;
}

/** A file, or one `// #region NAME` of it with its common indentation removed. */
function sourceOf(ref: string): string {
  const [path, region] = ref.split('#') as [string, string | undefined];
  const text = readFileSync(join(ROOT, path), 'utf8');
  if (!region) return text.replace(/\n+$/, '');
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.trim() === `// #region ${region}`);
  const end = lines.findIndex((l) => l.trim() === `// #endregion ${region}`);
  if (start < 0 || end < start) throw new Error(`${path} has no region ${region}`);
  const body = lines.slice(start + 1, end);
  const indent = Math.min(...body.filter((l) => l.trim()).map((l) => l.length - l.trimStart().length));
  return body.map((l) => l.slice(indent)).join('\n');
}

describe('docs/plugins.md', () => {
  const samples = samplesOf(GUIDE);

  it('has its code samples marked with their source', () => {
    expect(samples.length).toBeGreaterThanOrEqual(10);
    // Every TypeScript or JSON fence in the guide is a sample of a real file.
    const fences = GUIDE.split('\n').filter((l) => /^```(ts|typescript|json)$/.test(l)).length;
    expect(fences).toBe(samples.length);
  });

  for (const s of samplesOf(GUIDE)) {
    it(`shows ${s.ref} exactly as it is (line ${s.line})`, () => {
      expect(s.body).toBe(sourceOf(s.ref));
    });
  }

  it('has one section per conformance rule, at the anchor the kit links to', () => {
    const anchors = GUIDE.split('\n')
      .filter((l) => /^#{1,6} /.test(l))
      .map((l) => slug(l.replace(/^#+ /, '')));
    for (const r of RULES) expect(anchors, `${r.id}`).toContain(ruleAnchor(r));
    // and every in-page link points at a heading
    for (const [, target] of GUIDE.matchAll(/\]\(#([^)]+)\)/g)) expect(anchors).toContain(target);
  });

  it('has samples that compile: docs/samples and the example, each with its own tsconfig', () => {
    for (const project of ['docs/samples', 'examples/backend-duckdb']) {
      const r = spawnSync(process.execPath, [TSC, '-p', join(ROOT, project), '--noEmit'], { encoding: 'utf8', timeout: 120_000 });
      expect(r.stdout + r.stderr, project).toBe('');
      expect(r.status).toBe(0);
    }
  }, 180_000);

  it('has a costing sample that plans from the price book and keeps the ledger ahead of the cloud', async () => {
    const workload = workloads.find((w) => w.id === 'nexmark/q0')!;
    const request: RunRequest = {
      runId: 'docs-sample',
      workload,
      params: {},
      target: 'ec2',
      knobs: { instanceType: 'm7g.large', nodes: 2 },
      rate: 10_000,
      durationS: 600,
    };
    const plan = await planWorkers(request);
    expect(plan.projectedCostUsd).toBeGreaterThan(0);
    await expect(planWorkers({ ...request, knobs: { instanceType: 'z99.huge' } })).rejects.toThrow(/no instance type z99.huge/);

    const journal = join(mkdtempSync(join(tmpdir(), 'streamscore-docs-')), 'ledger.jsonl');
    const ledger = new Ledger(request.runId, journal);
    const ctx = { runId: request.runId, ledger, log: () => {}, signal: new AbortController().signal };
    const live = new Set<string>();
    const cloud: Cloud = {
      async runInstance(type, tags) {
        // The sample must have written its intent before it calls the cloud.
        expect(ledger.list().at(-1)?.state).toBe('intended');
        expect(tags['streamscore:run']).toBe(request.runId);
        const id = `i-${type}-${live.size}`;
        live.add(id);
        return id;
      },
      async terminateInstance(id) {
        live.delete(id);
      },
    };
    expect(await provisionWorkers(plan, ctx, cloud)).toHaveLength(2);
    expect(ledger.outstanding().map((e) => e.cloudId)).toEqual(['i-m7g.large-0', 'i-m7g.large-1']);
    await teardownWorkers(ctx, cloud);
    expect(live.size).toBe(0);
    expect(ledger.outstanding()).toEqual([]);
    const c7 = checkLedgerJournal({ workload, plan, journal: journalLines(journal), logs: [], output: '', canaries: [] });
    expect(c7.ok, c7.message).toBe(true);
  });
});
