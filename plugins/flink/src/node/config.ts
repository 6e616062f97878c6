/**
 * The one writer of a Flink node's configuration. The local target calls it for every JobManager
 * and TaskManager it starts on this machine; an EC2 node's user-data embeds what it returns, so
 * both run resources/launch-node.sh with the same configuration text.
 *
 * Flink 2.x reads `config.yaml` (standard YAML; flat `a.b.c: value` keys are accepted). Without
 * flink-dist's scripts nobody computes the TaskManager's memory components, and TaskManagerRunner
 * refuses to start unless they are all explicit, so they are derived here from one process size.
 */

export type NodeRole = 'jobmanager' | 'taskmanager';

export interface FlinkClusterSpec {
  flinkVersion: string;
  /** Address the JobManager's RPC and REST endpoints are reached at (127.0.0.1 locally). */
  jobManagerHost: string;
  /** Interface every socket binds to: 127.0.0.1 locally; the instance's private address on EC2. */
  bindHost: string;
  rpcPort: number;
  restPort: number;
  /** Address the REST server binds to (defaults to bindHost). */
  restBindHost?: string;
  taskManagers: number;
  slotsPerTaskManager: number;
  /** Default parallelism of jobs (parallelism.default). */
  parallelism: number;
  /** Total process memory of one TaskManager, MiB (≥ 768). */
  taskManagerMemoryMb: number;
  /** Heap of the JobManager, MiB. */
  jobManagerHeapMb: number;
  /** Extra configuration keys, written last (they win). */
  extra?: Record<string, string | number | boolean>;
}

export interface NodeIdentity {
  role: NodeRole;
  /** 0-based TaskManager number (taskmanager only). */
  index?: number;
  /** The address other nodes reach this one at (taskmanager.host); defaults to bindHost. */
  host?: string;
  /**
   * Times this node was started again after a crash (0 for the first start). A TaskManager started
   * again takes a resource id of its own, as a supervised restart on a real cluster does (standalone
   * ids are host:port-random), so the JobManager never sees a dead and a live TaskManager under one id.
   */
  generation?: number;
}

/** TaskManager memory components, MiB; they add up to the process size. */
export interface TaskManagerMemory {
  processMb: number;
  frameworkHeapMb: number;
  taskHeapMb: number;
  frameworkOffHeapMb: number;
  taskOffHeapMb: number;
  networkMb: number;
  managedMb: number;
  metaspaceMb: number;
  overheadMb: number;
}

export const MIN_TASK_MANAGER_MB = 768;

export function taskManagerMemory(processMb: number): TaskManagerMemory {
  if (!Number.isInteger(processMb) || processMb < MIN_TASK_MANAGER_MB) {
    throw new RangeError(`a TaskManager needs at least ${MIN_TASK_MANAGER_MB} MiB (got ${processMb})`);
  }
  const metaspaceMb = 192;
  const overheadMb = Math.max(128, Math.round(processMb * 0.1));
  const frameworkHeapMb = 64;
  const frameworkOffHeapMb = 64;
  const taskOffHeapMb = 0;
  const networkMb = Math.max(64, Math.round(processMb * 0.08));
  // Streaming SQL on the hashmap state backend barely uses managed memory (RocksDB would).
  const managedMb = Math.max(32, Math.round(processMb * 0.05));
  const taskHeapMb = processMb - metaspaceMb - overheadMb - frameworkHeapMb - frameworkOffHeapMb - taskOffHeapMb - networkMb - managedMb;
  return { processMb, frameworkHeapMb, taskHeapMb, frameworkOffHeapMb, taskOffHeapMb, networkMb, managedMb, metaspaceMb, overheadMb };
}

function yamlValue(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return /^[A-Za-z0-9_./:-]+$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) && !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v)
    ? v
    : JSON.stringify(v);
}

const mb = (n: number) => `${n}m`;

/** The configuration entries of one node, in writing order. */
export function nodeConfigEntries(spec: FlinkClusterSpec, node: NodeIdentity): [string, string | number | boolean][] {
  const host = node.host ?? spec.bindHost;
  const e: [string, string | number | boolean][] = [
    ['jobmanager.rpc.address', spec.jobManagerHost],
    ['jobmanager.rpc.port', spec.rpcPort],
    ['jobmanager.bind-host', spec.bindHost],
    ['taskmanager.bind-host', spec.bindHost],
    ['rest.address', spec.jobManagerHost],
    ['rest.bind-address', spec.restBindHost ?? spec.bindHost],
    ['rest.port', spec.restPort],
    ['blob.server.port', '0'],
    ['taskmanager.numberOfTaskSlots', spec.slotsPerTaskManager],
    ['parallelism.default', spec.parallelism],
    ['state.backend.type', 'hashmap'],
    ['web.submit.enable', true],
    ['web.cancel.enable', true],
    ['jobmanager.execution.failover-strategy', 'region'],
    ['restart-strategy.type', 'none'],
    ['cluster.evenly-spread-out-slots', true],
    // The REST API serves metrics from a store it refreshes, in the background, on a request at
    // least this long after the last refresh (default 10 s). The harness samples the source's read
    // position once a second, after a few other requests: at 100 ms the first of them starts a
    // refresh the position request sees, where a 10 s-old position would read as lag growing.
    ['metrics.fetcher.update-interval', 100],
    // The same refresh asks every TaskManager for its metrics and waits up to web.timeout (default
    // 10 min) for each; one refresh runs at a time. A TaskManager killed mid-ask can leave that ask
    // unanswered, and every metric (the source's read position with it) then froze at its pre-fault
    // value for the rest of a fault run. 10 s bounds the freeze (about 16 s after a kill here, 32 s
    // at 30 s); a job's submission, which took 10–12 s here under load, is not bound by it.
    ['web.timeout', 10_000],
    ['jobmanager.memory.heap.size', mb(spec.jobManagerHeapMb)],
  ];
  if (node.role === 'taskmanager') {
    const m = taskManagerMemory(spec.taskManagerMemoryMb);
    e.push(
      ['taskmanager.host', host],
      ['taskmanager.resource-id', `tm-${node.index ?? 0}${node.generation ? `-r${node.generation}` : ''}`],
      ['taskmanager.rpc.port', '0'],
      ['taskmanager.data.port', 0],
      ['taskmanager.cpu.cores', spec.slotsPerTaskManager],
      ['taskmanager.memory.process.size', mb(m.processMb)],
      ['taskmanager.memory.framework.heap.size', mb(m.frameworkHeapMb)],
      ['taskmanager.memory.task.heap.size', mb(m.taskHeapMb)],
      ['taskmanager.memory.framework.off-heap.size', mb(m.frameworkOffHeapMb)],
      ['taskmanager.memory.task.off-heap.size', mb(m.taskOffHeapMb)],
      ['taskmanager.memory.network.min', mb(m.networkMb)],
      ['taskmanager.memory.network.max', mb(m.networkMb)],
      ['taskmanager.memory.managed.size', mb(m.managedMb)],
      ['taskmanager.memory.jvm-metaspace.size', mb(m.metaspaceMb)],
      ['taskmanager.memory.jvm-overhead.min', mb(m.overheadMb)],
      ['taskmanager.memory.jvm-overhead.max', mb(m.overheadMb)],
    );
  }
  for (const [k, v] of Object.entries(spec.extra ?? {})) {
    const i = e.findIndex(([key]) => key === k);
    if (i >= 0) e.splice(i, 1);
    e.push([k, v]);
  }
  return e;
}

/** config.yaml of one node. */
export function renderNodeConfig(spec: FlinkClusterSpec, node: NodeIdentity): string {
  const head = `# Written by streamscore (plugins/flink/src/node/config.ts) for a ${node.role}` +
    `${node.role === 'taskmanager' ? ` (#${node.index ?? 0})` : ''}, Flink ${spec.flinkVersion}.\n`;
  return head + nodeConfigEntries(spec, node).map(([k, v]) => `${k}: ${yamlValue(v)}`).join('\n') + '\n';
}

/** JVM sizes the launcher passes to java: -Xmx/-Xms, -XX:MaxDirectMemorySize, metaspace. */
export function nodeJvm(spec: FlinkClusterSpec, role: NodeRole): { heap: string; direct: string; javaOpts: string[] } {
  if (role === 'jobmanager') {
    return { heap: mb(spec.jobManagerHeapMb), direct: '128m', javaOpts: ['-XX:MaxMetaspaceSize=256m'] };
  }
  const m = taskManagerMemory(spec.taskManagerMemoryMb);
  return {
    heap: mb(m.frameworkHeapMb + m.taskHeapMb),
    direct: mb(m.frameworkOffHeapMb + m.taskOffHeapMb + m.networkMb),
    javaOpts: [`-XX:MaxMetaspaceSize=${m.metaspaceMb}m`],
  };
}

/**
 * The launcher's command line for one node: `bash launch-node.sh ROLE ...`. The same arguments
 * go into an EC2 node's user-data.
 */
export function launcherArgs(
  spec: FlinkClusterSpec,
  node: NodeIdentity,
  o: { home: string; cacheDir?: string },
): string[] {
  const jvm = nodeJvm(spec, node.role);
  const args = [
    node.role,
    '--flink-version', spec.flinkVersion,
    '--home', o.home,
    '--config-b64', Buffer.from(renderNodeConfig(spec, node), 'utf8').toString('base64'),
    '--heap', jvm.heap,
    '--direct', jvm.direct,
    '--java-opts', jvm.javaOpts.join(' '),
  ];
  if (o.cacheDir) args.push('--cache-dir', o.cacheDir);
  return args;
}
