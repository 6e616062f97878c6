import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** The local backend stopped by SIGTERM, by SIGHUP, and by the death of the npm process it runs under. */
const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-signals-'));
const env = { ...process.env, HOME: tmp };

async function waitFor(f: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!f()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A progress line of the run (stderr, not a TTY): `warmup`/`measure` with its elapsed seconds. */
const PROGRESS = /(warmup|measure)\s+\d+\//;

function result(path: string): { complete: boolean; incompleteReason?: string } {
  return JSON.parse(readFileSync(path, 'utf8')) as { complete: boolean; incompleteReason?: string };
}

describe('a local run stopped by a signal writes its Result, marked incomplete', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: exit ${code}`, async () => {
      const out = join(tmp, `${signal}.json`);
      const child = spawn(process.execPath, [BIN, 'run', 'nexmark/q0', '--rate', '1000', '--duration', '60s', '--out', out], { env, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      child.stderr.on('data', (c: Buffer) => (err += c.toString()));
      const exit = new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
      // The first progress line: the load runs, so the command has its signal handlers. (A fixed
      // wait failed on a busy machine: the signal came before the CLI had loaded.)
      await waitFor(() => PROGRESS.test(err), 45_000);
      child.kill(signal);
      expect(await exit, err).toBe(code);
      expect(err).toMatch(new RegExp(`interrupted \\(${signal}\\)`));
      expect(result(out)).toMatchObject({ complete: false, incompleteReason: 'interrupted' });
    }, 60_000);
  }

  it('under npm, the death of its parent (npm does not pass SIGTERM on) stops it like SIGTERM', async () => {
    const out = join(tmp, 'orphan.json');
    // sh stands in for `npm exec` → `sh -c`: killed with SIGKILL, it passes nothing on.
    const sh = spawn('sh', ['-c', `"${process.execPath}" "${BIN}" run nexmark/q0 --rate 1000 --duration 60s --out "${out}"; true`], {
      env: { ...env, npm_command: 'exec' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    sh.stderr.on('data', (c: Buffer) => (err += c.toString()));
    await waitFor(() => PROGRESS.test(err), 45_000);
    sh.kill('SIGKILL');
    await waitFor(() => existsSync(out), 30_000);
    await waitFor(() => {
      try {
        return result(out).complete === false;
      } catch {
        return false; // being written
      }
    }, 5_000);
    expect(result(out).incompleteReason).toBe('interrupted');
  }, 60_000);
});
