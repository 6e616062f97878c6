import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DriverInit } from './driver-process.js';
import { mergeDriverReports, type DriverReport, type MergedDrivers } from './merge.js';

export interface DriverPoolOptions extends Omit<DriverInit, 'index' | 'drivers'> {
  drivers: number;
  /** Events a driver sent over IPC (the memory transport's connection), in its send order. */
  onEvents?: (events: unknown[], driver: number) => void | Promise<void>;
  signal?: AbortSignal;
}

function driverEntry(): { path: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, 'driver-process.js');
  if (existsSync(js)) return { path: js, execArgv: [] };
  // From the sources (tests): through tsx's loader.
  return { path: join(here, 'driver-process.ts'), execArgv: ['--import', 'tsx'] };
}

/**
 * Runs N driver processes, each generating its slice of the one stream and sending it on its own
 * connection (IPC to this process, or its own Kinesis writer), and merges what they report.
 */
export async function runDriverPool(o: DriverPoolOptions): Promise<MergedDrivers> {
  const entry = driverEntry();
  const children: ChildProcess[] = [];
  const kill = () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL'));
  o.signal?.addEventListener('abort', kill, { once: true });
  try {
    const reports = await Promise.all(
      Array.from({ length: o.drivers }, (_, index) => {
        const child = fork(entry.path, ['--streamscore-driver'], { execArgv: entry.execArgv, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        children.push(child);
        return new Promise<DriverReport>((resolve, reject) => {
          let report: DriverReport | undefined;
          let error: string | undefined;
          child.on('message', (m: { t: string; events?: unknown[]; report?: DriverReport; message?: string }) => {
            if (m.t === 'events' && m.events) void o.onEvents?.(m.events, index);
            else if (m.t === 'report') report = m.report;
            else if (m.t === 'error') error = m.message;
          });
          child.once('exit', (code, sig) => (report ? resolve(report) : reject(new Error(`driver ${index} ${sig ? `killed by ${sig}` : `exited ${code}`}${error ? `: ${error}` : ''}`))));
          const { onEvents: _e, signal: _s, drivers, ...init } = o;
          child.send({ ...init, index, drivers } satisfies DriverInit);
        });
      }),
    );
    return mergeDriverReports(reports);
  } finally {
    o.signal?.removeEventListener('abort', kill);
    kill();
  }
}
