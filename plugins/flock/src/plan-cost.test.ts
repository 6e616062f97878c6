import { describe, expect, it } from 'vitest';
import type { RunRequest } from '@streamscore/core';
import { loadPriceBook } from '@streamscore/cost';
import { workloads } from '@streamscore/workload-nexmark';
import { flockBackend, runStem } from './backend.js';

/**
 * The pre-run estimate that `--max-cost` compares with: priced from the price book, with Flock's
 * always-on source and the CloudWatch Logs of every invocation. Figures worked by hand from the
 * shipped us-east-1 book (arm64 $0.0000133334/GB-s, $0.20 per million requests, Logs $0.50/GB).
 */
describe('flock plan: the whole bill from the price book', () => {
  const q0 = workloads.find((w) => w.id === 'nexmark/q0')!;
  const request: RunRequest = { runId: 'cost-1', workload: q0, params: q0.params.parse({}) as Record<string, unknown>, target: 'local', knobs: {}, rate: 1000, durationS: 3600 };

  it('prices the query stage, the always-on source and the logs for an hour of q0 at 1,000 events/s', async () => {
    const plan = await flockBackend.plan(request);
    const stem = runStem('cost-1');
    const byName = Object.fromEntries(plan.resources.map((r) => [r.name, r.projectedCostUsd]));
    // Query stage: 4 epochs/s × 3,600 s = 14,400 invocations; 250 events each × 57 µs + 10 ms = 24.25 ms at one vCPU,
    // ÷ (1,024 / 1,769 vCPU) = 41.89 → 42 ms billed; 14,400 × 0.042 s × 1 GB = 604.8 GB-s × $0.0000133334 + 14,400 × $0.0000002.
    expect(byName[`${stem}-invocations`]).toBeCloseTo(604.8 * 0.0000133334 + 14_400 * 0.2e-6, 9);
    // Source: 4 invocations of 900 s × 4 GB = 14,400 GB-s × $0.0000133334 = $0.19200 + 4 requests.
    expect(byName[`${stem}-source`]).toBeCloseTo(14_400 * 0.0000133334 + 4 * 0.2e-6, 9);
    // Logs: (14,400 + 4) invocations × 380 B = 5,473,520 B ÷ 2^30 × $0.50.
    expect(byName[`${stem}-logs`]).toBeCloseTo((14_404 * 380 * 0.5) / 2 ** 30, 9);
    expect(plan.projectedCostUsd).toBeCloseTo(Object.values(byName).reduce((s, x) => s + (x ?? 0), 0), 12);
    expect(plan.notes.join('\n')).toMatch(/always-on 4096 MB function/);
  });

  it('follows the price book, not a table of its own', async () => {
    const book = loadPriceBook('us-east-1');
    const plan = await flockBackend.plan({ ...request, knobs: { arch: 'x86_64' } });
    const src = plan.resources.find((r) => r.name?.endsWith('-source'))!;
    // x86_64 first tier: 14,400 GB-s × the book's figure.
    expect(src.projectedCostUsd).toBeCloseTo(14_400 * book.lambda.architectures.x86_64.tiers[0]!.gbSecondUsd + 4 * book.lambda.requestUsd, 9);
  });
});
