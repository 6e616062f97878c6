/**
 * docs/plugins.md, "Costing a backend": how a backend that creates cloud resources plans their
 * cost with the price book and records them in the ledger. The cloud is an interface here (a
 * real backend calls its SDK); test/docs-samples.test.ts type-checks and runs this file.
 */
import { UserError, type Plan, type PlannedResource, type RunContext, type RunRequest } from '@streamscore/core';
import { loadPriceBook, projectCost } from '@streamscore/cost';

/** The few cloud calls the sample needs; a real backend calls the AWS SDK. */
export interface Cloud {
  runInstance(type: string, tags: Record<string, string>): Promise<string>;
  terminateInstance(instanceId: string): Promise<void>;
}

// #region plan-cost
export async function planWorkers(request: RunRequest): Promise<Plan> {
  const instanceType = String(request.knobs['instanceType'] ?? 'm7g.large');
  const nodes = Number(request.knobs['nodes'] ?? 2);
  const book = loadPriceBook('us-east-1'); // the shipped snapshot, or ~/.streamscore/prices/us-east-1.json
  if (!book.ec2.instances[instanceType]) {
    throw new UserError(`The price book has no instance type ${instanceType}.`, 'docs/cost.md lists the instance types the shipped book prices.');
  }
  const projected = projectCost([{ kind: 'ec2-instance', name: 'worker', size: instanceType, count: nodes }], book, {
    durationS: request.durationS,
    events: request.rate * request.durationS,
  });
  const resources: PlannedResource[] = [
    { kind: 'ec2-instance', name: 'worker', size: instanceType, count: nodes, projectedCostUsd: projected.totalUsd },
  ];
  return {
    backend: 'sample-ec2',
    target: request.target,
    request,
    resources,
    projectedCostUsd: projected.totalUsd,
    notes: [`list prices of ${book.region} as of ${book.date}`],
  };
}
// #endregion plan-cost

// #region ledger
export async function provisionWorkers(plan: Plan, ctx: RunContext, cloud: Cloud): Promise<string[]> {
  const worker = plan.resources[0]!;
  const ids: string[] = [];
  for (let i = 0; i < worker.count; i++) {
    const id = `worker-${i}`;
    // 1. Into the ledger first: a crash during the call still leaves a trail for cleanup.
    ctx.ledger.intend({ id, backend: 'sample-ec2', kind: 'ec2-instance', size: worker.size, count: 1, region: 'us-east-1' });
    try {
      // 2. Create it, tagged with the run id so that cleanup can find it by tag.
      const instanceId = await cloud.runInstance(worker.size!, { 'streamscore:run': ctx.runId, 'streamscore:tool': 'streamscore' });
      // 3. Record that it exists, with the cloud's id.
      ctx.ledger.created(id, { cloudId: instanceId });
      ids.push(instanceId);
    } catch (e) {
      ctx.ledger.failed(id);
      throw e;
    }
  }
  return ids;
}

export async function teardownWorkers(ctx: RunContext, cloud: Cloud): Promise<void> {
  for (const e of ctx.ledger.outstanding()) {
    if (e.cloudId) await cloud.terminateInstance(e.cloudId); // terminating twice is harmless
    ctx.ledger.deleted(e.id); // billing stops here: cost = ledger × price book
  }
}
// #endregion ledger
