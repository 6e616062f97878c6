import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  Ledger,
  type CleanupFilter,
  type CleanupReport,
  type Deployment,
  type KnobValues,
  type RunContext,
} from '@streamscore/core';
import { loadPriceBook, type PriceBook } from '@streamscore/cost';
import { cleanupEc2, defaultEc2Deps, provisionEc2Cluster, teardownEc2Cluster, type Ec2ClusterState, type Ec2Deps } from '../ec2/cluster.js';
import { ec2UserPolicy } from '../ec2/iam.js';
import { ec2ClusterDefaults, ec2Settings, planEc2, regionOf, type Ec2Settings } from '../ec2/settings.js';
import type { ClusterKnobs, FlinkTarget, PlanContext, ProvisionedCluster } from './target.js';

export interface Ec2TargetOptions extends Partial<Ec2Deps> {
  /** Price book to plan with (default: the region's, core's loadPriceBook). */
  priceBook?: PriceBook;
  env?: NodeJS.ProcessEnv;
  /** Regions cleanup searches (default: AWS_REGION/AWS_DEFAULT_REGION and every region in the ledger journal's flink entries). */
  cleanupRegions?: () => string[];
}

/** Regions where flink's ledger journal (~/.streamscore/ledger.jsonl) recorded cloud resources. */
function journalRegions(path = join(homedir(), '.streamscore', 'ledger.jsonl')): string[] {
  try {
    return [...new Set(Ledger.readJournal(path).filter((e) => e.backend === 'flink' && e.region).map((e) => e.region!))];
  } catch {
    return [];
  }
}

/**
 * `--target ec2`: a Flink cluster on EC2 instances — node 0 the JobManager, the others one
 * TaskManager each — booted by user-data that runs the launcher the local target runs
 * (ec2/user-data.ts); see ec2/cluster.ts for what is created and how it is removed.
 */
export function createEc2Target(o: Ec2TargetOptions = {}): FlinkTarget {
  const deps: Ec2Deps = { ...defaultEc2Deps, ...Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) } as Ec2Deps;
  const env = o.env ?? process.env;
  const book = (region: string) => (o.priceBook && o.priceBook.region === region ? o.priceBook : loadPriceBook(region));
  const settingsOf = (raw: KnobValues): Ec2Settings => ec2Settings(raw, book(regionOf(raw, env)), env);

  return {
    name: 'ec2',
    description: 'EC2 instances in your account: node 0 runs the JobManager, every other node a TaskManager',

    clusterDefaults(raw: KnobValues) {
      const d = ec2ClusterDefaults(settingsOf(raw));
      return { taskManagers: d.taskManagers, slots: d.slots, parallelism: d.parallelism, taskManagerMemoryMb: d.taskManagerMemoryMb, jobManagerHeapMb: d.jobManagerHeapMb };
    },

    plan(k: ClusterKnobs, p?: PlanContext) {
      const s = settingsOf(k.raw ?? {});
      const part = planEc2(s, book(s.region), p?.durationS ?? 0, { session: p?.session ?? false });
      return {
        resources: part.resources,
        projectedCostUsd: part.projectedCostUsd,
        notes: [
          ...part.notes,
          `Flink: ${k.taskManagers} TaskManager(s) × ${k.slotsPerTaskManager} slot(s), ${k.taskManagerMemoryMb} MiB each; parallelism ${k.parallelism}`,
          `REST port ${8081} open to ${s.callerCidr ?? 'your public address (found with https://checkip.amazonaws.com at provision time)'} only; instances require IMDSv2`,
        ],
      };
    },

    async provision(k: ClusterKnobs, ctx: RunContext, po?: { session?: boolean }): Promise<ProvisionedCluster> {
      const s = settingsOf(k.raw ?? {});
      const jobManagerHeapMb = k.jobManagerHeapMb ?? ec2ClusterDefaults(s).jobManagerHeapMb;
      const state = await provisionEc2Cluster({ settings: s, cluster: { ...k, jobManagerHeapMb }, session: po?.session ?? false }, ctx, deps);
      return { restUrl: state.restUrl!, state: { ec2: state, region: s.region, instanceType: s.instanceType, nodes: s.nodes, volumeGb: s.volumeGb } };
    },

    async teardown(d: Deployment, ctx: RunContext): Promise<void> {
      const state = d.state['ec2'] as Ec2ClusterState | undefined;
      if (state) await teardownEc2Cluster(state, ctx, deps);
    },

    async cleanup(filter: CleanupFilter, ctx: RunContext): Promise<CleanupReport> {
      const report: CleanupReport = { found: [], deleted: [], failed: [] };
      const fromEnv = env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
      const regions = o.cleanupRegions ? o.cleanupRegions() : [...new Set([...(fromEnv ? [fromEnv] : []), ...journalRegions()])];
      if (regions.length === 0) {
        ctx.log('EC2 leftovers not searched: no region (set AWS_REGION)');
        return report;
      }
      for (const region of regions) {
        try {
          const r = await cleanupEc2(region, filter, ctx, deps);
          report.found.push(...r.found);
          report.deleted.push(...r.deleted);
          report.failed.push(...r.failed);
        } catch (e) {
          report.failed.push({ kind: 'ec2-region', id: region, reason: (e as Error).message });
        }
      }
      return report;
    },

    iamPolicy: () => ec2UserPolicy(),
  };
}

export const ec2Target: FlinkTarget = createEc2Target();
