import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STANDARD_NEXMARK_CONFIG } from './config.js';
import { NexmarkGenerator } from './generator.js';
import { formatEvent } from './serialize.js';

/** One benchmark figure, as `npm run bench` prints them. */
export type BenchRow = { name: string; value: number; unit: string; note?: string };

export interface BenchGeneratorOptions {
  /** Events per timed run (default 2,000,000). */
  events?: number;
  /** Timed runs; the best one is reported (default 5). */
  runs?: number;
  /** Compare with Beam's own generator via tools/beam-parity when Java and Maven are there. */
  beam?: boolean;
  /** Upper bound for building the Beam tool when it is not built yet (default 120 s). */
  beamBuildTimeoutMs?: number;
}

interface Rate {
  /** Events per wall-clock second. */
  wall: number;
  /** Events per second of this process's CPU time: the one-core figure, robust to a busy host. */
  cpu: number;
}

/** Runs `count` events through a fresh generator, touching every field. */
function timeGenerator(count: number, withJsonl: boolean): Rate & { checksum: number } {
  const g = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { maxEvents: count });
  let checksum = 0;
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  if (withJsonl) {
    while (g.hasNext()) checksum += formatEvent(g.next(), 'jsonl').length;
  } else {
    while (g.hasNext()) {
      const e = g.next();
      checksum += e.dateTime + e.extra.length;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuSecs = (cpu.user + cpu.system) / 1e6;
  return { wall: count / secs, cpu: count / Math.max(cpuSecs, 1e-6), checksum };
}

function bestOf(runs: number, count: number, withJsonl: boolean): { best: Rate; median: Rate } {
  // Warm-up so the hot paths are optimised before timing.
  timeGenerator(Math.min(count, 500_000), withJsonl);
  const rates: Rate[] = [];
  for (let i = 0; i < runs; i++) rates.push(timeGenerator(count, withJsonl));
  const pick = (key: keyof Rate) => {
    const sorted = rates.map((r) => r[key]).sort((a, b) => a - b);
    return { best: sorted[sorted.length - 1]!, median: sorted[Math.floor(sorted.length / 2)]! };
  };
  const wall = pick('wall');
  const cpu = pick('cpu');
  return { best: { wall: wall.best, cpu: cpu.best }, median: { wall: wall.median, cpu: cpu.median } };
}

function run(cmd: string, args: string[], timeoutMs: number, cwd?: string): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 16 << 20, cwd }, (err, stdout, stderr) => {
      resolve({ ok: !err, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** tools/beam-parity/run.sh, found by walking up from this file (src/ or dist/). */
function findBeamParityScript(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'tools', 'beam-parity', 'run.sh');
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return undefined;
}

interface BeamTiming {
  bestEventsPerSec: number;
  bestCpuEventsPerSec: number;
  meanEventsPerSec: number;
  beamVersion: string;
  java: string;
}

async function timeBeam(events: number, buildTimeoutMs: number): Promise<BeamTiming | string> {
  const script = findBeamParityScript();
  if (!script) return 'tools/beam-parity not found';
  for (const tool of ['java', 'mvn']) {
    if (!(await run(tool, ['-version'], 20_000)).ok) return `${tool} not available`;
  }
  const built = existsSync(join(dirname(script), 'target', 'classpath.txt'));
  if (!built) {
    const b = await run('bash', [script, 'build'], buildTimeoutMs);
    if (!b.ok) return `could not build tools/beam-parity within ${Math.round(buildTimeoutMs / 1000)} s`;
  }
  const r = await run('bash', [script, 'time', 'standard', String(events)], 120_000);
  if (!r.ok) return `Beam timing failed: ${r.stderr.trim().split('\n').pop() ?? ''}`;
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as BeamTiming;
  } catch {
    return `unexpected Beam output: ${line.slice(0, 200)}`;
  }
}

/**
 * Generator throughput on one core: Beam's standard config (numEventGenerators 1), every field
 * built, extra padding included. With Java and Maven present, the same number of events through
 * Beam's own Generator (tools/beam-parity `time` mode, JIT warmed up 3 s) and the ratio.
 */
export async function benchGenerator(opts: BenchGeneratorOptions = {}): Promise<BenchRow[]> {
  const events = opts.events ?? 2_000_000;
  const runs = opts.runs ?? 5;
  const rows: BenchRow[] = [];
  const ours = bestOf(runs, events, false);
  rows.push({
    name: 'nexmark generator',
    value: Math.round(ours.best.wall),
    unit: 'events/s',
    note: `wall clock, best of ${runs} x ${events} events (median ${Math.round(ours.median.wall)}), standard config, one core, node ${process.version}`,
  });
  rows.push({
    name: 'nexmark generator (per CPU second)',
    value: Math.round(ours.best.cpu),
    unit: 'events/s',
    note: `events per second of process CPU time, best of ${runs} (median ${Math.round(ours.median.cpu)}); unaffected by other load on the host`,
  });
  const jsonl = bestOf(Math.min(runs, 3), Math.min(events, 1_000_000), true);
  rows.push({
    name: 'nexmark generator + JSONL formatting',
    value: Math.round(jsonl.best.wall),
    unit: 'events/s',
    note: `wall clock, best of ${Math.min(runs, 3)} x ${Math.min(events, 1_000_000)} events`,
  });
  if (opts.beam !== false) {
    const beam = await timeBeam(events, opts.beamBuildTimeoutMs ?? 120_000);
    if (typeof beam === 'string') {
      rows.push({ name: 'Beam generator (Java)', value: Number.NaN, unit: 'events/s', note: `skipped: ${beam}` });
    } else {
      rows.push({
        name: 'Beam generator (Java)',
        value: beam.bestEventsPerSec,
        unit: 'events/s',
        note: `wall clock, best of 3 x ${events} events (mean ${beam.meanEventsPerSec}), beam-sdks-java-nexmark ${beam.beamVersion}, Java ${beam.java}`,
      });
      rows.push({
        name: 'Beam generator (Java, per CPU second)',
        value: beam.bestCpuEventsPerSec,
        unit: 'events/s',
        note: 'events per second of JVM process CPU time (JIT and GC threads included), best of 3',
      });
      rows.push({
        name: 'nexmark generator: ours / Beam',
        value: Math.round((ours.best.wall / beam.bestEventsPerSec) * 100) / 100,
        unit: 'x',
        note: 'wall clock, best vs best, same config and event count',
      });
      rows.push({
        name: 'nexmark generator: ours / Beam (per CPU second)',
        value: Math.round((ours.best.cpu / beam.bestCpuEventsPerSec) * 100) / 100,
        unit: 'x',
        note: 'process CPU time, best vs best; robust to other load on the host',
      });
    }
  }
  return rows;
}
