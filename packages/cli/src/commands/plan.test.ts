import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/** `streamscore plan` exactly as a user runs it: the built bin, a child process, a scratch HOME. */
const BIN = new URL('../../bin/run.js', import.meta.url).pathname;
const home = mkdtempSync(join(tmpdir(), 'streamscore-plan-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', timeout: 120_000, env: { ...process.env, HOME: home } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Fig {
  value: number;
  basis: string;
  source: string;
}

describe('streamscore plan', () => {
  it('lists configurations of all three platforms with costs (nexmark/q5 at 100k events/s, p99 ≤ 2 s)', () => {
    const r = cli('plan', 'nexmark/q5', '--rate', '100000', '--latency-slo', '2s', '--json');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as {
      mode: string;
      plan: { platforms: { platform: string; candidates: { label: string; costPerHourUsd: Fig; costPerMillionEventsUsd: Fig; sustainableRate: Fig; latencyP99Ms: Fig; readinessS: Fig }[] }[]; noRecommendation?: string };
    };
    expect(out.mode).toBe('plan');
    expect(out.plan.platforms.map((p) => p.platform)).toEqual(['kda', 'flock-lambda', 'flink-ec2']);
    for (const p of out.plan.platforms) {
      expect(p.candidates.length).toBeGreaterThan(0);
      const c = p.candidates[0]!;
      expect(c.costPerHourUsd.value).toBeGreaterThan(0);
      expect(c.costPerMillionEventsUsd.value).toBeGreaterThan(0);
      expect(c.sustainableRate.value).toBeGreaterThanOrEqual(100_000);
      for (const f of [c.costPerHourUsd, c.sustainableRate, c.latencyP99Ms, c.readinessS]) expect(['measured', 'projected']).toContain(f.basis);
    }
    // A windowed query's answer is due at the window's end and fires a 4 s watermark delay later.
    expect(out.plan.noRecommendation).toMatch(/watermark delay 4000/);
  });

  it('prints a table per platform and a recommendation when the SLO allows one', () => {
    const r = cli('plan', 'nexmark/q0', '--rate', '10k', '--latency-slo', '2s');
    expect(r.code).toBe(0);
    for (const t of ['Managed Flink (KDA)', 'Flock on Lambda', 'Flink on EC2']) expect(r.stdout).toContain(t);
    expect(r.stdout).toMatch(/config\s+sustains\/s\s+p99\s+cost\/h/);
    expect(r.stdout).toMatch(/Recommendation: /);
  });

  it('--rates prints the cheapest platform at each rate and where they cross', () => {
    const r = cli('plan', 'nexmark/q0', '--rates', '1000..10000000', '--per-decade', '2', '--latency-slo', '2s');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Crossover: Flock on Lambda is cheapest below ~[\d,]+ events\/s, Flink on EC2 above it\./);
  });

  it('--chart writes the crossover and cost-vs-latency charts', () => {
    const dir = join(home, 'charts');
    const r = cli('plan', 'nexmark/q0', '--rates', '1000..1000000', '--per-decade', '1', '--rate', '50000', '--chart', dir, '--json');
    expect(r.code).toBe(0);
    for (const f of ['plan-crossover.png', 'plan-crossover.svg', 'plan-cost-latency.png', 'plan-cost-latency.svg']) expect(existsSync(join(dir, f))).toBe(true);
  });

  it('--calibrate folds a measured run in, and --check compares another run with what the planner projects', () => {
    const a = join(home, 'a.json');
    const b = join(home, 'b.json');
    for (const [out, rate] of [[a, '20000'], [b, '40000']] as const) {
      const run = cli('run', 'nexmark/q0', '--backend', 'local', '--rate', rate, '--duration', '1s', '--latency-slo', '5s', '--out', out, '--quiet');
      expect(run.code).toBe(0);
    }
    const cal = cli('plan', '--calibrate', a, '--json');
    expect(cal.code).toBe(0);
    expect(JSON.parse(cal.stdout).calibration).toMatchObject({ added: 1, measuredPoints: 1 });
    const saved = JSON.parse(readFileSync(join(home, '.streamscore', 'calibration.json'), 'utf8')) as { points: { workload: string; lowerBoundRate?: number }[] };
    expect(saved.points).toHaveLength(1);
    expect(saved.points[0]!.workload).toBe('nexmark/q0');

    const chk = cli('plan', '--check', b, '--json');
    expect(chk.code).toBe(0);
    const rows = (JSON.parse(chk.stdout) as { check: { rows: { measuredRate: number; projectedRate: number; rateErrorPct: number; measuredP99Ms: number; projectedP99Ms: number; latencyErrorPct: number }[] } }).check.rows;
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row.rateErrorPct).toBeCloseTo(((row.projectedRate - row.measuredRate) / row.measuredRate) * 100, 6);
    expect(row.latencyErrorPct).toBeCloseTo(((row.projectedP99Ms - row.measuredP99Ms) / row.measuredP99Ms) * 100, 6);
  });

  it('asks for a rate, in one line', () => {
    const r = cli('plan', 'nexmark/q0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Give --rate N/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
