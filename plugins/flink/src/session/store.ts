import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ledger, UserError } from '@streamscore/core';
import type { ClusterKnobs } from '../targets/target.js';

/**
 * Session clusters (`streamscore flink session up NAME`): long-running Flink clusters that several
 * runs share (`--knob session=NAME`). Each one is a JSON file in ~/.streamscore/sessions/NAME.json
 * ($STREAMSCORE_SESSIONS_DIR moves the folder) holding what its target provisioned, so `run`,
 * `session status` and `session down` work from any process. Its resources are in the ledger
 * under the run id `session-NAME`, and tagged with it, so `streamscore cleanup` finds them too.
 */
export interface SessionRecord {
  name: string;
  target: string;
  /** `session-NAME`: the run id of the session's ledger entries and tags. */
  runId: string;
  createdAt: string;
  region?: string;
  restUrl: string;
  knobs: ClusterKnobs;
  /** What the target's provision returned (plain JSON). */
  state: Record<string, unknown>;
  /** What starting the cluster took, ms (the provisioning time runs in this session do not pay). */
  provisioningMs: number;
}

const NAME = /^[a-z0-9][a-z0-9-]{0,39}$/;

export function checkSessionName(name: string): string {
  if (!NAME.test(name)) {
    throw new UserError(`"${name}" is not a session name.`, 'Use 1–40 lower-case letters, digits and dashes, starting with a letter or digit.');
  }
  return name;
}

export function sessionRunId(name: string): string {
  return `session-${checkSessionName(name)}`;
}

export function sessionsDir(env: NodeJS.ProcessEnv = process.env): string {
  return env['STREAMSCORE_SESSIONS_DIR'] ?? join(homedir(), '.streamscore', 'sessions');
}

/** The ledger journal the CLI keeps (`run`, `cleanup` and sessions share it). */
export function ledgerJournalPath(): string {
  return process.env['STREAMSCORE_LEDGER'] ?? join(homedir(), '.streamscore', 'ledger.jsonl');
}

function fileOf(name: string): string {
  return join(sessionsDir(), `${checkSessionName(name)}.json`);
}

export function sessionExists(name: string): boolean {
  return existsSync(fileOf(name));
}

export function readSession(name: string): SessionRecord {
  const f = fileOf(name);
  if (!existsSync(f)) {
    const known = listSessions().map((s) => s.name);
    throw new UserError(
      `no Flink session "${name}"${known.length ? ` (sessions: ${known.join(', ')})` : ''}.`,
      `Start one with: streamscore flink session up ${name} --target local|ec2`,
    );
  }
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as SessionRecord;
  } catch (e) {
    throw new UserError(`the session file ${f} is unreadable: ${(e as Error).message}`, 'Delete it, and remove what it ran with `streamscore cleanup --backend flink --run-id session-NAME`.');
  }
}

export function writeSession(rec: SessionRecord): void {
  mkdirSync(sessionsDir(), { recursive: true });
  const f = fileOf(rec.name);
  writeFileSync(`${f}.tmp`, JSON.stringify(rec, null, 2) + '\n', { mode: 0o600 });
  renameSync(`${f}.tmp`, f);
}

export function deleteSession(name: string): void {
  rmSync(fileOf(name), { force: true });
}

export function listSessions(): SessionRecord[] {
  const dir = sessionsDir();
  if (!existsSync(dir)) return [];
  const out: SessionRecord[] = [];
  for (const f of readdirSync(dir).sort()) {
    if (!f.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), 'utf8')) as SessionRecord);
    } catch {
      // unreadable: skipped
    }
  }
  return out;
}

/**
 * A ledger for a run id whose entries were written by another process: the journal's outstanding
 * entries are loaded, so `deleted` can be recorded for them.
 */
export function ledgerFromJournal(runId: string, journalPath = ledgerJournalPath()): Ledger {
  const ledger = new Ledger(runId, journalPath);
  for (const e of Ledger.readJournal(journalPath)) {
    if (e.runId !== runId || (e.state !== 'intended' && e.state !== 'created')) continue;
    ledger.intend({
      id: e.id,
      backend: e.backend,
      kind: e.kind,
      count: e.count,
      start: e.start,
      ...(e.size !== undefined ? { size: e.size } : {}),
      ...(e.region !== undefined ? { region: e.region } : {}),
      ...(e.attributes !== undefined ? { attributes: e.attributes } : {}),
    });
    if (e.state === 'created') ledger.created(e.id, e.cloudId !== undefined ? { cloudId: e.cloudId } : {});
  }
  return ledger;
}
