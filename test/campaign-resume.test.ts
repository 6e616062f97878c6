/**
 * `streamscore campaign FILE --yes` with local cells, in a child process SIGKILLed half-way, then
 * run again: no finished cell runs twice, the killed cell's run is swept through its backend's
 * cleanup and the cell runs again, and every cell ends with a Result.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ss-campaign-resume-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function env(): NodeJS.ProcessEnv {
  return { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('AWS_'))), HOME: dir };
}

function campaign(args: string[]) {
  return spawnSync(process.execPath, [BIN, 'campaign', ...args], { encoding: 'utf8', timeout: 240_000, env: env() });
}

describe('streamscore campaign --yes, killed and resumed', () => {
  it('--yes killed half-way (SIGKILL) and run again: finished cells are not repeated, every cell ends with a Result', async () => {
    const file = join(dir, 'local.yaml');
    const out = join(dir, 'local-out');
    writeFileSync(file, 'title: local campaign\nmaxCostUsd: 0.01\nworkloads: [nexmark/q0]\nbackends: [{ backend: local }]\nrates: [1000, 2000, 3000]\nduration: 2s\n');
    const journalPath = join(out, 'campaign-journal.jsonl');
    const lines = () => (existsSync(journalPath) ? readFileSync(journalPath, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { state: string; cell: string; runId: string }) : []);
    // First invocation: killed as soon as its first cell is done and the second has started.
    const child = spawn(process.execPath, [BIN, 'campaign', file, '--out', out, '--yes'], { env: env(), stdio: 'ignore' });
    const exited = new Promise<number | null>((r) => child.once('exit', (code, signal) => r(signal ? -1 : code)));
    const deadline = Date.now() + 120_000;
    while (!lines().some((l) => l.state === 'started' && l.cell.endsWith('rate 2000')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGKILL');
    expect(await exited).toBe(-1);
    const before = lines();
    expect(before.filter((l) => l.state === 'done').map((l) => l.cell)).toEqual(['nexmark/q0 | local | rate 1000']);
    const killedRun = before.find((l) => l.state === 'started' && l.cell.endsWith('rate 2000'))!.runId;

    const again = campaign([file, '--out', out, '--yes', '--json']);
    expect(again.status, again.stderr).toBe(0);
    const outcome = (JSON.parse(again.stdout) as { outcome: { cells: { cell: string; status: string; verdict?: string }[]; spentUsd: number } }).outcome;
    expect(outcome.cells.map((c) => [c.cell, c.status])).toEqual([
      ['nexmark/q0 | local | rate 1000', 'done earlier'],
      ['nexmark/q0 | local | rate 2000', 'done'],
      ['nexmark/q0 | local | rate 3000', 'done'],
    ]);
    expect(outcome.cells.every((c) => c.verdict === 'pass')).toBe(true);
    const after = lines();
    // Each cell done exactly once; the killed run was swept before its cell ran again.
    expect(after.filter((l) => l.state === 'done').map((l) => l.cell)).toEqual(outcome.cells.map((c) => c.cell));
    expect(after.find((l) => l.state === 'cleaned')).toMatchObject({ runId: killedRun });
    expect(readdirSync(join(out, 'results')).filter((f) => f.endsWith('.json'))).toHaveLength(3);
    // The local backend bills nothing.
    expect(outcome.spentUsd).toBe(0);
  }, 240_000);
});
