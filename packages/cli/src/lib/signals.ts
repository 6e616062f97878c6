import { constants } from 'node:os';

/**
 * How a long command (a run, a compare) hears that it should stop. SIGINT (Ctrl-C), SIGTERM
 * (`kill`, a CI runner's timeout, a container stop) and SIGHUP (the terminal went away) all mean
 * the same thing: stop the load, tear down what was created, write what was measured. Teardown
 * can take seconds (a JVM's shutdown, a cloud delete), so a second signal stops at once: the
 * process exits, and its exit hooks still kill the local processes it started.
 */
export const INTERRUPT_SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
export type InterruptSignal = (typeof INTERRUPT_SIGNALS)[number];

export interface InterruptTrap {
  /** The first signal received, if any. */
  readonly received: InterruptSignal | undefined;
  /** The conventional exit code for the signal received (128 + its number), else undefined. */
  exitCode(): number | undefined;
  /** Puts back the default behaviour (a later signal ends the process). */
  release(): void;
}

/** 128 + the signal's number: what a shell reports for a process the signal ended. */
export function signalExitCode(signal: InterruptSignal): number {
  return 128 + constants.signals[signal];
}

/**
 * Traps the interrupt signals for the duration of one command. `onFirst` is called once, with the
 * signal; a second signal exits with the signal's code without waiting for teardown.
 */
export function trapInterrupts(onFirst: (signal: InterruptSignal) => void, onSecond?: (signal: InterruptSignal) => void): InterruptTrap {
  let received: InterruptSignal | undefined;
  // A closed terminal (SIGHUP) turns every later write to it into EIO/EPIPE; the run must still
  // tear down and write its Result, so those errors are dropped instead of crashing the process.
  const ignoreWriteError = () => undefined;
  process.stdout.on('error', ignoreWriteError);
  process.stderr.on('error', ignoreWriteError);
  const handler = (signal: InterruptSignal) => {
    if (received === undefined) {
      received = signal;
      onFirst(signal);
      return;
    }
    onSecond?.(signal);
    process.exit(signalExitCode(signal));
  };
  for (const s of INTERRUPT_SIGNALS) process.on(s, handler);
  return {
    get received() {
      return received;
    },
    exitCode: () => (received === undefined ? undefined : signalExitCode(received)),
    release: () => {
      for (const s of INTERRUPT_SIGNALS) process.off(s, handler);
    },
  };
}

/**
 * `npx streamscore …` and `npm run …` start the CLI under `npm exec` → `sh -c`. When that npm
 * process is sent SIGTERM it dies without passing the signal on (npm 10/11, dash), and the CLI
 * keeps running, orphaned, with its JVMs. So under npm the CLI watches its parent: when the
 * parent is gone, it sends itself SIGTERM, which a running command handles like any other.
 * Outside npm nothing is watched, so `nohup streamscore run … &` still survives its shell.
 */
export function followParentUnderNpm(env: NodeJS.ProcessEnv = process.env, intervalMs = 500): (() => void) | undefined {
  if (!env['npm_command'] && !env['npm_lifecycle_event']) return undefined;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) {
      clearInterval(timer);
      process.kill(process.pid, 'SIGTERM');
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
