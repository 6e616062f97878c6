import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParsedReport } from '../lambda-client.js';
import { FlockDriver, type DriverSnapshot, type DriverStats } from './driver.js';
import type { DriverProcessInit, ToDriver } from './process.js';

type FromDriver =
  | { kind: 'ready' }
  | { kind: 'log'; line: string }
  | { kind: 'error'; message: string }
  | { kind: 'stats'; stats: DriverStats; position: Record<string, number> }
  | { kind: 'stopped'; snapshot?: DriverSnapshot; position: Record<string, number> };

/** The compiled child entry (from src/ under vitest, the package's dist). */
function entry(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return here.includes('/src/') ? fileURLToPath(new URL('../../dist/driver/process.js', import.meta.url)) : fileURLToPath(new URL('./process.js', import.meta.url));
}

/**
 * Flock's driver run in a child process (./process.ts), seen from the harness's process with the
 * in-process driver's face: its counters (refreshed every 100 ms), its read position, REPORT lines
 * passed on, stop(), and — once stopped — its accounts, taken over by a local copy so REPORT lines
 * that arrive later (async invocations) still count.
 */
export class RemoteFlockDriver {
  private readonly accounts: FlockDriver;
  private pos: Record<string, number> = {};
  private stopping: Promise<void> | undefined;
  private stopped = false;

  private constructor(
    private readonly child: ChildProcess,
    accounts: FlockDriver,
  ) {
    this.accounts = accounts;
  }

  /** Starts the child, and resolves once it reads the input stream. */
  static async start(init: DriverProcessInit, log?: (m: string) => void): Promise<RemoteFlockDriver> {
    // The local copy only keeps accounts: it never starts, so its client is never called.
    const accounts = new FlockDriver({ lambda: undefined as never, plan: init.plan, functions: init.functions, invocation: init.invocation, epochMs: init.epochMs, eventTime: () => 0 });
    const child = fork(entry(), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const d = new RemoteFlockDriver(child, accounts);
    await new Promise<void>((resolve, reject) => {
      const onExit = (code: number | null) => reject(new Error(`flock driver process exited (code ${code ?? 'null'}) before it started`));
      child.once('exit', onExit);
      child.on('message', (raw: unknown) => {
        const m = raw as FromDriver;
        if (m.kind === 'ready') {
          child.off('exit', onExit);
          resolve();
        } else if (m.kind === 'error') {
          if (d.stopped || d.stopping) log?.(`flock: driver process: ${m.message}`);
          else {
            child.kill('SIGKILL');
            reject(new Error(`flock driver process: ${m.message}`));
          }
        } else if (m.kind === 'log') log?.(m.line);
        else if (m.kind === 'stats') {
          if (!d.stopped) Object.assign(d.accounts.stats, m.stats);
          d.pos = m.position;
        }
      });
      child.send({ kind: 'init', init } satisfies ToDriver);
    });
    return d;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get stats(): DriverStats {
    return this.accounts.stats;
  }

  get errors(): string[] {
    return this.accounts.errors;
  }

  position(): Record<string, number> {
    return this.pos;
  }

  addReport(r: ParsedReport): void {
    if (!this.stopped && this.child.connected) this.child.send({ kind: 'report', report: r } satisfies ToDriver);
    else this.accounts.addReport(r);
  }

  /** Tells the child to stop (it catches up, sends what is buffered, waits for invocations) and takes over its accounts. */
  stop(timeoutMs = 60_000): Promise<void> {
    this.stopping ??= new Promise<void>((resolve) => {
      const done = (snapshot?: DriverSnapshot) => {
        clearTimeout(timer);
        if (!this.stopped) {
          this.stopped = true;
          if (snapshot) this.accounts.restore(snapshot);
        }
        resolve();
      };
      // The child's own stop is bounded by timeoutMs, plus its catch-up (≤ 15 s): past that it is killed.
      const timer = setTimeout(() => {
        this.accounts.errors.push(`driver process did not stop within ${timeoutMs + 20_000} ms; killed`);
        this.child.kill('SIGKILL');
        done();
      }, timeoutMs + 20_000);
      this.child.on('message', (raw: unknown) => {
        const m = raw as FromDriver;
        if (m.kind === 'stopped') {
          this.pos = m.position;
          done(m.snapshot);
        }
      });
      this.child.once('exit', () => done());
      if (this.child.connected) this.child.send({ kind: 'stop', timeoutMs } satisfies ToDriver);
      else done();
    });
    return this.stopping;
  }

  summary(): Record<string, unknown> {
    return this.accounts.summary();
  }
}
