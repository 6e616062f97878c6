import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type Result, type Row, writeResult } from '@streamscore/core';
import { MemoryHarnessTransport, runBenchmark } from '@streamscore/harness';
import { localBackend } from '@streamscore/plugin-local';
import { q7 } from '@streamscore/workload-nexmark';

const BIN = new URL('../packages/cli/bin/run.js', import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), 'streamscore-scoring-'));
const RATE = 10_000;
// 100 ms windows and a 1 s watermark delay: 12 s of measured load close 120 windows, each with
// at least one answer (q7: the bids at the window's highest price).
const PARAMS = { windowSizeMs: 100, watermarkDelayMs: 1000 };

/** The in-process transport, keeping a copy of every answer so `verify` can be run on them. */
class RecordingTransport extends MemoryHarnessTransport {
  readonly rows: Row[] = [];
  override drain(visit: (row: Row, arrivalMs: number) => void): void {
    super.drain((row, at) => {
      this.rows.push(row);
      visit(row, at);
    });
  }
}

async function run(durationS: number, signal?: AbortSignal): Promise<{ r: Result; rows: Row[] }> {
  const transport = new RecordingTransport();
  const r = await runBenchmark({
    backend: localBackend,
    workload: q7,
    params: PARAMS,
    target: 'local',
    rate: RATE,
    durationS,
    transport,
    toolVersion: 'test',
    ...(signal ? { signal } : {}),
  });
  return { r, rows: transport.rows };
}

/** `streamscore verify --run` on the rows a run produced: its verdict, as JSON. */
function verifyWithRun(name: string, r: Result, rows: Row[]): Result['verdict'] {
  const resultPath = join(tmp, `${name}.json`);
  const rowsPath = join(tmp, `${name}.jsonl`);
  writeResult(resultPath, r);
  writeFileSync(rowsPath, rows.map((x) => JSON.stringify(x)).join('\n') + '\n');
  const p = spawnSync(process.execPath, [BIN, 'verify', '--workload', q7.id, '--results', rowsPath, '--run', resultPath, '--json'], { encoding: 'utf8', timeout: 120_000 });
  expect(p.stderr).not.toMatch(/Error:|at .*\.js:\d+/);
  return JSON.parse(p.stdout) as Result['verdict'];
}

const judged = (v: Result['verdict']) => ({ status: v.status, expected: v.expected, matched: v.matched, missing: v.missing, unexpected: v.unexpected, judgedOn: v.judgedOn });

describe('windowed answers scored under the target load (nexmark/q7 on the local backend)', () => {
  it('scores at least 100 answers, none of them while the load runs below the target', async () => {
    const { r, rows } = await run(12);
    expect(r.verdict.status).toBe('pass');
    expect(r.config.load.postMeasureS).toBe(3); // horizon 1.1 s, rounded up, plus a second
    // Every scored answer is counted in the interval it arrived in.
    const scored = r.intervals.reduce((a, iv) => a + (iv.scored ?? 0), 0);
    expect(r.summary.latency.count).toBeGreaterThanOrEqual(100);
    expect(scored).toBe(r.summary.latency.count);
    // The load ran at the target until the end of the post-measure phase and then stopped: the
    // last interval (the drain) has a target of 0 and scored nothing.
    const below = r.intervals.filter((iv) => iv.targetRate < RATE);
    expect(below.length).toBeGreaterThan(0);
    for (const iv of below) expect({ t: iv.t, phase: iv.phase, scored: iv.scored }).toEqual({ t: iv.t, phase: iv.phase, scored: 0 });
    for (const iv of r.intervals.filter((x) => (x.scored ?? 0) > 0)) expect(iv.targetRate).toBe(RATE);
    // `verify --run` reproduces the run's verdict exactly.
    expect(judged(verifyWithRun('complete', r, rows))).toEqual(judged(r.verdict));
  }, 120_000);

  it('judges an interrupted run incomplete, over the time it ran, and `verify --run` agrees', async () => {
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 2500);
    const { r, rows } = await run(20, ac.signal);
    expect(r.complete).toBe(false);
    expect(r.verdict.status).toBe('incomplete');
    expect(r.verdict.unexpected).toBe(0);
    expect(r.verdict.judgedOn?.interrupted).toBe(true);
    expect(r.verdict.judgedOn?.cutoffMs).not.toBeNull();
    expect(r.summary.ranS).toBeLessThan(3.5);
    // Over the ~2.5 s it ran, not the 20 s planned.
    expect(r.summary.achievedRate).toBeGreaterThan(RATE * 0.8);
    expect(judged(verifyWithRun('interrupted', r, rows))).toEqual(judged(r.verdict));
  }, 120_000);
});
