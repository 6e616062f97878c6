import { homedir } from 'node:os';
import { join } from 'node:path';
import { journalLeftovers, Ledger, type CleanupReport, type Leftover } from '@streamscore/core';

/** The ledger journal every run, session and cleanup of this user shares. */
export function ledgerJournal(): string {
  return join(homedir(), '.streamscore', 'ledger.jsonl');
}

/**
 * Before a run: what earlier runs of the same backend left alive (after a SIGKILL, a power cut),
 * as one warning naming the command that removes it; undefined when nothing is left.
 */
export function leftoverWarning(backend: string, journal = ledgerJournal()): string | undefined {
  const left = journalLeftovers(journal, { backend }).filter((l) => l.state === 'left');
  if (left.length === 0) return undefined;
  const shown = left.slice(0, 3).map((l) => `${l.entry.kind} ${l.entry.cloudId ?? l.entry.id} of run ${l.entry.runId} (${l.why})`);
  const more = left.length > shown.length ? `, and ${left.length - shown.length} more` : '';
  return `warning: the ledger says earlier ${backend} runs left ${left.length} resource(s) behind: ${shown.join('; ')}${more}. Remove them with: streamscore cleanup --backend ${backend}`;
}

/**
 * After a cleanup: records as deleted, in the journal, what the backends deleted and what ended
 * with its run's process, so the ledger's count of resources "not recorded as deleted" drops.
 * Returns how many entries it closed.
 */
export function recordCleanup(journal: string, leftovers: readonly Leftover[], reports: readonly (CleanupReport & { backend: string })[]): number {
  const deletedIds = new Set(reports.flatMap((r) => r.deleted.map((d) => `${r.backend}\u0000${d.id}`)));
  const byRun = new Map<string, Leftover['entry'][]>();
  for (const l of leftovers) {
    const e = l.entry;
    const deleted = deletedIds.has(`${e.backend}\u0000${e.id}`) || (e.cloudId !== undefined && deletedIds.has(`${e.backend}\u0000${e.cloudId}`));
    if (l.state === 'in-use' || (l.state === 'left' && !deleted)) continue;
    byRun.set(e.runId, [...(byRun.get(e.runId) ?? []), e]);
  }
  let closed = 0;
  for (const [runId, entries] of byRun) {
    const ledger = new Ledger(runId, journal);
    ledger.adopt(entries);
    for (const e of entries) {
      if (ledger.get(e.id).state === 'deleted') continue;
      ledger.deleted(e.id);
      closed++;
    }
  }
  return closed;
}

/** An AWS SDK error that means no credentials were found (the normal state of a local-only machine). */
export function isMissingCredentials(e: unknown): boolean {
  if (typeof e === 'string') return /CredentialsProviderError|Could not load credentials from any providers/.test(e);
  const name = (e as { name?: unknown })?.name;
  const message = (e as { message?: unknown })?.message;
  return name === 'CredentialsProviderError' || (typeof message === 'string' && /Could not load credentials from any providers/.test(message));
}

export const CREDENTIALS_HINT = 'set AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, to check them';
