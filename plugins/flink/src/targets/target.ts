import type { CleanupFilter, CleanupReport, Deployment, IamPolicyDocument, KnobValues, PlannedResource, RunContext } from '@streamscore/core';

/** The cluster settings a run asks for (knobs, validated). */
export interface ClusterKnobs {
  parallelism: number;
  taskManagers: number;
  slotsPerTaskManager: number;
  taskManagerMemoryMb: number;
  /** JobManager heap, MiB (a target's default when absent). */
  jobManagerHeapMb?: number;
  restUrl?: string;
  /** Every knob as given (a target's own knobs: instance type, nodes, region, …). */
  raw?: KnobValues;
}

/** Defaults a target gives the cluster knobs the user did not set (EC2: from the instance type). */
export interface ClusterDefaults {
  taskManagers?: number;
  slots?: number;
  parallelism?: number;
  taskManagerMemoryMb?: number;
  jobManagerHeapMb?: number;
}

/** What a plan is for: how long the cluster lives (s), and whether it is a session cluster. */
export interface PlanContext {
  durationS: number;
  session?: boolean;
}

/** What a target provisioned: where the REST API is, plus the target's own plain-JSON state. */
export interface ProvisionedCluster {
  restUrl: string;
  state: Record<string, unknown>;
}

/**
 * Where a Flink cluster comes from. The backend does the same thing on every target once it has a
 * REST URL (upload the jar, run it, sample metrics, cancel); a target only makes the cluster and
 * removes it. `local`, `ec2` and `existing` implement it.
 */
export interface FlinkTarget {
  name: string;
  description: string;
  /** Cluster-knob defaults that depend on the target's own knobs. */
  clusterDefaults?(raw: KnobValues): ClusterDefaults;
  plan(knobs: ClusterKnobs, p?: PlanContext): { resources: PlannedResource[]; projectedCostUsd: number; notes: string[] };
  /** `session`: a long-running cluster (`streamscore flink session up`), not one run's. */
  provision(knobs: ClusterKnobs, ctx: RunContext, o?: { session?: boolean }): Promise<ProvisionedCluster>;
  /** Removes the cluster; `d.state` is what provision returned (plus the backend's keys). */
  teardown(d: Deployment, ctx: RunContext): Promise<void>;
  cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport>;
  /** The least-privilege policy a user needs for this target (cloud targets only). */
  iamPolicy?(): IamPolicyDocument;
}

export type { KnobValues };
