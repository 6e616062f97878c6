import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import type { IntervalCpu, ProcessRef } from '@streamscore/core';
import { pinProcess, type PinSpec } from './pin.js';

/** One process as /proc/<pid>/stat shows it: its parent and its CPU time so far, in clock ticks. */
export interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

/**
 * Parses /proc/<pid>/stat. The command name (field 2) is in parentheses and may hold spaces and
 * parentheses, so fields are counted from the last ')'. utime and stime are fields 14 and 15.
 */
export function parseProcStat(text: string): ProcStat | undefined {
  const close = text.lastIndexOf(')');
  const pid = Number.parseInt(text, 10);
  if (close < 0 || !Number.isFinite(pid)) return undefined;
  const f = text.slice(close + 2).trim().split(/\s+/);
  // f[0] is field 3 (state): field n is f[n - 3].
  const ppid = Number(f[1]);
  const utime = Number(f[11]);
  const stime = Number(f[12]);
  if (![ppid, utime, stime].every(Number.isFinite)) return undefined;
  return { pid, ppid, ticks: utime + stime };
}

/** Where process statistics come from: /proc on Linux; a test gives its own. */
export interface ProcSource {
  /** Every process now, or undefined where there is no /proc. */
  all(): ProcStat[] | undefined;
  /** Clock ticks per second (`getconf CLK_TCK`). */
  readonly ticksPerSecond: number;
}

export function procFs(root = '/proc'): ProcSource {
  let tps = 100;
  try {
    tps = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    // 100 is the kernel's USER_HZ on every mainstream Linux.
  }
  return {
    ticksPerSecond: tps,
    all() {
      let names: string[];
      try {
        names = readdirSync(root);
      } catch {
        return undefined;
      }
      const out: ProcStat[] = [];
      for (const n of names) {
        if (!/^\d+$/.test(n)) continue;
        try {
          const s = parseProcStat(readFileSync(`${root}/${n}/stat`, 'utf8'));
          if (s) out.push(s);
        } catch {
          // Exited between the listing and the read.
        }
      }
      return out;
    },
  };
}

/**
 * CPU seconds used per interval by the harness (this process), the transport's stand-in
 * (kinesalite) and the system under test, each a set of processes with all their descendants,
 * and the machine's 1-minute load average. A process belongs to the first role that claims it
 * (sut, then transport), so a Flink JVM started by the harness counts once, as the system under
 * test. Time is counted per live process from one sample to the next: a process that exits
 * within an interval loses what it used since the previous sample (its parent's cutime would
 * count it, but also everything already counted, so it is not used).
 */
export class CpuSampler {
  private readonly last = new Map<number, number>();
  private lastSelf = process.cpuUsage();
  private readonly src: ProcSource;
  private readonly pinned = new Set<number>();

  /**
   * `pin` (`--pin`): CPUs per role. The harness is pinned at once; the transport's and the
   * system under test's processes, and their descendants, as each is first seen (children
   * started after that inherit the pin).
   */
  constructor(
    private readonly processes: () => readonly ProcessRef[],
    src?: ProcSource,
    private readonly pin: PinSpec = {},
  ) {
    this.src = src ?? procFs();
    if (pin.harness) pinProcess(process.pid, pin.harness);
    this.sample(); // the first interval starts now
  }

  sample(): IntervalCpu {
    const self = process.cpuUsage(this.lastSelf);
    this.lastSelf = process.cpuUsage();
    const out: IntervalCpu = { harnessS: round((self.user + self.system) / 1e6), load1: round(loadavg()[0] ?? 0) };
    let refs: readonly ProcessRef[] = [];
    try {
      refs = this.processes();
    } catch {
      // A backend that cannot tell its pids now (stopping): this interval has no sut figure.
    }
    const all = refs.length > 0 ? this.src.all() : undefined;
    if (!all) return out;
    const children = new Map<number, ProcStat[]>();
    const byPid = new Map<number, ProcStat>();
    for (const p of all) {
      byPid.set(p.pid, p);
      const c = children.get(p.ppid);
      if (c) c.push(p);
      else children.set(p.ppid, [p]);
    }
    const claimed = new Set<number>([process.pid]);
    const seen = new Map<number, number>();
    for (const role of ['sut', 'transport'] as const) {
      const roots = refs.filter((r) => r.role === role).map((r) => r.pid);
      if (roots.length === 0) continue;
      let ticks = 0;
      const queue = roots.filter((pid) => byPid.has(pid));
      while (queue.length > 0) {
        const pid = queue.pop()!;
        if (claimed.has(pid) && !roots.includes(pid)) continue;
        claimed.add(pid);
        const p = byPid.get(pid)!;
        ticks += p.ticks - (this.last.get(pid) ?? 0);
        seen.set(pid, p.ticks);
        const cpus = this.pin[role];
        if (cpus && !this.pinned.has(pid)) {
          pinProcess(pid, cpus);
          this.pinned.add(pid);
        }
        for (const c of children.get(pid) ?? []) queue.push(c.pid);
      }
      out[role === 'sut' ? 'sutS' : 'transportS'] = round(Math.max(0, ticks) / this.src.ticksPerSecond);
    }
    this.last.clear();
    for (const [pid, t] of seen) this.last.set(pid, t);
    return out;
  }
}

/** The run's CPU seconds by role: the sum of its intervals' (absent where no interval had it). */
export function cpuTotals(intervals: readonly { cpu?: IntervalCpu | undefined }[]): { harnessS: number; transportS?: number; sutS?: number } | undefined {
  let any = false;
  const t: { harnessS: number; transportS?: number; sutS?: number } = { harnessS: 0 };
  for (const iv of intervals) {
    if (!iv.cpu) continue;
    any = true;
    t.harnessS += iv.cpu.harnessS;
    if (iv.cpu.transportS !== undefined) t.transportS = (t.transportS ?? 0) + iv.cpu.transportS;
    if (iv.cpu.sutS !== undefined) t.sutS = (t.sutS ?? 0) + iv.cpu.sutS;
  }
  if (!any) return undefined;
  t.harnessS = round(t.harnessS);
  if (t.transportS !== undefined) t.transportS = round(t.transportS);
  if (t.sutS !== undefined) t.sutS = round(t.sutS);
  return t;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
