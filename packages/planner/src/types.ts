import type { Architecture } from '@streamscore/cost';
import type { QueryKind } from '@streamscore/core';

/** The engine whose speed a calibration describes. Flink on EC2 and on KDA share one. */
export type Engine = 'flink' | 'flock' | 'local';

/**
 * A backend family the planner models. The three platforms it recommends between, and three
 * families on this machine that `plan --check` compares measured local runs with.
 */
export type Family = 'flink-ec2' | 'kda' | 'flock-lambda' | 'local' | 'flink-local' | 'flock-local';

/** The platforms `plan` sweeps, in order of operational work (least first: the tie-breaker). */
export const PLATFORMS = ['kda', 'flock-lambda', 'flink-ec2'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const PLATFORM_TITLES: Record<Family, string> = {
  'flink-ec2': 'Flink on EC2',
  kda: 'Managed Flink (KDA)',
  'flock-lambda': 'Flock on Lambda',
  local: 'local engine',
  'flink-local': 'Flink on this machine',
  'flock-local': 'Flock on the local Lambda service',
};

export const ENGINE_OF: Record<Family, Engine> = {
  'flink-ec2': 'flink',
  kda: 'flink',
  'flink-local': 'flink',
  'flock-lambda': 'flock',
  'flock-local': 'flock',
  local: 'local',
};

export type PlanConfig =
  | { family: 'flink-ec2'; instanceType: string; nodes: number }
  | { family: 'kda'; parallelism: number; parallelismPerKpu: number }
  | { family: 'flock-lambda'; memoryMB: number; architecture: Architecture; groupSize: number }
  | { family: 'flock-local'; memoryMB: number; architecture: Architecture; groupSize: number }
  | { family: 'local'; parallelism: number; cpus: number }
  | { family: 'flink-local'; parallelism: number; cpus: number };

/** Every figure says whether it was measured or projected, and where it came from. */
export interface Figure {
  value: number;
  basis: 'measured' | 'projected';
  source: string;
}

/** What the planner needs to know about a workload. */
export interface WorkloadTraits {
  id: string;
  kind: QueryKind;
  /** Window length (0 for per-event and updating queries); a session window's gap. */
  windowMs: number;
  /** How often a window closes (the hop's slide; = windowMs for tumbling and session windows). */
  slideMs: number;
  watermarkDelayMs: number;
  /** Mean JSON bytes of one input event on the wire. */
  eventBytes: number;
  /** Output records per input event. */
  outputRatio: number;
  /** Mean JSON bytes of one output record. */
  outputBytes: number;
  /** Where eventBytes, outputRatio and outputBytes came from. */
  source: string;
}

/** What the bill buys: the same guarantee on every platform that offers it. */
export const GUARANTEES = ['exactly-once', 'none'] as const;
export type Guarantee = (typeof GUARANTEES)[number];

/** How compute is paid for (the price book's `pricingOptions`). */
export const PRICING_OPTIONS = ['on-demand', 'savings-1y', 'savings-3y', 'spot'] as const;
export type PricingOption = (typeof PRICING_OPTIONS)[number];

/** Where a multi-node EC2 cluster's nodes live: spread over AZs (resilient, pays transfer) or one AZ. */
export const PLACEMENTS = ['spread', 'one-az'] as const;
export type Placement = (typeof PLACEMENTS)[number];

/** Capacity profiles `plan --profile` chooses from. */
export const PROFILES = ['measured', 'nexmark-v1', 'nexmark-v2', 'all'] as const;
export type ProfileChoice = (typeof PROFILES)[number];

/**
 * One way of reading the calibration: where Flink's per-vCPU speed comes from, which end of the
 * measured spread of Flock's compute per event, and the scaling efficiency. A band is the range of
 * a figure over several scenarios.
 */
export interface Scenario {
  id: string;
  /** `auto`: measured find-max runs when there are any, else nexmark-v2. */
  flink: 'auto' | 'measured' | 'nexmark-v1' | 'nexmark-v2';
  /** Flock's compute per event: the mean of measured runs, the least (optimistic) or the most. */
  flock: 'mean' | 'least' | 'most';
  /** Scaling efficiency η where it is not measured (default: platforms.json scaling.eta). */
  eta?: number;
  /** Throughput factor of exactly-once on runs measured without checkpoints (default: platforms.json). */
  exactlyOnceFactor?: number;
}

export type CostService = 'ec2' | 'ebs' | 'network' | 'kda' | 'lambda' | 'logs' | 'kinesis' | 's3';

/** One priced part of a configuration's hour. */
export interface CostItem {
  item: string;
  usdPerHour: number;
  /** Which service bills it (pricing options discount some). */
  service?: CostService;
}

export interface Evaluation {
  config: PlanConfig;
  family: Family;
  /** Short text naming the configuration, e.g. `3 × c6g.xlarge`. */
  label: string;
  rate: number;
  sustainableRate: Figure;
  latencyP99Ms: Figure;
  costPerHourUsd: Figure;
  costPerMillionEventsUsd: Figure;
  readinessS: Figure;
  /** Sustains the rate (capacity ≥ rate, and the architecture's limits hold). */
  sustains: boolean;
  /** Sustains the rate and meets the latency SLO. */
  feasible: boolean;
  /** Why not, when not. */
  reasons: string[];
  costItems: CostItem[];
  /** The capacity arithmetic in words. */
  capacityWork: string;
  /** Set when the planner has no model for this configuration and workload (the reason is in `reasons`). */
  unmodelled?: true;
  /** The delivery guarantee the configuration gives, and what it means on this platform. */
  guarantee?: { given: Guarantee; note: string };
  /** Utilisation at the rate: rate ÷ capacity before headroom. */
  utilisation?: number;
}
