import type { CleanupFilter, CleanupReport, Deployment, KnobValues, PlannedResource, RunContext } from '@streamscore/core';

/** The cluster settings a run asks for (knobs, validated). */
export interface ClusterKnobs {
  parallelism: number;
  taskManagers: number;
  slotsPerTaskManager: number;
  taskManagerMemoryMb: number;
  restUrl?: string;
}

/** What a target provisioned: where the REST API is, plus the target's own plain-JSON state. */
export interface ProvisionedCluster {
  restUrl: string;
  state: Record<string, unknown>;
}

/**
 * Where a Flink cluster comes from. The backend does the same thing on every target once it has a
 * REST URL (upload the jar, run it, sample metrics, cancel); a target only makes the cluster and
 * removes it. `local` and `existing` are here; `ec2` is the same interface over EC2 instances.
 */
export interface FlinkTarget {
  name: string;
  description: string;
  plan(knobs: ClusterKnobs): { resources: PlannedResource[]; projectedCostUsd: number; notes: string[] };
  provision(knobs: ClusterKnobs, ctx: RunContext): Promise<ProvisionedCluster>;
  teardown(d: Deployment, ctx: RunContext): Promise<void>;
  cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport>;
}

export type { KnobValues };
