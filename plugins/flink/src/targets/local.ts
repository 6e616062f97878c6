import type { CleanupFilter, CleanupReport, Deployment, RunContext } from '@streamscore/core';
import { rmSync } from 'node:fs';
import { clusterOwnerAlive, clusterRunning, listLocalClusters, startLocalCluster, stopLocalCluster, stopNodes, type LocalClusterState } from '../local/cluster.js';
import type { ClusterKnobs, FlinkTarget, ProvisionedCluster } from './target.js';

/** `--target local`: a real Flink cluster of JVM processes on this machine (local/cluster.ts). */
export const localTarget: FlinkTarget = {
  name: 'local',
  description: 'a JobManager and N TaskManagers as JVM processes on this machine, bound to 127.0.0.1',

  plan(k: ClusterKnobs) {
    return {
      resources: [
        { kind: 'local-process', name: 'jobmanager', size: 'jobmanager', count: 1, projectedCostUsd: 0 },
        { kind: 'local-process', name: 'taskmanager', size: `${k.taskManagerMemoryMb} MiB, ${k.slotsPerTaskManager} slots`, count: k.taskManagers, projectedCostUsd: 0 },
      ],
      projectedCostUsd: 0,
      notes: [
        `runs Flink on this machine: 1 JobManager + ${k.taskManagers} TaskManager(s) × ${k.slotsPerTaskManager} slot(s), ${k.taskManagerMemoryMb} MiB each; costs nothing`,
      ],
    };
  },

  async provision(k: ClusterKnobs, ctx: RunContext): Promise<ProvisionedCluster> {
    const cluster = await startLocalCluster({
      runId: ctx.runId,
      taskManagers: k.taskManagers,
      slotsPerTaskManager: k.slotsPerTaskManager,
      parallelism: k.parallelism,
      taskManagerMemoryMb: k.taskManagerMemoryMb,
      ledger: ctx.ledger,
      signal: ctx.signal,
      log: (m) => ctx.log(m),
    });
    return { restUrl: cluster.restUrl, state: { cluster } };
  },

  async teardown(d: Deployment, ctx: RunContext): Promise<void> {
    const cluster = d.state['cluster'] as LocalClusterState | undefined;
    if (cluster) await stopLocalCluster(cluster, ctx.ledger);
  },

  async cleanup(filter: CleanupFilter): Promise<CleanupReport> {
    const report: CleanupReport = { found: [], deleted: [], failed: [] };
    const now = Date.now();
    for (const c of listLocalClusters()) {
      if (filter.runId && c.runId !== filter.runId) continue;
      // A cluster whose run still runs (or is starting it) is in use, not left behind, unless its run is named.
      if (!filter.runId && clusterOwnerAlive(c)) continue;
      if (!clusterRunning(c)) {
        // Stopped earlier; only its node homes (config, logs) are left.
        if (!filter.dryRun) rmSync(c.dir, { recursive: true, force: true });
        continue;
      }
      if (filter.olderThanMinutes !== undefined) {
        if (now - (c.createdAt ?? 0) < filter.olderThanMinutes * 60_000) continue;
      }
      for (const n of c.nodes) report.found.push({ kind: 'local-process', id: `pid:${n.pid}`, runId: c.runId });
      if (filter.dryRun) continue;
      try {
        await stopNodes(c.nodes);
        for (const n of c.nodes) report.deleted.push({ kind: 'local-process', id: `pid:${n.pid}` });
      } catch (e) {
        for (const n of c.nodes) report.failed.push({ kind: 'local-process', id: `pid:${n.pid}`, reason: (e as Error).message });
      }
    }
    return report;
  },
};
