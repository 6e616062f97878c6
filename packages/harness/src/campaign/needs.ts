import type { CampaignNeeds } from '../doctor/quotas.js';
import type { CampaignProjection } from './campaign.js';

/** Standard on-demand families (the L-1216C47A quota): A, C, D, H, I, M, R, T, Z. */
const STANDARD_FAMILY = /^[acdhimrtz]/;

/**
 * What the campaign's largest cell needs at once, read from the resources its plans list: the
 * quotas `doctor` checks before `--yes` spends anything. Cells run one at a time, so the need is
 * the largest cell's, not the sum.
 */
export function campaignNeeds(p: CampaignProjection, vcpusOf: (instanceType: string) => number): CampaignNeeds {
  let shards = 0;
  let lambdas = 0;
  let vcpus = 0;
  let kpus = 0;
  for (const c of p.cells) {
    let cellShards = 0;
    let cellLambdas = 0;
    let cellVcpus = 0;
    for (const r of c.resources) {
      if (r.kind === 'kinesis-shard') cellShards += r.count;
      else if (r.kind === 'lambda-function') cellLambdas += r.count;
      else if (r.kind === 'ec2-instance' && r.size && STANDARD_FAMILY.test(r.size)) cellVcpus += vcpusOf(r.size) * r.count;
      else if (r.kind === 'kda-application') kpus = Math.max(kpus, Number(/^(\d+) KPU/.exec(r.size ?? '')?.[1] ?? 0));
    }
    shards = Math.max(shards, cellShards);
    lambdas = Math.max(lambdas, cellLambdas);
    vcpus = Math.max(vcpus, cellVcpus);
  }
  return {
    ...(shards ? { kinesisShards: shards } : {}),
    ...(lambdas ? { lambdaConcurrency: lambdas } : {}),
    ...(vcpus ? { ec2StandardVcpus: vcpus } : {}),
    ...(kpus ? { kpusPerApplication: kpus } : {}),
  };
}
