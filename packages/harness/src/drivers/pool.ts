import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nowMs } from '@streamscore/core';
import type { DriverInit } from './driver-process.js';
import { mergeDriverReports, type DriverReport, type MergedDrivers } from './merge.js';

export interface DriverPoolOptions extends Omit<DriverInit, 'index' | 'drivers'> {
  drivers: number;
  /** Events a driver sent over IPC (the memory transport's connection), in its send order. */
  onEvents?: (events: unknown[], driver: number) => void | Promise<void>;
  signal?: AbortSignal;
}

/** Driver processes forked and ready (workload loaded, connection open), waiting for the load's base time. */
export interface DriverPool {
  /** Starts every driver on the one timeline and resolves with their merged reports. */
  start(baseTimeMs: number): Promise<MergedDrivers>;
  /** Where their IPC events go (settable until start). */
  onEvents: DriverPoolOptions['onEvents'];
  kill(): void;
}

function driverEntry(): { path: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, 'driver-process.js');
  if (existsSync(js)) return { path: js, execArgv: [] };
  // From the sources (tests): through tsx's loader.
  return { path: join(here, 'driver-process.ts'), execArgv: ['--import', 'tsx'] };
}

interface Child {
  process: ChildProcess;
  ready: Promise<void>;
  report: Promise<DriverReport>;
  /** Answers to clock probes, by the probe's send time. */
  clock: Map<number, (driverNow: number) => void>;
  offset?: { offsetMs: number; rttMs: number };
}

const CLOCK_PROBES = 8;

/**
 * The driver's clock against ours, NTP's way: offset = its time − the midpoint of our send and
 * receive, from the probe with the shortest round trip, good to ± half that round trip.
 */
async function measureClock(c: Child): Promise<{ offsetMs: number; rttMs: number }> {
  let best: { offsetMs: number; rttMs: number } | undefined;
  for (let i = 0; i < CLOCK_PROBES; i++) {
    const sentAt = nowMs();
    const driverNow = await new Promise<number>((resolve) => {
      c.clock.set(sentAt, resolve);
      c.process.send({ t: 'clock', sentAt });
    });
    const recvAt = nowMs();
    const rttMs = recvAt - sentAt;
    if (!best || rttMs < best.rttMs) best = { offsetMs: driverNow - (sentAt + recvAt) / 2, rttMs };
  }
  return best!;
}

/**
 * Forks N driver processes; resolves once every one has loaded the workload and opened its
 * connection (IPC to this process, or its own Kinesis writer), so their start-up is not in the
 * load's clock. Each then generates its slice of the one stream when started.
 */
export async function forkDriverPool(o: DriverPoolOptions): Promise<DriverPool> {
  const entry = driverEntry();
  const children: Child[] = [];
  const kill = () => children.forEach((c) => c.process.exitCode === null && c.process.kill('SIGKILL'));
  const pool: DriverPool = {
    onEvents: o.onEvents,
    kill,
    start: async (baseTimeMs) => {
      const onAbort = () => kill();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      try {
        for (const c of children) c.process.send({ t: 'go', baseTimeMs });
        const reports = await Promise.all(children.map((c) => c.report));
        return mergeDriverReports(reports.map((r, i) => ({ ...r, clockOffsetMs: children[i]!.offset?.offsetMs ?? 0, ...(children[i]!.offset ? { clockRttMs: children[i]!.offset!.rttMs } : {}) })));
      } finally {
        o.signal?.removeEventListener('abort', onAbort);
        kill();
      }
    },
  };
  const { onEvents: _e, signal: _s, drivers, ...init } = o;
  for (let index = 0; index < drivers; index++) {
    const child = fork(entry.path, ['--streamscore-driver'], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const clock = new Map<number, (driverNow: number) => void>();
    let readyResolve!: () => void;
    const ready = new Promise<void>((r) => (readyResolve = r));
    const report = new Promise<DriverReport>((resolve, reject) => {
      let got: DriverReport | undefined;
      let error: string | undefined;
      child.on('message', (m: { t: string; events?: unknown[]; report?: DriverReport; message?: string; sentAt?: number; driverNow?: number }) => {
        if (m.t === 'events' && m.events) void pool.onEvents?.(m.events, index);
        else if (m.t === 'clock') {
          clock.get(m.sentAt!)?.(m.driverNow!);
          clock.delete(m.sentAt!);
        }
        else if (m.t === 'ready') readyResolve();
        else if (m.t === 'report') got = m.report;
        else if (m.t === 'error') error = m.message;
      });
      child.once('exit', (code, sig) => (got ? resolve(got) : reject(new Error(`driver ${index} ${sig ? `killed by ${sig}` : `exited ${code}`}${error ? `: ${error}` : ''}`))));
    });
    report.catch(() => {});
    child.send({ ...init, index, drivers } satisfies DriverInit);
    children.push({ process: child, ready, report, clock });
  }
  try {
    // A driver that dies before it is ready fails the pool at once.
    await Promise.all(children.map((c) => Promise.race([c.ready, c.report.then(() => undefined)])));
    for (const c of children) c.offset = await measureClock(c);
  } catch (e) {
    kill();
    throw e;
  }
  return pool;
}

/** Forks the drivers, then starts them at `baseTimeMs` (or at once when that has passed). */
export async function runDriverPool(o: DriverPoolOptions & { baseTimeMs: number }): Promise<MergedDrivers> {
  const { baseTimeMs, ...rest } = o;
  const pool = await forkDriverPool(rest);
  return pool.start(baseTimeMs);
}
