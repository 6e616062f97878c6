import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { pbkdf2 } from 'node:crypto';
import { Ledger, LedgerEntrySchema, type LedgerEntry } from '@streamscore/core';

/**
 * What the kit can observe of a backend from the outside: the threads of this process, its
 * active handles (child processes, sockets, timers), and the ledger's journal.
 */

export interface ResourceSnapshot {
  /** OS threads of this process (Linux: /proc/self/task); undefined where it cannot be read. */
  threads: number | undefined;
  /** Active libuv handles by type, only the kinds a backend could leave behind. */
  handles: Record<string, number>;
}

/** Handle types that mean "something is still running": child processes, sockets, servers, timers. */
const WATCHED = new Set([
  'ProcessWrap',
  'TCPWrap',
  'TCPServerWrap',
  'TCPSocketWrap',
  'UDPWrap',
  'PipeServerWrap',
  'FSEventWrap',
  'StatWatcher',
  'Timeout',
]);

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function threadCount(): number | undefined {
  try {
    return readdirSync('/proc/self/task').length;
  } catch {
    return undefined;
  }
}

export function snapshot(): ResourceSnapshot {
  const handles: Record<string, number> = {};
  for (const h of process.getActiveResourcesInfo()) {
    if (WATCHED.has(h)) handles[h] = (handles[h] ?? 0) + 1;
  }
  return { threads: threadCount(), handles };
}

/**
 * Starts the threads Node starts lazily (the libuv pool behind fs and crypto), so that they are
 * part of the baseline and not mistaken for threads a backend left behind.
 */
export async function warmUp(): Promise<void> {
  await Promise.all(
    Array.from({ length: 8 }, () => new Promise<void>((resolve) => pbkdf2('kit', 'salt', 1, 8, 'sha256', () => resolve()))),
  );
  await sleep(10);
}

/** What is running now that was not in the baseline, as sentences. */
export function leaksSince(base: ResourceSnapshot, now: ResourceSnapshot = snapshot()): string[] {
  const out: string[] = [];
  if (base.threads !== undefined && now.threads !== undefined && now.threads > base.threads) {
    out.push(`${now.threads - base.threads} more thread(s) than before (${base.threads} → ${now.threads})`);
  }
  for (const [type, n] of Object.entries(now.handles)) {
    const before = base.handles[type] ?? 0;
    if (n > before) out.push(`${n - before} more active ${type} handle(s) than before`);
  }
  return out;
}

/** Waits up to `maxMs` for the process to come back to the baseline; returns what is still there. */
export async function settle(base: ResourceSnapshot, maxMs = 3000): Promise<string[]> {
  const until = Date.now() + maxMs;
  for (;;) {
    await sleep(25);
    const leaks = leaksSince(base);
    if (leaks.length === 0 || Date.now() >= until) return leaks;
  }
}

/** The journal's lines in the order they were written (every change of every entry). */
export function journalLines(path: string): LedgerEntry[] {
  if (!existsSync(path)) return [];
  const out: LedgerEntry[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const parsed = LedgerEntrySchema.safeParse(JSON.parse(line));
    if (parsed.success) out.push(parsed.data);
  }
  return out;
}

/**
 * The ledger a fresh process would rebuild from a killed run's journal: the last state of every
 * resource, with its original start. Nothing is written back to the journal.
 */
export function ledgerFromJournal(runId: string, path: string): Ledger {
  const ledger = new Ledger(runId);
  for (const e of Ledger.readJournal(path)) {
    if (e.runId !== runId) continue;
    const { state, end, runId: _r, ...rest } = e;
    ledger.intend(rest);
    if (state === 'created') ledger.created(e.id);
    else if (state === 'deleted') ledger.deleted(e.id, end);
    else if (state === 'failed') ledger.failed(e.id, end);
  }
  return ledger;
}

/**
 * Kinds that live and die with the harness process (threads, in-memory engines): a killed run
 * cannot leave them behind, so cleanup need not find them. Everything else must be found.
 */
export const PROCESS_LIFETIME_KINDS: readonly string[] = ['process', 'local-process', 'local-thread', 'local-memory'];

export function endsWithProcess(kind: string): boolean {
  return PROCESS_LIFETIME_KINDS.includes(kind);
}

/** Everything this process writes to stdout and stderr while `fn` runs (still written through). */
export async function captureOutput<T>(fn: () => Promise<T>): Promise<{ value: T; output: string }> {
  const chunks: string[] = [];
  const out = process.stdout.write.bind(process.stdout);
  const err = process.stderr.write.bind(process.stderr);
  const tee =
    (write: typeof process.stdout.write) =>
    (chunk: unknown, ...rest: unknown[]): boolean => {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      return (write as (...a: unknown[]) => boolean)(chunk, ...rest);
    };
  process.stdout.write = tee(out) as typeof process.stdout.write;
  process.stderr.write = tee(err) as typeof process.stderr.write;
  try {
    const value = await fn();
    return { value, output: chunks.join('') };
  } finally {
    process.stdout.write = out;
    process.stderr.write = err;
  }
}
