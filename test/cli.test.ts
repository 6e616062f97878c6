import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync, chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ResultSchema } from '@streamscore/core';

/** The CLI exactly as a user runs it: the built bin, a child process. */
const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HOME: tmp } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('streamscore CLI', () => {
  it('lists the local backend, registered through the plugin hook', () => {
    const r = cli('backends', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { backends: { name: string; plugin: string }[] };
    expect(out.backends).toContainEqual(expect.objectContaining({ name: 'local', plugin: '@streamscore/plugin-local' }));
  });

  it('lists the NEXMark queries', () => {
    const r = cli('workloads', '--json');
    expect(r.code).toBe(0);
    const ids = (JSON.parse(r.stdout) as { workloads: { id: string }[] }).workloads.map((w) => w.id);
    expect(ids).toEqual(expect.arrayContaining(['nexmark/q0', 'nexmark/q1', 'nexmark/q2']));
  });

  for (const q of ['q0', 'q1', 'q2']) {
    it(`runs nexmark/${q} on the local backend and writes a valid Result whose verdict is pass`, () => {
      const out = join(tmp, `${q}.json`);
      const r = cli('run', `nexmark/${q}`, '--backend', 'local', '--rate', '20000', '--duration', '2s', '--out', out, '--quiet');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/latency p99\.9/);
      expect(r.stdout).toMatch(/verdict\s+pass/);
      const result = ResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
      expect(result.verdict.status).toBe('pass');
      expect(result.summary.eventsIn).toBe(40_000);
      expect(result.verdict.matched).toBe(result.summary.eventsOut);
      expect(result.intervals.length).toBeGreaterThanOrEqual(2);
    });
  }

  const bad: [string, string[], RegExp][] = [
    ['an unknown workload', ['run', 'nexmark/q99'], /Unknown workload "nexmark\/q99". Known workloads: .*nexmark\/q0/],
    ['an unknown backend', ['run', 'nexmark/q0', '--backend', 'sparkle'], /Unknown backend "sparkle"/],
    ['a rate of zero', ['run', 'nexmark/q0', '--rate', '0'], /--rate must be a positive number/],
    ['a negative rate', ['run', 'nexmark/q0', '--rate=-5'], /--rate must be a positive number/],
    ['a malformed duration', ['run', 'nexmark/q0', '--duration', 'ten'], /--duration "ten" is not a duration/],
    ['an unknown knob', ['run', 'nexmark/q0', '--knob', 'nodes=3'], /has no knob "nodes"/],
    ['a malformed fault', ['run', 'nexmark/q0', '--fault', 'kill-taskmanager'], /--fault "kill-taskmanager" is not KIND@TIME/],
    ['a fault the backend cannot inject', ['run', 'nexmark/q0', '--fault', 'kill-taskmanager@1s'], /local on target local cannot inject kill-taskmanager; it injects no faults/],
    ['a fault on a target that cannot do it', ['run', 'nexmark/q0', '--backend', 'flock', '--target', 'aws', '--fault', 'function-crash@1s', '--region', 'us-east-1'], /flock on target aws cannot inject function-crash/],
  ];
  for (const [what, args, message] of bad) {
    it(`refuses ${what} with one clear line and no stack`, () => {
      const r = cli(...args);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/);
    });
  }

  it('refuses an unwritable output path before running', () => {
    const ro = join(tmp, 'readonly');
    mkdirSync(ro, { recursive: true });
    chmodSync(ro, 0o500);
    const asRoot = process.getuid?.() === 0;
    const target = asRoot ? join(tmp, 'q0.json', 'x.json') : join(ro, 'x.json'); // root can write anywhere but under a file
    const r = cli('run', 'nexmark/q0', '--duration', '1s', '--out', target);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Cannot write the Result to/);
    expect(existsSync(target)).toBe(false);
  });

  it('stops on Ctrl-C, writes the Result marked incomplete and exits non-zero', async () => {
    const out = join(tmp, 'interrupted.json');
    const child = spawn(process.execPath, [BIN, 'run', 'nexmark/q0', '--rate', '10000', '--duration', '60s', '--out', out], {
      env: { ...process.env, HOME: tmp },
    });
    let stderr = '';
    // Interrupt once the load is running (the first progress line), however slow the start.
    const running = new Promise<void>((resolve) =>
      child.stderr.on('data', (d) => {
        stderr += String(d);
        if (/measure/.test(stderr)) resolve();
      }),
    );
    await running;
    await new Promise((r) => setTimeout(r, 1000));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', r));
    expect(code).toBe(130);
    expect(stderr).toMatch(/interrupted/);
    const result = ResultSchema.parse(JSON.parse(readFileSync(out, 'utf8')));
    expect(result.complete).toBe(false);
    expect(result.summary.eventsIn).toBeGreaterThan(0);
    expect(result.summary.eventsIn).toBeLessThan(600_000);
  });

  it('writes Beam-identical NEXMark events as JSON lines', () => {
    const r = cli('generate', 'nexmark', '--events', '3', '--gen', 'numEventGenerators=1');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    // The first events of Beam's standard configuration, pinned from Beam's own generator.
    const pins = JSON.parse(readFileSync(new URL('../workloads/nexmark/src/generator/parity-pins.json', import.meta.url), 'utf8')) as {
      cases: { name: string; overrides: Record<string, unknown>; firstEvents: Record<string, unknown>[] }[];
    };
    const standard = pins.cases.find((c) => c.name === 'standard')!;
    expect(standard.overrides).toEqual({ numEventGenerators: 1 });
    expect(lines).toEqual(standard.firstEvents.slice(0, 3));
  });

  it('writes YSB events as CSV with a header', () => {
    const r = cli('generate', 'ysb', '--events', '2', '--format', 'csv');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('user_id,page_id,ad_id,ad_type,event_type,event_time,ip_address');
  });

  it('has --help with an example for every command', () => {
    for (const c of ['run', 'generate', 'backends', 'workloads']) {
      const r = cli(c, '--help');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/EXAMPLES/);
    }
  });

  it('compares a matrix from one file (the local engine in one thread and on two worker threads) and writes one report', () => {
    const file = join(tmp, 'matrix.yaml');
    writeFileSync(
      file,
      `title: parallelism
workloads: [nexmark/q1, ysb/campaigns]
backends:
  - { backend: local }
  - { backend: local, knobs: { parallelism: 2 } }
load: { rate: 5000, duration: 2s }
`,
    );
    const out = join(tmp, 'cmp');
    const r = cli('compare', file, '--out', out, '--json', '--quiet');
    expect(r.code).toBe(0);
    const answer = JSON.parse(r.stdout) as { report: string; results: string[]; skipped: unknown[] };
    expect(answer.skipped).toEqual([]);
    expect(answer.results).toHaveLength(4);
    for (const path of answer.results) {
      const result = ResultSchema.parse(JSON.parse(readFileSync(path, 'utf8')));
      expect(result.verdict.status).toBe('pass');
    }
    const workers = answer.results.map((p) => ResultSchema.parse(JSON.parse(readFileSync(p, 'utf8'))).intervals[0]!.backend['workers']);
    expect(workers).toEqual([1, 2, 1, 2]);
    expect(existsSync(answer.report)).toBe(true);
  });
});
