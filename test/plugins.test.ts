import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ResultSchema } from '@streamscore/core';

/**
 * A stranger's plugin, installed into a fresh CLI exactly as a user would: the example DuckDB
 * backend (not a workspace; it knows only the published contract packages) is built with its own
 * tsconfig, linked with `streamscore plugins link`, listed by `streamscore backends`, and runs
 * nexmark/q5 end to end. Plugins that break are listed with the reason and break nothing else.
 */
const ROOT = new URL('..', import.meta.url).pathname;
const BIN = join(ROOT, 'packages/cli/bin/run.js');
const EXAMPLE = join(ROOT, 'examples/backend-duckdb');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

const home = mkdtempSync(join(tmpdir(), 'streamscore-plugins-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  HOME: home,
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_CACHE_HOME: join(home, 'cache'),
};
// As in a user's shell: vitest's NODE_ENV=test would make oclif transpile the linked sources.
delete env['NODE_ENV'];

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Listing {
  backends: { name: string; plugin: string; workloads: string[] }[];
  broken: { plugin: string; reason: string }[];
}

/** A plugin package whose `streamscore:backends` hook is the given module text. */
function fakePlugin(name: string, hookSource: string): string {
  const dir = join(home, 'plugins-src', name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify({ name, version: '0.0.1', type: 'module', oclif: { hooks: { 'streamscore:backends': './hook.js' } } }, null, 2),
  );
  writeFileSync(join(dir, 'hook.js'), hookSource);
  return dir;
}

describe('a third-party backend plugin in a fresh CLI', () => {
  beforeAll(() => {
    const build = spawnSync(process.execPath, [TSC, '-p', EXAMPLE], { encoding: 'utf8', timeout: 120_000 });
    expect(build.stdout + build.stderr).toBe('');
    expect(build.status).toBe(0);
  }, 120_000);

  it('is linked with `streamscore plugins link` and listed by `streamscore backends` with its plugin name', () => {
    const before = JSON.parse(cli('backends', '--json').stdout) as Listing;
    expect(before.backends.map((b) => b.name)).not.toContain('duckdb');

    const link = cli('plugins', 'link', EXAMPLE, '--no-install');
    expect(link.code, link.stderr).toBe(0);

    const r = cli('backends', '--json');
    expect(r.code).toBe(0);
    const after = JSON.parse(r.stdout) as Listing;
    expect(after.backends).toContainEqual(expect.objectContaining({ name: 'duckdb', plugin: 'streamscore-backend-duckdb' }));
    expect(after.backends).toContainEqual(expect.objectContaining({ name: 'local', plugin: '@streamscore/plugin-local' }));
    expect(after.broken.map((b) => b.plugin)).not.toContain('streamscore-backend-duckdb');
  });

  it('runs nexmark/q5 on duckdb end to end with verdict pass', () => {
    const out = join(home, 'q5.json');
    const r = cli('run', 'nexmark/q5', '--backend', 'duckdb', '--rate', '5000', '--duration', '3s', '--out', out, '--quiet');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/verdict\s+pass/);
    const result = ResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(result.config.backend).toBe('duckdb');
    expect(result.verdict.status).toBe('pass');
    expect(result.verdict.matched).toBeGreaterThan(0);
    // 3 s measured at 5,000/s, then the load goes on at 5,000/s for q5's horizon so the answers due
    // in those 3 s are final under load: 10 s window + 4 s watermark delay + 1 s = 15 s.
    expect(result.summary.eventsIn).toBe((3 + 15) * 5000);
    expect(result.ledger.map((e) => e.state)).toEqual(['deleted', 'deleted']);
    expect(result.errors).toEqual([]);
  }, 120_000);

  it('refuses a workload the plugin does not declare, in one line', () => {
    const r = cli('run', 'nexmark/q4', '--backend', 'duckdb', '--duration', '1s', '--out', join(home, 'q4.json'));
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Backend duckdb does not run nexmark\/q4\. It runs: nexmark\/q0/);
  });

  it('lists a plugin whose hook throws, or whose backend breaks the contract, with the reason; the rest keeps working', () => {
    const throwing = fakePlugin('streamscore-backend-throws', "export default async () => { throw new Error('cannot reach the licence server'); };\n");
    const malformed = fakePlugin(
      'streamscore-backend-malformed',
      "export default async () => ({ backends: [{ name: 'Bad Name', description: 'x', capabilities: { workloads: ['*'], targets: ['local'], transports: ['memory'], knobs: {} } }] });\n",
    );
    for (const dir of [throwing, malformed]) expect(cli('plugins', 'link', dir, '--no-install').code).toBe(0);

    const r = cli('backends', '--json');
    expect(r.code).toBe(0);
    const listing = JSON.parse(r.stdout) as Listing;
    expect(listing.backends.map((b) => b.name)).toEqual(expect.arrayContaining(['duckdb', 'local']));
    expect(listing.backends.map((b) => b.name)).not.toContain('Bad Name');
    expect(listing.broken).toContainEqual({
      plugin: 'streamscore-backend-throws',
      reason: expect.stringMatching(/its streamscore:backends hook failed: cannot reach the licence server/),
    });
    expect(listing.broken).toContainEqual({
      plugin: 'streamscore-backend-malformed',
      reason: expect.stringMatching(/a backend it offers breaks the contract at name: backend names are lower-case/),
    });

    const text = cli('backends');
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/! streamscore-backend-throws failed to load: .*licence server.*streamscore plugins uninstall streamscore-backend-throws/);

    const run = cli('run', 'nexmark/q0', '--backend', 'duckdb', '--rate', '2000', '--duration', '1s', '--out', join(home, 'q0.json'), '--quiet');
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/verdict\s+pass/);
  }, 120_000);
});
