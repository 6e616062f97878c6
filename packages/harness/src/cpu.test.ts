import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { ProcessRef } from '@streamscore/core';
import { CpuSampler, cpuTotals, parseProcStat, procFs, type ProcSource, type ProcStat } from './cpu.js';

describe('parseProcStat', () => {
  it('reads ppid and utime+stime after the last parenthesis of a command name with spaces and parentheses', () => {
    // Fields 1–17 of a real line, with a hostile comm.
    const line = '4242 (java (x) y) S 4200 4242 4200 0 -1 4194560 9000 0 0 0 1234 567 3 4 20 0 42 0 100 0 0';
    expect(parseProcStat(line)).toEqual({ pid: 4242, ppid: 4200, ticks: 1234 + 567 });
    expect(parseProcStat('garbage')).toBeUndefined();
  });
});

/** A process table the test advances by hand (100 ticks a second). */
function table(rows: ProcStat[]): ProcSource & { set(pid: number, ticks: number): void; add(p: ProcStat): void; kill(pid: number): void } {
  const m = new Map(rows.map((r) => [r.pid, { ...r }]));
  return {
    ticksPerSecond: 100,
    all: () => [...m.values()].map((r) => ({ ...r })),
    set: (pid, ticks) => void (m.get(pid)!.ticks = ticks),
    add: (p) => void m.set(p.pid, { ...p }),
    kill: (pid) => void m.delete(pid),
  };
}

describe('CpuSampler', () => {
  it("counts each role's processes with all their descendants, from one sample to the next, once each", () => {
    // 10: Flink launcher → 11: JobManager JVM, 12: TaskManager JVM → 13: a helper it forked; 20: kinesalite; 30: unrelated.
    const t = table([
      { pid: 10, ppid: 1, ticks: 5 },
      { pid: 11, ppid: 10, ticks: 100 },
      { pid: 12, ppid: 10, ticks: 200 },
      { pid: 13, ppid: 12, ticks: 0 },
      { pid: 20, ppid: process.pid, ticks: 50 },
      { pid: 30, ppid: 1, ticks: 999 },
    ]);
    const refs: ProcessRef[] = [
      { role: 'sut', pid: 10 },
      { role: 'transport', pid: 20 },
    ];
    const s = new CpuSampler(() => refs, t);
    t.set(11, 150); // +0.5 s
    t.set(12, 300); // +1.0 s
    t.set(13, 20); // +0.2 s (grandchild)
    t.set(20, 80); // +0.3 s
    t.set(30, 5_000); // not ours
    const a = s.sample();
    expect(a.sutS).toBeCloseTo(1.7, 6);
    expect(a.transportS).toBeCloseTo(0.3, 6);
    expect(a.load1).toBeGreaterThanOrEqual(0);
    // A TaskManager restarted in the interval counts from its start; the one gone counts no more.
    t.kill(12);
    t.kill(13);
    t.add({ pid: 14, ppid: 10, ticks: 40 });
    const b = s.sample();
    expect(b.sutS).toBeCloseTo(0.4, 6);
    expect(b.transportS).toBe(0);
  });

  it('has only the harness figure when nobody names a process', () => {
    const s = new CpuSampler(() => [], table([]));
    const c = s.sample();
    expect(c.sutS).toBeUndefined();
    expect(c.transportS).toBeUndefined();
    expect(c.harnessS).toBeGreaterThanOrEqual(0);
  });

  it.runIf(process.platform === 'linux')('measures a real child that burns CPU, and its grandchild, apart from this process', async () => {
    // Each uses 400 ms of CPU (its own count, start-up included), says so, and stays alive until killed (an exited process's time is
    // not counted: see CpuSampler), the child once the grandchild has said so too.
    const spin = "const u = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; }; while (u() < 400) {} console.log('spun'); setInterval(() => {}, 1000);";
    const childCode = `const c = require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(spin)}]); c.stdout.once('data', () => { ${spin} });`;
    const child = spawn(process.execPath, ['-e', childCode], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    try {
      const s = new CpuSampler(() => [{ role: 'sut', pid: child.pid! }], procFs());
      await once(child.stdout!, 'data');
      const c = s.sample();
      // At least 0.8 s (process.cpuUsage counts the threads /proc does), plus the waits; ticks are 10 ms.
      expect(c.sutS!).toBeGreaterThan(0.75);
      expect(c.sutS!).toBeLessThan(1.5);
      expect(c.harnessS).toBeLessThan(0.5);
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});

describe('cpuTotals', () => {
  it('adds the intervals by role and leaves out roles no interval had', () => {
    expect(cpuTotals([{ cpu: { harnessS: 0.1, sutS: 0.5, load1: 1 } }, {}, { cpu: { harnessS: 0.2, sutS: 0.25, load1: 2 } }])).toEqual({ harnessS: 0.3, sutS: 0.75 });
    expect(cpuTotals([{}])).toBeUndefined();
  });
});
