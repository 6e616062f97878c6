import {
  instanceSpec,
  loadPriceBook,
  projectCost,
  type InstanceType,
  type PriceBook,
  type ProjectedResource,
} from '@streamscore/cost';
import { UserError, type KnobValues, type PlannedResource } from '@streamscore/core';
import { MIN_TASK_MANAGER_MB } from '../node/config.js';
import { callerCidrOf } from './network.js';

/** The ec2 target's own knobs, validated, with defaults. */
export interface Ec2Settings {
  region: string;
  instanceType: string;
  architecture: 'arm64' | 'x86_64';
  /** All nodes: one JobManager (node 0) + TaskManagers. */
  nodes: number;
  volumeGb: number;
  callerCidr?: string;
  keyName?: string;
  /** Bound on the wait for the REST endpoint with every TaskManager, ms. */
  startTimeoutMs: number;
  spec: InstanceType;
}

export const DEFAULT_INSTANCE_TYPE = 'c6g.xlarge';
export const DEFAULT_NODES = 3;
export const DEFAULT_VOLUME_GB = 20;
/** Boot, dnf, Maven fetch and Flink start: what an application-mode run pays before it measures. */
export const PROVISIONING_ALLOWANCE_S = 600;

function str(knobs: KnobValues, name: string): string | undefined {
  const v = knobs[name];
  return v === undefined || v === '' ? undefined : String(v);
}

function int(knobs: KnobValues, name: string, fallback: number, min: number, max: number): number {
  const raw = knobs[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`--knob ${name} must be an integer from ${min} to ${max} (got ${String(raw)}).`);
  return v;
}

/** The region: `--knob region`, else AWS_REGION / AWS_DEFAULT_REGION. */
export function regionOf(knobs: KnobValues, env: NodeJS.ProcessEnv = process.env): string {
  const r = str(knobs, 'region') ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (!r) throw new UserError('--target ec2 needs an AWS region.', 'Pass --region (or --knob region=us-east-1), or set AWS_REGION.');
  return r;
}

export function ec2Settings(knobs: KnobValues, book?: PriceBook, env: NodeJS.ProcessEnv = process.env): Ec2Settings {
  const region = regionOf(knobs, env);
  const instanceType = str(knobs, 'instance-type') ?? DEFAULT_INSTANCE_TYPE;
  const spec = instanceSpec(book ?? loadPriceBook(region), instanceType);
  const nodes = int(knobs, 'nodes', DEFAULT_NODES, 2, 100);
  const volumeGb = int(knobs, 'volume-gb', DEFAULT_VOLUME_GB, 8, 1024);
  const startTimeoutMs = int(knobs, 'start-timeout-s', 900, 30, 3600) * 1000;
  const caller = str(knobs, 'caller-cidr');
  const keyName = str(knobs, 'key-name');
  return {
    region,
    instanceType,
    architecture: spec.architecture,
    nodes,
    volumeGb,
    ...(caller ? { callerCidr: callerCidrOf(caller) } : {}),
    ...(keyName ? { keyName } : {}),
    startTimeoutMs,
    spec,
  };
}

/**
 * Defaults of the cluster knobs on EC2, from the instance type: TaskManagers = nodes − 1, one slot
 * per vCPU, parallelism = every slot, a TaskManager process of 75 % of the instance's memory.
 */
export function ec2ClusterDefaults(s: Ec2Settings): { taskManagers: number; slots: number; parallelism: number; taskManagerMemoryMb: number; jobManagerHeapMb: number } {
  const memMb = Math.floor(s.spec.memoryGiB * 1024);
  return {
    taskManagers: s.nodes - 1,
    slots: s.spec.vcpu,
    parallelism: (s.nodes - 1) * s.spec.vcpu,
    taskManagerMemoryMb: Math.max(MIN_TASK_MANAGER_MB, Math.floor(memMb * 0.75)),
    jobManagerHeapMb: Math.max(512, Math.min(4096, Math.floor(memMb * 0.5))),
  };
}

/** What an EC2 cluster is made of, for the price book. */
export function ec2Resources(s: Ec2Settings): (ProjectedResource & { name: string })[] {
  return [
    { kind: 'ec2-instance', name: 'flink nodes (1 JobManager + TaskManagers)', size: s.instanceType, count: s.nodes },
    { kind: 'ebs-gp3', name: 'root volumes (gp3)', size: String(s.volumeGb), count: s.nodes },
    { kind: 'public-ipv4', name: 'public IPv4 addresses', count: s.nodes },
    { kind: 'security-group', name: 'security group', count: 1 },
    { kind: 'iam-role', name: 'node role', count: 1 },
    { kind: 'iam-instance-profile', name: 'node instance profile', count: 1 },
    { kind: 'kinesis-shard', name: 'Kinesis streams (input + output, created by the harness)', count: 2 },
  ];
}

export interface Ec2PlanPart {
  resources: PlannedResource[];
  projectedCostUsd: number;
  perHourUsd: number;
  notes: string[];
}

/** The plan of an EC2 cluster living `durationS` (+ the provisioning allowance), priced with the book. */
export function planEc2(s: Ec2Settings, book: PriceBook, durationS: number, o: { session?: boolean } = {}): Ec2PlanPart {
  const seconds = durationS + (o.session ? 0 : PROVISIONING_ALLOWANCE_S);
  // A session creates no streams; each run in it does (and plans them itself: no EC2 in its plan).
  const resources = ec2Resources(s).filter((r) => !(o.session && r.kind === 'kinesis-shard'));
  const cost = projectCost(resources, book, { durationS: seconds });
  const hourly = projectCost(resources, book, { durationS: 3600 });
  const costOf = (name: string) => cost.lines.filter((l) => l.resource === name).reduce((a, l) => a + l.costUsd, 0);
  return {
    resources: resources.map((r) => ({ kind: r.kind, name: r.name, ...(r.size ? { size: r.size } : {}), count: r.count, projectedCostUsd: costOf(r.name) })),
    projectedCostUsd: cost.totalUsd,
    perHourUsd: hourly.totalUsd,
    notes: [
      `${s.nodes} × ${s.instanceType} (${s.spec.vcpu} vCPU, ${s.spec.memoryGiB} GiB, ${s.architecture}) in ${s.region}: node 0 runs the JobManager, the other ${s.nodes - 1} a TaskManager each`,
      o.session
        ? `a session cluster costs $${hourly.totalUsd.toFixed(4)} per hour until \`streamscore flink session down\``
        : `projected for ${Math.round(seconds)} s: the run's ${Math.round(durationS)} s plus ${PROVISIONING_ALLOWANCE_S} s for boot, Java, Flink's jars and start; $${hourly.totalUsd.toFixed(4)} per hour`,
      `prices: ${book.region} price book of ${book.date}; Kinesis PUT payload units are not included (they depend on how events pack)`,
    ],
  };
}
