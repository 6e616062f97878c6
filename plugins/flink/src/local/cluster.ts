import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { UserError, systemProbe, type Ledger } from '@streamscore/core';
import { launcherArgs, type FlinkClusterSpec, type NodeIdentity } from '../node/config.js';
import { FlinkRestClient, FlinkRestError } from '../rest/client.js';
import { clustersDir, FLINK_VERSION, LAUNCHER } from '../paths.js';

/**
 * The local target: a real Flink session cluster on this machine — one JobManager and N
 * TaskManagers, each a JVM process started by resources/launch-node.sh (the script an EC2 node
 * runs) with the configuration of node/config.ts, every socket on 127.0.0.1.
 */

export interface LocalClusterOptions {
  runId: string;
  taskManagers: number;
  slotsPerTaskManager: number;
  parallelism: number;
  taskManagerMemoryMb: number;
  jobManagerHeapMb?: number;
  flinkVersion?: string;
  /** Resource ledger: each process is recorded (kind `local-process`) before it is spawned. */
  ledger?: Ledger;
  backend?: string;
  /** Bound on the wait for the REST endpoint and every TaskManager. Default 120 s. */
  startTimeoutMs?: number;
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export interface LocalNodeRecord {
  role: 'jobmanager' | 'taskmanager';
  index: number;
  pid: number;
  home: string;
  ledgerId: string;
}

/** Plain JSON, kept in Deployment.state and in <clusters>/<runId>/cluster.json. */
export interface LocalClusterState {
  runId: string;
  dir: string;
  restUrl: string;
  nodes: LocalNodeRecord[];
  /** Milliseconds from the first spawn until the REST endpoint had every TaskManager. */
  startMs: number;
  /** ms since epoch */
  createdAt: number;
  /** The process that started the cluster (the run's): while it runs, cleanup leaves the cluster alone. */
  ownerPid?: number;
}

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when the process is one of ours: its command line names the node's home. */
function isOurNode(pid: number, home: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(home);
  } catch {
    return alive(pid); // no /proc (macOS): trust the pid file
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

/** Stops the nodes (TERM to each process group, KILL after `graceMs`), TaskManagers first. */
export async function stopNodes(nodes: readonly LocalNodeRecord[], graceMs = 10_000): Promise<void> {
  const ours = nodes.filter((n) => alive(n.pid) && isOurNode(n.pid, n.home));
  const order = [...ours.filter((n) => n.role === 'taskmanager'), ...ours.filter((n) => n.role === 'jobmanager')];
  for (const n of order) killGroup(n.pid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (order.some((n) => alive(n.pid)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  for (const n of order) if (alive(n.pid)) killGroup(n.pid, 'SIGKILL');
  const hardDeadline = Date.now() + 5_000;
  while (order.some((n) => alive(n.pid)) && Date.now() < hardDeadline) await new Promise((r) => setTimeout(r, 50));
}

function writeState(state: LocalClusterState): void {
  writeFileSync(join(state.dir, 'cluster.json'), JSON.stringify(state, null, 2) + '\n');
}

/** The last lines of a node's log, for error messages. */
export function nodeLogTail(n: Pick<LocalNodeRecord, 'home' | 'role'>, lines = 20): string {
  const parts: string[] = [];
  for (const f of [join(n.home, 'log', `${n.role}.out`), join(n.home, 'log', `${n.role}.log`)]) {
    if (!existsSync(f)) continue;
    const text = readFileSync(f, 'utf8').trimEnd().split('\n');
    parts.push(`${f}:\n${text.slice(-lines).join('\n')}`);
  }
  return parts.join('\n');
}

/** Processes we started that have not been stopped yet: killed synchronously if Node exits. */
const live = new Map<string, LocalNodeRecord[]>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const nodes of live.values()) for (const n of nodes) killGroup(n.pid, 'SIGKILL');
  });
}

/** How to start a node of a running cluster again (crashNode), by run id. */
const respawners = new Map<string, (node: NodeIdentity) => LocalNodeRecord>();

export async function startLocalCluster(o: LocalClusterOptions): Promise<LocalClusterState> {
  const log = o.log ?? (() => {});
  const backend = o.backend ?? 'flink';
  const dir = join(clustersDir(), o.runId);
  mkdirSync(dir, { recursive: true });
  const spec: FlinkClusterSpec = {
    flinkVersion: o.flinkVersion ?? FLINK_VERSION,
    jobManagerHost: '127.0.0.1',
    bindHost: '127.0.0.1',
    rpcPort: await freePort(),
    restPort: await freePort(),
    taskManagers: o.taskManagers,
    slotsPerTaskManager: o.slotsPerTaskManager,
    parallelism: o.parallelism,
    taskManagerMemoryMb: o.taskManagerMemoryMb,
    jobManagerHeapMb: o.jobManagerHeapMb ?? 512,
  };
  const restUrl = `http://127.0.0.1:${spec.restPort}`;
  const state: LocalClusterState = { runId: o.runId, dir, restUrl, nodes: [], startMs: 0, createdAt: Date.now(), ownerPid: process.pid };
  writeState(state);
  live.set(o.runId, state.nodes);
  installExitHook();
  const children: ChildProcess[] = [];
  const exits: string[] = [];
  const started = Date.now();

  const generations = new Map<string, number>();
  const spawnNode = (node: NodeIdentity): LocalNodeRecord => {
    const index = node.index ?? 0;
    const name = node.role === 'jobmanager' ? 'jobmanager' : `taskmanager-${index}`;
    const home = join(dir, name);
    mkdirSync(join(home, 'log'), { recursive: true });
    // A node started again after a crash (crashNode) is a resource of its own in the ledger.
    const generation = generations.get(name) ?? 0;
    generations.set(name, generation + 1);
    const ledgerId = `flink-${name}-${o.runId}${generation ? `-r${generation}` : ''}`;
    o.ledger?.intend({
      id: ledgerId,
      backend,
      kind: 'local-process',
      size: node.role,
      count: 1,
      attributes: { home, role: node.role },
    });
    const out = openSync(join(home, 'log', `${node.role}.out`), 'a');
    let child: ChildProcess;
    try {
      child = spawn('bash', [LAUNCHER, ...launcherArgs(spec, { ...node, generation }, { home })], {
        detached: true, // own process group: teardown kills the group
        stdio: ['ignore', out, out],
        env: { ...process.env, AWS_CBOR_DISABLE: '1' },
      });
    } finally {
      closeSync(out);
    }
    if (child.pid === undefined) {
      o.ledger?.failed(ledgerId);
      throw new Error(`could not start the Flink ${name} (bash ${LAUNCHER})`);
    }
    child.unref();
    children.push(child);
    const record: LocalNodeRecord = { role: node.role, index, pid: child.pid, home, ledgerId };
    child.once('exit', (code, sig) => exits.push(`${name} exited (${sig ?? `code ${code}`})\n${nodeLogTail(record)}`));
    const before = state.nodes.findIndex((n) => n.role === node.role && n.index === index);
    if (before >= 0) state.nodes.splice(before, 1);
    state.nodes.push(record);
    writeState(state);
    o.ledger?.created(ledgerId, { cloudId: `pid:${child.pid}`, attributes: { home, role: node.role, pid: child.pid } });
    log(`started Flink ${name} (pid ${child.pid})`);
    return record;
  };
  respawners.set(o.runId, spawnNode);

  try {
    spawnNode({ role: 'jobmanager' });
    for (let i = 0; i < o.taskManagers; i++) spawnNode({ role: 'taskmanager', index: i });
    const rest = new FlinkRestClient(restUrl, { timeoutMs: 5_000 });
    await rest.waitUntilReady({
      taskManagers: o.taskManagers,
      timeoutMs: o.startTimeoutMs ?? 120_000,
      ...(o.signal ? { signal: o.signal } : {}),
      isAlive: () => exits[0],
    });
    state.startMs = Date.now() - started;
    writeState(state);
    log(`Flink cluster ready at ${restUrl} in ${state.startMs} ms`);
    return state;
  } catch (e) {
    await stopLocalCluster(state, o.ledger);
    // A node that exits while the cluster starts is the machine's problem (no Java, a port, a
    // failed jar fetch), not a bug: say what happened and where its log is, in one message.
    if (e instanceof FlinkRestError && !o.signal?.aborted) {
      throw new UserError(`The local Flink cluster did not start: ${e.message.split('\n').slice(0, 3).join(' ')}`, `Read the node logs under ${dir} (jobmanager/log, taskmanager-N/log), then run again.`);
    }
    throw e;
  }
}

/** Stops every process of the cluster; idempotent. Node homes (logs) are kept unless `removeHome`. */
export async function stopLocalCluster(state: LocalClusterState, ledger?: Ledger, o: { removeHome?: boolean } = {}): Promise<void> {
  respawners.delete(state.runId);
  await stopNodes(state.nodes);
  live.delete(state.runId);
  for (const n of state.nodes) {
    try {
      ledger?.deleted(n.ledgerId);
    } catch {
      // not in this ledger (teardown from another process)
    }
  }
  if (o.removeHome) rmSync(state.dir, { recursive: true, force: true });
  else if (existsSync(state.dir)) writeFileSync(join(state.dir, 'stopped'), new Date().toISOString() + '\n');
}

/**
 * A node crashes: SIGKILL to its process group (no shutdown hooks, as when a machine dies), and
 * — unless `restartAfterMs` is undefined — it is started again that long after, as a process
 * supervisor would. Returns the pids, old and new.
 */
export async function crashNode(
  state: LocalClusterState,
  role: LocalNodeRecord['role'],
  index: number,
  o: { restartAfterMs?: number; ledger?: Ledger } = {},
): Promise<{ killedPid: number; newPid?: number }> {
  const n = state.nodes.find((x) => x.role === role && x.index === index);
  if (!n || !alive(n.pid)) throw new Error(`the local cluster has no running ${role} ${index}`);
  killGroup(n.pid, 'SIGKILL');
  const deadline = Date.now() + 5_000;
  while (alive(n.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  try {
    o.ledger?.deleted(n.ledgerId);
  } catch {
    // not in this ledger
  }
  if (o.restartAfterMs === undefined) return { killedPid: n.pid };
  await new Promise((r) => setTimeout(r, o.restartAfterMs));
  const respawn = respawners.get(state.runId);
  if (!respawn) throw new Error(`the local cluster of run ${state.runId} is not running here`);
  const again = respawn({ role, ...(role === 'taskmanager' ? { index } : {}) });
  return { killedPid: n.pid, newPid: again.pid };
}

/** Local clusters whose pid files are still on disk (left by runs that were killed). */
export function listLocalClusters(): LocalClusterState[] {
  const root = clustersDir();
  if (!existsSync(root)) return [];
  const out: LocalClusterState[] = [];
  for (const name of readdirSync(root)) {
    const f = join(root, name, 'cluster.json');
    if (!existsSync(f)) continue;
    try {
      out.push(JSON.parse(readFileSync(f, 'utf8')) as LocalClusterState);
    } catch {
      // unreadable: skip
    }
  }
  return out;
}

/** Whether the process that started the cluster still runs (not a later one that reused its pid). */
export function clusterOwnerAlive(state: LocalClusterState): boolean {
  if (state.ownerPid === undefined || !systemProbe.alive(state.ownerPid)) return false;
  const started = systemProbe.startedAt(state.ownerPid);
  return started === undefined || started <= state.createdAt + 1_000;
}

/** Whether any process of a recorded cluster still runs. */
export function clusterRunning(state: LocalClusterState): boolean {
  return state.nodes.some((n) => alive(n.pid) && isOurNode(n.pid, n.home));
}
