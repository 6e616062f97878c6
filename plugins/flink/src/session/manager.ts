import { UserError, type Ledger, type RunContext } from '@streamscore/core';
import type { LocalClusterState } from '../local/cluster.js';
import { FlinkRestClient } from '../rest/client.js';
import { clusterKnobsFor, TARGETS, targetOf } from '../backend.js';
import type { KnobValues } from '../targets/target.js';
import { deleteSession, ledgerFromJournal, ledgerJournalPath, listSessions, readSession, sessionExists, sessionRunId, writeSession, type SessionRecord } from './store.js';

export interface SessionOptions {
  log?: (message: string) => void;
  signal?: AbortSignal;
  /** Ledger journal (default ~/.streamscore/ledger.jsonl). */
  journalPath?: string;
}

function ctxFor(runId: string, ledger: Ledger, o: SessionOptions): RunContext {
  return { runId, ledger, log: o.log ?? (() => {}), signal: o.signal ?? new AbortController().signal };
}

/** The plan of a session cluster: what `session up` would create and what it costs per hour. */
export function planSession(target: string, knobs: KnobValues) {
  if (target === 'existing') throw new UserError('a session runs on --target local or ec2; an existing cluster is one already.', 'Use --target existing --rest-url URL on `streamscore run` instead.');
  const t = targetOf(target);
  const k = clusterKnobsFor(t, knobs);
  return { target: t.name, knobs: k, ...t.plan(k, { durationS: 3600, session: true }) };
}

/**
 * Starts a session cluster on a target and records it (~/.streamscore/sessions/NAME.json). Its
 * resources enter the ledger under `session-NAME`. On the local target the JVMs outlive this
 * process: they are started detached and left out of the exit hook that kills a run's JVMs.
 */
export async function sessionUp(name: string, target: string, knobs: KnobValues, o: SessionOptions = {}): Promise<SessionRecord> {
  const runId = sessionRunId(name);
  if (sessionExists(name)) {
    const rec = readSession(name);
    throw new UserError(`the Flink session "${name}" is already up (${rec.target}, ${rec.restUrl}).`, `Use it with --knob session=${name}, or stop it with: streamscore flink session down ${name}`);
  }
  const { knobs: k } = planSession(target, knobs);
  const t = targetOf(target);
  const ledger = ledgerFromJournal(runId, o.journalPath ?? ledgerJournalPath());
  const started = Date.now();
  const c = await t.provision(k, ctxFor(runId, ledger, o), { session: true });
  if (t.name === 'local') {
    // The local target registers a run's JVMs with an exit hook that kills them when Node exits;
    // a session's must outlive `session up`. The hook holds the very array of the cluster's nodes,
    // so emptying that array (and keeping a copy in the session's state) leaves them out of it.
    const cluster = c.state['cluster'] as LocalClusterState;
    cluster.nodes = cluster.nodes.splice(0);
  }
  const region = typeof c.state['region'] === 'string' ? (c.state['region'] as string) : undefined;
  const rec: SessionRecord = {
    name,
    target: t.name,
    runId,
    createdAt: new Date(started).toISOString(),
    ...(region ? { region } : {}),
    restUrl: c.restUrl,
    knobs: k,
    state: c.state,
    provisioningMs: Date.now() - started,
  };
  writeSession(rec);
  return rec;
}

export interface SessionStatus {
  session: SessionRecord;
  reachable: boolean;
  error?: string;
  flinkVersion?: string;
  taskManagers?: number;
  slotsTotal?: number;
  slotsAvailable?: number;
  jobs?: { id: string; status: string }[];
}

export async function sessionStatus(name: string, o: { timeoutMs?: number } = {}): Promise<SessionStatus> {
  const session = readSession(name);
  const rest = new FlinkRestClient(session.restUrl, { timeoutMs: o.timeoutMs ?? 5_000 });
  try {
    const ov = await rest.overview();
    const jobs = await rest.listJobs().catch(() => []);
    return {
      session,
      reachable: true,
      flinkVersion: ov['flink-version'],
      taskManagers: ov.taskmanagers,
      slotsTotal: ov['slots-total'],
      slotsAvailable: ov['slots-available'],
      jobs,
    };
  } catch (e) {
    return { session, reachable: false, error: (e as Error).message };
  }
}

/** Cancels the session's jobs, removes its cluster (target teardown), and forgets it. */
export async function sessionDown(name: string, o: SessionOptions = {}): Promise<SessionRecord> {
  const rec = readSession(name);
  const t = TARGETS[rec.target];
  if (!t) throw new UserError(`session "${name}" ran on target ${rec.target}, which this flink plugin does not know.`);
  const rest = new FlinkRestClient(rec.restUrl, { timeoutMs: 5_000 });
  for (const j of await rest.listJobs().catch(() => [])) {
    if (j.status === 'RUNNING' || j.status === 'CREATED' || j.status === 'RESTARTING') await rest.cancelJob(j.id).catch(() => undefined);
  }
  const ledger = ledgerFromJournal(rec.runId, o.journalPath ?? ledgerJournalPath());
  await t.teardown({ backend: 'flink', target: rec.target, runId: rec.runId, state: rec.state, provisioningMs: rec.provisioningMs }, ctxFor(rec.runId, ledger, o));
  deleteSession(name);
  return rec;
}

export { listSessions, readSession };
