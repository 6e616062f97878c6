import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
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

  it('--rates prints the cheapest platform at each rate, and crossovers as ranges over the scenarios', () => {
    const r = cli('plan', 'nexmark/q5', '--rates', '1000..1000000', '--per-decade', '1', '--latency-slo', '20s', '--platform', 'kda', '--platform', 'flink-ec2', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { rates: { points: { rate: number; winner: string | null }[]; band: { scenarios: { id: string }[]; crossovers: { low: number; high: number; seenIn: string[] }[] } } };
    expect(out.rates.points.map((p) => p.rate)).toEqual([1000, 10_000, 100_000, 1_000_000]);
    expect(out.rates.band.scenarios.map((s) => s.id)).toEqual(['central (nexmark-v2)', 'nexmark-v1', 'low end of the assumptions', 'high end of the assumptions']);
    for (const c of out.rates.band.crossovers) expect(c.low).toBeLessThanOrEqual(c.high);
  });

  it('sizes EC2 for nexmark/q8 at 1M/s with GUIDE_V2 within 20% of 1,000,000 ÷ 162,120 per core ÷ 0.8 headroom', () => {
    const r = cli('plan', 'nexmark/q8', '--rate', '1000000', '--profile', 'nexmark-v2', '--platform', 'flink-ec2', '--json');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { plan: { recommendation: { evaluation: { config: { instanceType: string; nodes: number } } } } };
    const { instanceType, nodes } = out.plan.recommendation.evaluation.config;
    const vcpus = nodes * Number(JSON.parse(readFileSync(new URL('../../../cost/resources/prices/us-east-1.json', import.meta.url), 'utf8')).ec2.instances[instanceType].vcpu);
    // 1,000,000 / (2,080,000 / 12.83) / 0.8 = 7.71 vCPUs
    const expected = 1_000_000 / (2_080_000 / 12.83) / 0.8;
    expect(Math.abs(vcpus / expected - 1)).toBeLessThanOrEqual(0.2);
  });

  it('--day prices a day of load on all three platforms with the minutes the SLO was missed', () => {
    const r = cli('plan', 'nexmark/q5', '--rate', '100k', '--day', 'office-hours', '--latency-slo', '20s', '--json');
    expect(r.code).toBe(0);
    const day = (JSON.parse(r.stdout) as { day: { minutes: number; rows: { platform: string; totalUsd: number; sloMissedMinutes: number; strategy: string }[] } }).day;
    expect(day.minutes).toBe(1440);
    expect(new Set(day.rows.map((x) => x.platform))).toEqual(new Set(['kda', 'flock-lambda', 'flink-ec2']));
    for (const x of day.rows) {
      expect(x.totalUsd).toBeGreaterThan(0);
      expect(x.sloMissedMinutes).toBeGreaterThanOrEqual(0);
    }
    const csv = join(home, 'day.csv');
    writeFileSync(csv, 'minute,rate\n' + Array.from({ length: 60 }, (_, i) => `${i},${i < 30 ? 1000 : 50000}`).join('\n'));
    const f = cli('plan', 'nexmark/q5', '--day', csv, '--latency-slo', '20s');
    expect(f.code).toBe(0);
    expect(f.stdout).toMatch(/60 minutes, peak 50,000\/s/);
    const bad = cli('plan', 'nexmark/q5', '--day', join(home, 'nope.csv'));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
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

    // A single passing run is not a capacity: no rate is projected from it.
    const chk = cli('plan', '--check', b, '--json');
    expect(chk.code).toBe(0);
    const rows = (JSON.parse(chk.stdout) as { check: { rows: { projectedRate?: number; note: string }[] } }).check.rows;
    expect(rows).toHaveLength(1);
    expect(rows[0]!.projectedRate).toBeUndefined();
    expect(rows[0]!.note).toMatch(/no find-max search/);
  });

  it('--check projects a find-max search from the others and prints its error', () => {
    const a = join(home, 'fm-a.json');
    const run = cli('run', 'nexmark/q0', '--backend', 'local', '--find-max', '--rate', '2000', '--max-rate', '8000', '--latency-slo', '5s', '--duration', '1s', '--out', a, '--quiet');
    expect(run.code).toBe(0);
    // A second search of the same configuration: the same Result under another run id.
    const b = join(home, 'fm-b.json');
    const copy = JSON.parse(readFileSync(a, 'utf8')) as { runId: string; findMax: { sustainedRate: number } };
    copy.runId = `${copy.runId}-copy`;
    writeFileSync(b, JSON.stringify(copy));
    const chk = cli('plan', '--check', a, b, '--json');
    expect(chk.code).toBe(0);
    const rows = (JSON.parse(chk.stdout) as { check: { rows: { measuredRate: number; projectedRate: number; rateErrorPct: number; measuredP99Ms: number; projectedP99Ms: number; latencyErrorPct: number }[] } }).check.rows;
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      expect(row.measuredRate).toBe(copy.findMax.sustainedRate);
      expect(row.rateErrorPct).toBeCloseTo(((row.projectedRate - row.measuredRate) / row.measuredRate) * 100, 6);
      expect(row.latencyErrorPct).toBeCloseTo(((row.projectedP99Ms - row.measuredP99Ms) / row.measuredP99Ms) * 100, 6);
    }
    // Each is projected from the other, which found the same rate.
    expect(rows[0]!.rateErrorPct).toBeCloseTo(0, 6);
  });

  it('asks for a rate, in one line', () => {
    const r = cli('plan', 'nexmark/q0');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Give --rate N/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});
