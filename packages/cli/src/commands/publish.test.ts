import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readResult } from '@streamscore/core';
import type { CampaignCell } from '@streamscore/harness';
import { resultFitsCell } from '../lib/cell-results.js';

/** `streamscore campaign` then `streamscore publish` on the small example campaign, as a user runs them. */
const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const CAMPAIGN = new URL('../../../../examples/publish/small.campaign.yaml', import.meta.url).pathname;
const FIRST = new URL('../../../../examples/publish/first-comparison.campaign.yaml', import.meta.url).pathname;
const FIRST_REPORT = new URL('../../../../docs/reports/first-comparison', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'streamscore-publish-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 240_000, env: { ...process.env, HOME: home } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('streamscore publish', () => {
  it('publishes a small campaign: every cited Result copied, the three questions with bands, the guarantee, a day of load, the model error, charts', () => {
    const from = join(home, 'campaign');
    const ran = cli('campaign', CAMPAIGN, '--out', from, '--yes');
    expect(ran.code, ran.stderr).toBe(0);
    const cited = readdirSync(join(from, 'results')).filter((f) => f.endsWith('.json'));
    expect(cited.length).toBe(2); // q0: one run at 2,000/s and one search

    // A journal cell the campaign file no longer lists (a query since dropped): left out, with a
    // note, and its Result (missing here) not cited.
    const foreign = { state: 'done', cell: 'nexmark/q7 | local parallelism=1 | find-max 2000..4000', runId: 'gone', result: join(from, 'results', 'gone.json'), costUsd: 0, verdict: 'pass', leftovers: 0, at: new Date().toISOString() };
    appendFileSync(join(from, 'campaign-journal.jsonl'), JSON.stringify(foreign) + '\n');

    const out = join(home, 'report');
    const pub = cli('publish', CAMPAIGN, '--from', from, '--out', out);
    expect(pub.code, pub.stderr).toBe(0);
    expect(pub.stderr).toMatch(/1 cell\(s\) of the journal are not in .*small\.campaign\.yaml and are left out: nexmark\/q7/);
    expect(readdirSync(join(out, 'results')).sort()).toEqual([...cited].sort());
    const md = readFileSync(join(out, 'README.md'), 'utf8');
    expect(md).not.toContain('nexmark/q7');
    // The measured table: the search's spread, the answers behind each latency, the CPU split.
    expect(md).toContain('| workload | configuration | sustained/s (find-max) | rate/s | achieved/s | latency at that rate | verdict | events per SUT CPU-s | CPU s: harness / transport / SUT | cost/h | Result |');
    // 2,000 and 4,000/s both pass on the local engine (the search's ceiling, shown as a lower
    // bound) — unless a busy machine stalls the harness past the 1 s SLO at 4,000/s, when the
    // search finds 2,000 or more: either way the cell gives the rate, its searches and its trials.
    expect(md).toMatch(/\| nexmark\/q0 \| local parallelism=1 \| (≥ 4,000 \(1 search\), \d+ trials \(no trial failed: the search's ceiling\)|[\d,]+ \(1 search\), \d+ trials) \|/);
    expect(md).toMatch(/ms (p99|max) of [\d,]+ answers? \|/);
    // The local engine runs inside the harness process: its CPU is not measured apart.
    expect(md).toMatch(/\| — \| \d+\.\d \/ — \/ — \|/);
    expect(md).toContain('![Latency by percentile, nexmark/q0](charts/measured-nexmark-q0-latency-percentiles.png)');
    expect(existsSync(join(out, 'charts', 'measured-nexmark-q0-latency-percentiles.png'))).toBe(true);
    expect(md).toMatch(/## About these figures\n\nA smoke test of `publish`/);
    for (const h of ['## The guarantee each platform gives', '## Measured runs and searches', '## The three questions', '## A day of load: which applications suit Flock', "## The model's own error", '## Charts']) expect(md).toContain(h);
    expect(md).toMatch(/### nexmark\/q0 at 2,000 events\/s, p99 ≤ 1000 ms|### nexmark\/q0 at 2,000 events\/s, p99 ≤ 1.00 s/);
    expect(md).toMatch(/\*\*EC2 or Managed Flink\?\*\*/);
    expect(md).toMatch(/\*\*Flink or Flock\?\*\*/);
    expect(md).toMatch(/(holds|does not hold) across the band/);
    expect(md).toMatch(/Flock on Lambda \| none: Flock offers no exactly-once/);
    for (const shape of ['diurnal', 'bursty', 'office-hours']) expect(md).toContain(`nexmark/q0: ${shape} day`);
    for (const f of cited) expect(md).toContain(`(results/${f})`);
    expect(existsSync(join(out, 'charts', 'crossover-nexmark-q0.png'))).toBe(true);

    // A cited Result that is missing: one line, exit 2, nothing written.
    rmSync(join(from, 'results', cited[0]!));
    const bad = cli('publish', CAMPAIGN, '--from', from, '--out', join(home, 'report-2'));
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/cites 1 Result file\(s\) that do not exist/);
    // One line for the error; the other is the note about the journal cell left out above.
    expect(bad.stderr.trim().split('\n').filter((l) => !/are left out/.test(l))).toHaveLength(1);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(home, 'report-2'))).toBe(false);
  }, 240_000);
});

/** The report's generation date is the one line a re-render may change. */
const undated = (md: string) => md.replace(/^Made by `streamscore publish` on \d{4}-\d{2}-\d{2} /m, 'Made by `streamscore publish` on DATE ');

describe('streamscore publish --results (re-render from a folder of Results, nothing measured)', () => {
  const committed = join(FIRST_REPORT, 'results');
  const names = readdirSync(committed).sort();

  it('re-renders the first comparison from its own nine Results: the README equal to the committed one but for the date, the same Results and charts', () => {
    const out = join(home, 'first-comparison');
    const r = cli('publish', FIRST, '--results', committed, '--out', out, '--json');
    expect(r.code, r.stderr).toBe(0);
    const json = JSON.parse(r.stdout) as { readme: string; results: string[]; charts: string[] };
    expect(json.readme).toBe(join(out, 'README.md'));
    expect(json.results.map((f) => f.slice(join(out, 'results').length + 1)).sort()).toEqual(names);
    expect(names).toHaveLength(9);
    expect(undated(readFileSync(join(out, 'README.md'), 'utf8'))).toBe(undated(readFileSync(join(FIRST_REPORT, 'README.md'), 'utf8')));
    for (const n of names) expect(readFileSync(join(out, 'results', n)).equals(readFileSync(join(committed, n))), n).toBe(true);
    expect(readdirSync(join(out, 'charts')).sort()).toEqual(readdirSync(join(FIRST_REPORT, 'charts')).sort());
  }, 120_000);

  it('a cell with no Result of its configuration: one line naming the cell, exit 2, nothing written', () => {
    const dir = join(home, 'one-missing');
    cpSync(committed, dir, { recursive: true });
    rmSync(join(dir, names.find((n) => n.includes('-flink-nexmark-q5-'))!));
    const out = join(home, 'report-missing');
    const r = cli('publish', FIRST, '--results', dir, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No Result in .*one-missing matches the cell "nexmark\/q5 \| Flink local \(1 TaskManager, parallelism 1\) \| find-max 16000\.\.400000": a find-max search of nexmark\/q5 on flink \(target local\)/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);

    const j = cli('publish', FIRST, '--results', dir, '--out', out, '--json');
    expect(j.code).toBe(2);
    expect((JSON.parse(j.stdout) as { error: { message: string } }).error.message).toMatch(/matches the cell "nexmark\/q5 \| Flink local/);
  });

  it('two Results of one cell\'s configuration: one line naming the cell and both runs; a Result of no cell is left out with a note', () => {
    const dir = join(home, 'ambiguous');
    cpSync(committed, dir, { recursive: true });
    const q7 = names.find((n) => n.includes('-flock-nexmark-q7-'))!;
    const copy = JSON.parse(readFileSync(join(committed, q7), 'utf8')) as { runId: string; config: { knobs: Record<string, unknown> } };
    writeFileSync(join(dir, 'again.json'), JSON.stringify({ ...copy, runId: 'again' }));
    const out = join(home, 'report-ambiguous');
    const r = cli('publish', FIRST, '--results', dir, '--out', out);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/2 Results in .*ambiguous match the cell "nexmark\/q7 \| Flock on the local Lambda service \| find-max 4000\.\.400000" \(.*\): 20261205T223008Z-flock-nexmark-q7-26e43d\.json, again\.json\./);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(out)).toBe(false);

    // Another configuration (2 GB Lambdas) matches no cell: left out, the report made from the nine.
    writeFileSync(join(dir, 'again.json'), JSON.stringify({ ...copy, runId: 'other', config: { ...copy.config, knobs: { ...copy.config.knobs, memory: 2048 } } }));
    const ok = cli('publish', FIRST, '--results', dir, '--out', out);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/1 Result\(s\) in .*ambiguous match no cell of .*first-comparison\.campaign\.yaml and are left out: again\.json\./);
    expect(readdirSync(join(out, 'results')).sort()).toEqual(names);
  }, 120_000);

  it('needs exactly one of --from and --results', () => {
    const r = cli('publish', FIRST, '--out', join(home, 'neither'));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Exactly one of the following must be provided: --from, --results/);
  });
});

describe('a cell and the Result of its configuration', () => {
  const search = readResult(join(FIRST_REPORT, 'results', '20261205T215853Z-flink-nexmark-q5-99d98f.json'));
  const { findMax: _, ...once } = search;
  const cell = (kind: CampaignCell['kind'], rate = 16000): CampaignCell => ({ id: 'c', kind, workload: 'nexmark/q5', backend: 'flink', target: 'local', knobs: { parallelism: 1 }, label: 'l', params: {}, rate });
  // The parameters as the run resolved them, in another key order: the same configuration.
  const params = { windowSlideMs: 100, windowSizeMs: 500, watermarkDelayMs: 1000 };

  it('a search fits a find-max cell of its workload, backend, target, knobs and parameters, and nothing else', () => {
    expect(resultFitsCell({ cell: cell('find-max'), target: 'local', params }, search)).toBe(true);
    expect(resultFitsCell({ cell: cell('find-max'), target: 'ec2', params }, search)).toBe(false);
    expect(resultFitsCell({ cell: { ...cell('find-max'), knobs: { parallelism: 2 } }, target: 'local', params }, search)).toBe(false);
    expect(resultFitsCell({ cell: cell('find-max'), target: 'local', params: { ...params, watermarkDelayMs: 4000 } }, search)).toBe(false);
    expect(resultFitsCell({ cell: cell('rate', 32000), target: 'local', params }, search)).toBe(false);
  });

  it('a run at a constant rate fits the rate cell of that rate; a run under a shape fits the day cell', () => {
    expect(resultFitsCell({ cell: cell('rate', 32000), target: 'local', params }, once)).toBe(true);
    expect(resultFitsCell({ cell: cell('rate', 16000), target: 'local', params }, once)).toBe(false);
    expect(resultFitsCell({ cell: cell('day'), target: 'local', params }, once)).toBe(false);
    const day = { ...once, config: { ...once.config, load: { ...once.config.load, shape: { kind: 'step', steps: [] } } } };
    expect(resultFitsCell({ cell: cell('day'), target: 'local', params }, day)).toBe(true);
    expect(resultFitsCell({ cell: cell('rate', 32000), target: 'local', params }, day)).toBe(false);
  });
});
