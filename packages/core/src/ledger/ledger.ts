import { appendFileSync, mkdirSync, readFileSync, existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { z } from 'zod';

/**
 * One resource a run created (or was about to create). Entries are written *before* the
 * resource is created, so a crash between the two leaves a record that cleanup can follow.
 */
export const LedgerEntrySchema = z.object({
  /** Stable id within the run: what the backend names the resource (e.g. the stream name). */
  id: z.string(),
  backend: z.string(),
  runId: z.string(),
  /** Billing kind: `ec2-instance`, `ebs-gp3`, `kda-application`, `lambda-invocations`, `kinesis-shard`, `s3-object`, … (cost/billing.ts) */
  kind: z.string(),
  /** Size within the kind: instance type, GB, memory MB + architecture, … */
  size: z.string().optional(),
  count: z.number().nonnegative(),
  region: z.string().optional(),
  /** Cloud id once known (instance id, ARN). */
  cloudId: z.string().optional(),
  state: z.enum(['intended', 'created', 'deleted', 'failed']),
  /** ms since epoch */
  start: z.number(),
  end: z.number().optional(),
  attributes: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});
export type LedgerEntry = z.infer<typeof LedgerEntrySchema>;

/**
 * A journal line that is not a resource: the process that keeps a run's ledger, written before
 * the run's first resource. After a SIGKILL it tells a later process that the run is dead, so
 * what lived inside that process is gone and what lived outside it (a JVM, a cloud resource) is
 * left behind. Readers of resource lines skip it (it does not parse as an entry).
 */
export const LedgerOwnerSchema = z.object({
  owner: z.object({ runId: z.string(), pid: z.number().int(), host: z.string(), start: z.number() }),
});
export type LedgerOwner = z.infer<typeof LedgerOwnerSchema>['owner'];

/**
 * The resource ledger of a run. Kept in memory and, when a path is given, appended to a JSONL
 * journal on every change, so a run killed half-way leaves a trail for `streamscore cleanup`.
 */
export class Ledger {
  private readonly entries = new Map<string, LedgerEntry>();
  private ownerWritten = false;

  constructor(
    readonly runId: string,
    private readonly journalPath?: string,
    private readonly now: () => number = Date.now,
  ) {
    if (journalPath) mkdirSync(dirname(journalPath), { recursive: true });
  }

  /** Record the intent to create a resource. Call before the create request is sent. */
  intend(entry: Omit<LedgerEntry, 'state' | 'start' | 'runId'> & { start?: number }): LedgerEntry {
    const full: LedgerEntry = { ...entry, runId: this.runId, state: 'intended', start: entry.start ?? this.now() };
    if (this.journalPath && !this.ownerWritten) {
      this.ownerWritten = true;
      const owner: LedgerOwner = { runId: this.runId, pid: process.pid, host: hostname(), start: this.now() };
      appendFileSync(this.journalPath, JSON.stringify({ owner }) + '\n');
    }
    return this.put(full);
  }

  created(id: string, patch: Partial<Pick<LedgerEntry, 'cloudId' | 'attributes'>> = {}): LedgerEntry {
    return this.put({ ...this.get(id), ...patch, state: 'created' });
  }

  deleted(id: string, end = this.now()): LedgerEntry {
    return this.put({ ...this.get(id), state: 'deleted', end });
  }

  failed(id: string, end = this.now()): LedgerEntry {
    return this.put({ ...this.get(id), state: 'failed', end });
  }

  /**
   * Takes over entries of earlier runs (from the journal), so `cleanup` can record their deletion.
   * Nothing is written until one of them changes.
   */
  adopt(entries: readonly LedgerEntry[]): void {
    for (const e of entries) if (!this.entries.has(e.id)) this.entries.set(e.id, e);
  }

  get(id: string): LedgerEntry {
    const e = this.entries.get(id);
    if (!e) throw new Error(`ledger has no resource ${id}`);
    return e;
  }

  list(): LedgerEntry[] {
    return [...this.entries.values()];
  }

  /** Resources not known to be gone. */
  outstanding(): LedgerEntry[] {
    return this.list().filter((e) => e.state === 'intended' || e.state === 'created');
  }

  private put(entry: LedgerEntry): LedgerEntry {
    this.entries.set(entry.id, entry);
    if (this.journalPath) appendFileSync(this.journalPath, JSON.stringify(entry) + '\n');
    return entry;
  }

  /** Replays a journal: the last line per resource id wins. */
  static readJournal(path: string): LedgerEntry[] {
    const latest = new Map<string, LedgerEntry>();
    for (const json of journalJson(path)) {
      const parsed = LedgerEntrySchema.safeParse(json);
      if (parsed.success) latest.set(`${parsed.data.runId}/${parsed.data.id}`, parsed.data);
    }
    return [...latest.values()];
  }

  /** The process that kept each run's ledger, by run id (runs written before owners were recorded have none). */
  static readOwners(path: string): Map<string, LedgerOwner> {
    const owners = new Map<string, LedgerOwner>();
    for (const json of journalJson(path)) {
      const parsed = LedgerOwnerSchema.safeParse(json);
      if (parsed.success) owners.set(parsed.data.owner.runId, parsed.data.owner);
    }
    return owners;
  }
}

/** Every line of a journal as JSON; a line cut short by a killed process is skipped. */
function journalJson(path: string): unknown[] {
  if (!existsSync(path)) return [];
  const out: unknown[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    try {
      out.push(JSON.parse(line));
    } catch {
      // a partial last line
    }
  }
  return out;
}

export * from './leftovers.js';
