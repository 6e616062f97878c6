import { spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `streamscore campaign` then `streamscore publish` on the small example campaign, as a user runs them. */
const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const CAMPAIGN = new URL('../../../../examples/publish/small.campaign.yaml', import.meta.url).pathname;
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
    // 2,000 and 4,000/s both pass on the local engine: the search's ceiling, shown as a lower bound.
    expect(md).toMatch(/\| nexmark\/q0 \| local parallelism=1 \| ≥ 4,000 \(1 search\), \d+ trials \(no trial failed: the search's ceiling\) \|/);
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
