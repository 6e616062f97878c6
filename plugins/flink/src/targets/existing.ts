import { UserError, type CleanupReport, type RunContext } from '@streamscore/core';
import { FlinkRestClient } from '../rest/client.js';
import type { ClusterKnobs, FlinkTarget, ProvisionedCluster } from './target.js';

/** `--target existing --rest-url URL`: a cluster the user runs; nothing is created or removed. */
export const existingTarget: FlinkTarget = {
  name: 'existing',
  description: 'a Flink cluster you already run, reached at --rest-url',

  plan(k: ClusterKnobs) {
    if (!k.restUrl) throw new UserError('--target existing needs the cluster\'s REST URL.', 'Pass --rest-url http://HOST:8081.');
    return { resources: [], projectedCostUsd: 0, notes: [`submits the job to the Flink cluster at ${k.restUrl}; creates nothing there but the job and its uploaded jar`] };
  },

  async provision(k: ClusterKnobs, ctx: RunContext): Promise<ProvisionedCluster> {
    if (!k.restUrl) throw new UserError('--target existing needs the cluster\'s REST URL.', 'Pass --rest-url http://HOST:8081.');
    const rest = new FlinkRestClient(k.restUrl, { timeoutMs: 10_000 });
    try {
      const ov = await rest.overview();
      ctx.log(`Flink ${ov['flink-version']} at ${k.restUrl}: ${ov.taskmanagers} TaskManagers, ${ov['slots-available']} of ${ov['slots-total']} slots free`);
      if (ov['slots-available'] < k.parallelism) {
        throw new UserError(
          `the cluster at ${k.restUrl} has ${ov['slots-available']} free slots; the job needs ${k.parallelism}.`,
          'Lower --parallelism or free slots on the cluster.',
        );
      }
    } catch (e) {
      if (e instanceof UserError) throw e;
      throw new UserError(`no Flink REST API answers at ${k.restUrl}: ${(e as Error).message}`, 'Check --rest-url and that the cluster is up.');
    }
    return { restUrl: k.restUrl, state: {} };
  },

  async teardown(): Promise<void> {},

  async cleanup(): Promise<CleanupReport> {
    return { found: [], deleted: [], failed: [] };
  },
};
