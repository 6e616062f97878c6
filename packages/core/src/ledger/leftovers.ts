import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { LedgerEntry, LedgerOwner } from './ledger.js';
import { Ledger } from './ledger.js';

/**
 * What became of a resource the journal does not record as deleted:
 * - `in-use`: the run that created it still runs (its process is alive);
 * - `left`: its run is dead and the resource outlives it — a process of its own that still runs
 *   (a Flink JVM), or a cloud resource (which may or may not still exist: only its backend's
 *   cleanup can tell);
 * - `gone`: it lived inside its run's dead process (a thread, kinesalite's streams, a local
 *   Lambda service), its own process has exited, or it is a billing record with nothing to delete.
 */
export type LeftoverState = 'in-use' | 'left' | 'gone';

export interface Leftover {
  entry: LedgerEntry;
  state: LeftoverState;
  why: string;
}

/** How the liveness of processes is read (the real /proc by default; tests pass their own). */
export interface ProcessProbe {
  host: string;
  alive(pid: number): boolean;
  /** The command line, or undefined where it cannot be read. */
  cmdline(pid: number): string | undefined;
  /** When the process started, ms since epoch, or undefined where it cannot be read. */
  startedAt(pid: number): number | undefined;
}

/** Kinds that only count usage for the bill: nothing exists to delete. */
const RECORD_ONLY_KINDS = new Set(['lambda-invocations', 'cloudwatch-metrics']);

export const systemProbe: ProcessProbe = {
  host: hostname(),
  alive(pid) {
    try {
      process.kill(pid, 0);
      return true;
    } catch (e) {
      return (e as NodeJS.ErrnoException).code === 'EPERM';
    }
  },
  cmdline(pid) {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
    } catch {
      return undefined;
    }
  },
  startedAt(pid) {
    try {
      // Field 22 of /proc/PID/stat: start time in clock ticks (100 per second on Linux) after boot.
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
      const boot = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
      return boot && Number.isFinite(ticks) ? Number(boot[1]) * 1000 + ticks * 10 : undefined;
    } catch {
      return undefined;
    }
  },
};

/** True when `owner`'s process still runs (not merely a later process that got its pid). */
function ownerAlive(owner: LedgerOwner, probe: ProcessProbe): boolean {
  if (owner.host !== probe.host || !probe.alive(owner.pid)) return false;
  const started = probe.startedAt(owner.pid);
  // The owner line is written after its process started; a process started later reused the pid.
  return started === undefined || started <= owner.start + 1_000;
}

function isLocal(e: LedgerEntry): boolean {
  return e.attributes?.['local'] === true || e.kind.startsWith('local-');
}

/** What became of one outstanding entry, given the process that kept its run's ledger. */
export function leftoverState(e: LedgerEntry, owner: LedgerOwner | undefined, probe: ProcessProbe = systemProbe): Leftover {
  if (owner && ownerAlive(owner, probe)) return { entry: e, state: 'in-use', why: `its run still runs (pid ${owner.pid})` };
  const pid = e.attributes?.['pid'];
  if (typeof pid === 'number') {
    const home = e.attributes?.['home'];
    const cmd = probe.cmdline(pid);
    const ours = probe.alive(pid) && (typeof home !== 'string' || cmd === undefined || cmd.includes(home));
    return ours ? { entry: e, state: 'left', why: `process ${pid} still runs` } : { entry: e, state: 'gone', why: `process ${pid} has exited` };
  }
  if (RECORD_ONLY_KINDS.has(e.kind)) return { entry: e, state: 'gone', why: 'a usage record, nothing to delete' };
  if (isLocal(e)) return { entry: e, state: 'gone', why: 'it ended with its run’s process' };
  return { entry: e, state: 'left', why: `may still exist${e.region ? ` in ${e.region}` : ''}${e.cloudId ? ` (${e.cloudId})` : ''}` };
}

/** Entries of a journal not recorded as deleted (or failed), each with what became of it. */
export function journalLeftovers(path: string, filter: { backend?: string; runId?: string } = {}, probe: ProcessProbe = systemProbe): Leftover[] {
  if (!existsSync(path)) return [];
  const owners = Ledger.readOwners(path);
  return Ledger.readJournal(path)
    .filter((e) => (e.state === 'intended' || e.state === 'created') && (!filter.backend || e.backend === filter.backend) && (!filter.runId || e.runId === filter.runId))
    .map((e) => leftoverState(e, owners.get(e.runId), probe));
}
