import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect } from 'vitest';
import { javaPrerequisite } from '@streamscore/testkit/prerequisites';
import { cacheRoot } from '../paths.js';

/**
 * The CLI as an operator stops it: `kill` (SIGTERM) while the local cluster starts and while the
 * load runs writes a Result marked incomplete and leaves no JVM; after `kill -9` (SIGKILL) the
 * next run warns about the JVMs the ledger says are alive, and `cleanup` removes them and closes
 * their ledger entries.
 */

const BIN = new URL('../../../../packages/cli/bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-flink-signals-'));
// Its own ledger (HOME), the machine's Flink jars and cluster homes (the cache, left where it is).
const env = { ...process.env, HOME: join(tmp, 'home'), STREAMSCORE_FLINK_CACHE: cacheRoot(), XDG_CACHE_HOME: process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache') };
const started: ChildProcess[] = [];

afterAll(() => {
  for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
});

interface Run {
  child: ChildProcess;
  out: string;
  stderr: () => string;
  /** Resolves when stderr matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  exit: Promise<number | null>;
}

function startRun(name: string, args: string[] = []): Run {
  const out = join(tmp, `${name}.json`);
  const child = spawn(process.execPath, [BIN, 'run', 'nexmark/q0', '--backend', 'flink', '--target', 'local', '--rate', '500', '--duration', '60s', '--quiet', '--out', out, ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  child.stdout!.resume();
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code, sig) => resolve(code ?? (sig ? -1 : null))));
  return {
    child,
    out,
    stderr: () => err,
    exit,
    waitFor: async (re, timeoutMs = 180_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(err)) {
        if (child.exitCode !== null) throw new Error(`the run ended before ${re}: ${err}`);
        if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms: ${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** The pids of the Flink nodes a run said it started. */
function nodePids(stderr: string): number[] {
  return [...stderr.matchAll(/started Flink (?:jobmanager|taskmanager-\d+) \(pid (\d+)\)/g)].map((m) => Number(m[1]));
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function cli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    c.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    c.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

async function expectInterrupted(run: Run): Promise<void> {
  run.child.kill('SIGTERM');
  const code = await run.exit;
  expect(code, run.stderr()).toBe(143);
  expect(run.stderr()).toMatch(/interrupted \(SIGTERM\)/);
  expect(run.stderr()).not.toMatch(/internal error|^\s+at .+:\d+/m);
  expect(existsSync(run.out), run.stderr()).toBe(true);
  const result = JSON.parse(readFileSync(run.out, 'utf8')) as { complete: boolean; incompleteReason?: string };
  expect(result.complete).toBe(false);
  expect(result.incompleteReason).toBe('interrupted');
  const pids = nodePids(run.stderr());
  expect(pids.length).toBeGreaterThanOrEqual(2);
  expect(pids.filter(alive), 'JVMs still running').toEqual([]);
}

const java = javaPrerequisite();

java.describe('SIGTERM and SIGKILL on a local Flink run', () => {
  java.it('SIGTERM while the cluster starts: a Result marked incomplete, no JVM left', async () => {
    const run = startRun('during-start');
    await run.waitFor(/started Flink taskmanager-0 \(pid \d+\)/);
    await expectInterrupted(run);
  }, 240_000);

  java.it('SIGTERM while the load runs: a Result marked incomplete, no JVM left', async () => {
    const run = startRun('during-load');
    await run.waitFor(/Flink job \S+ running/);
    await new Promise((r) => setTimeout(r, 2_000));
    await expectInterrupted(run);
  }, 240_000);

  java.it('SIGKILL: the next run warns about the JVMs left, cleanup removes them and the ledger count drops', async () => {
    const run = startRun('killed');
    await run.waitFor(/Flink cluster ready/);
    run.child.kill('SIGKILL');
    await run.exit;
    const pids = nodePids(run.stderr());
    expect(pids.filter(alive)).toEqual(pids); // SIGKILL skips every teardown: the JVMs stay

    // The next run of the backend says what is left and how to remove it (then stops: its --out is under a file).
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, 'not a folder\n');
    const next = await cli(['run', 'nexmark/q0', '--backend', 'flink', '--target', 'local', '--out', join(blocker, 'x.json')]);
    expect(next.code).toBe(2);
    expect(next.stderr).toMatch(new RegExp(`earlier flink runs left ${pids.length} resource\\(s\\) behind: local-process pid:${pids[0]}`));
    expect(next.stderr).toMatch(/Remove them with: streamscore cleanup --backend flink/);

    const runId = /left \d+ resource\(s\) behind: local-process pid:\d+ of run (\S+) /.exec(next.stderr)![1]!;
    const cleanup = await cli(['cleanup', '--backend', 'flink', '--run-id', runId, '--json']);
    const report = JSON.parse(cleanup.stdout) as { reports: { deleted: { id: string }[] }[]; ledgerOutstanding: number; ledgerOutstandingBefore: number };
    expect(report.reports[0]!.deleted.map((d) => d.id).sort()).toEqual(pids.map((p) => `pid:${p}`).sort());
    expect(report.ledgerOutstandingBefore).toBeGreaterThanOrEqual(pids.length); // and the run's local streams, gone with it
    expect(report.ledgerOutstanding).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 240_000);
});
