/**
 * A campaign of Managed Flink (kda) cells end to end: the managed service mocked
 * (kda-simulator), S3, IAM, CloudWatch and Logs on moto's server, Kinesis on kinesalite, through
 * the campaign module and runBenchmark. A first invocation runs one cell and then "dies" while
 * the second cell's resources exist (its start line journaled, provisioned, never torn down); the
 * second invocation sweeps them through the backend's cleanup, runs the second cell, and refuses
 * the third because its projection would take the measured spend past the cap. Nothing is left
 * behind. The mocked application processes nothing, so the cells' verdicts are not passes; the
 * bills are real arithmetic (the 10-minute KPU minimum dominates). The SIGKILL of a real campaign
 * process is in test/campaign.test.ts.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand } from '@aws-sdk/client-iam';
import { ListBucketsCommand, S3Client } from '@aws-sdk/client-s3';
import { Ledger, type AnyWorkload } from '@streamscore/core';
import { campaignCells, CampaignFileSchema, CampaignJournal, projectCampaign, runBenchmark, runCampaign, type CampaignRunDeps } from '@streamscore/harness';
import { KinesisHarnessTransport, startLocalKinesis, type LocalKinesis } from '@streamscore/kinesis';
import { createKdaBackend } from '@streamscore/plugin-kda';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
import { q0 } from '@streamscore/workload-nexmark';
import { fakeClock } from '../plugins/kda/src/fake-clock.test-util.js';
import { simulateKda } from '../plugins/kda/src/kda-simulator.test-util.js';

const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
let moto: MotoServer;
let kinesis: LocalKinesis;
let dir: string;

beforeAll(async () => {
  [moto, kinesis] = await Promise.all([startMotoServer(), startLocalKinesis()]);
  dir = mkdtempSync(join(tmpdir(), 'ss-campaign-kda-'));
}, 60_000);
afterAll(async () => {
  await Promise.all([moto?.stop(), kinesis?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

describe('a kda campaign against moto and the mocked service', () => {
  it('resumes after a death mid-cell, sweeps what the dead cell left, stops at the cap, and leaves nothing', async () => {
    process.env['AWS_ACCESS_KEY_ID'] ??= 'testing';
    process.env['AWS_SECRET_ACCESS_KEY'] ??= 'testing';
    const clock = fakeClock(Date.UTC(2026, 5, 10));
    const sim = simulateKda(clock);
    const jar = join(dir, 'job.jar');
    writeFileSync(jar, Buffer.alloc(1024, 7));
    const backend = createKdaBackend({
      clock,
      endpoints: { s3: moto.endpoint, iam: moto.endpoint, cloudwatch: moto.endpoint, logs: moto.endpoint },
      jar: () => ({ path: jar, bytes: 1024 }),
      allowLocalStreams: true,
      cleanupRegions: ['us-east-1'],
      journalPath: join(dir, 'ledger.jsonl'),
    });
    const workload = q0 as unknown as AnyWorkload;
    const f = CampaignFileSchema.parse({ maxCostUsd: 0.125, workloads: ['nexmark/q0'], backends: [{ backend: 'kda', target: 'aws', knobs: { parallelism: 1, region: 'us-east-1' } }], rates: [200, 300, 400], duration: '2s' });
    const projection = await projectCampaign(f, campaignCells(f).map((cell) => ({ cell, backend, workload, target: 'aws' })), { durationS: 2 });
    // Each cell: 2 KPUs (1 + orchestration) billed the 10-minute minimum at $0.11/KPU-hour ≈ $0.0367, plus storage and the rest.
    for (const c of projection.cells) expect(c.projectedUsd).toBeGreaterThan(0.0367);
    expect(projection.totalUsd, JSON.stringify(projection.cells.map((c) => c.projectedUsd))).toBeLessThanOrEqual(f.maxCostUsd);

    const out = join(dir, 'campaign');
    let n = 0;
    const deps = (): CampaignRunDeps => ({
      signal: new AbortController().signal,
      log: () => {},
      newRunId: () => `kda-campaign-${++n}`,
      backendNamed: () => backend,
      runCell: async (c, runId) => {
        const result = await runBenchmark({
          backend,
          workload,
          target: 'aws',
          knobs: c.cell.knobs,
          rate: c.cell.rate,
          durationS: 2,
          runId,
          transport: new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, region: 'us-east-1', backend: 'kda' }),
          toolVersion: 'test',
        });
        return { result, spentUsd: result.cost?.totalUsd ?? 0 };
      },
    });

    // First invocation: cell 1 runs; then the process "dies" in cell 2, after provisioning.
    const first = await runCampaign({ ...projection, cells: projection.cells.slice(0, 1) }, out, deps());
    expect(first.cells.map((c) => c.status)).toEqual(['done']);
    const spent1 = first.spentUsd;
    expect(spent1).toBeGreaterThan(0.0367);
    new CampaignJournal(join(out, 'campaign-journal.jsonl')).append({ state: 'started', cell: projection.cells[1]!.cell.id, runId: 'kda-dead', backend: 'kda', projectedUsd: projection.cells[1]!.projectedUsd, at: new Date().toISOString() });
    const plan = await backend.plan({ runId: 'kda-dead', workload, params: {}, target: 'aws', knobs: { parallelism: 1, region: 'us-east-1' }, rate: 300, durationS: 2 });
    await backend.provision(plan, { runId: 'kda-dead', ledger: new Ledger('kda-dead'), log: () => {}, signal: new AbortController().signal });
    expect((await leftovers(sim)).buckets.length).toBe(1);

    // Second invocation: the dead cell is swept, cell 2 runs, cell 3 would pass the cap.
    const second = await runCampaign(projection, out, deps());
    expect(second.cells.map((c) => c.status)).toEqual(['done earlier', 'done', 'not run']);
    const lines = new CampaignJournal(join(out, 'campaign-journal.jsonl')).read();
    const cleaned = lines.find((l) => l.state === 'cleaned');
    expect(cleaned).toMatchObject({ runId: 'kda-dead' });
    // kda's cleanup finds the run by its application and deletes it with its bucket, role and log group.
    expect(cleaned).toMatchObject({ found: 1, deleted: 1 });
    // Spent: two measured cells plus the dead cell's projection; the third's projection does not fit.
    expect(second.spentUsd).toBeCloseTo(spent1 + projection.cells[1]!.projectedUsd + second.cells[1]!.costUsd!, 9);
    expect(second.spentUsd + projection.cells[2]!.projectedUsd).toBeGreaterThan(f.maxCostUsd);
    expect(second.stopped).toMatch(/is projected at \$0\.0\d+, past the cap/);
    expect(await leftovers(sim)).toEqual({ buckets: [], roles: [], groups: [], apps: [] });
    sim.mock.restore();
  }, 180_000);
});

async function leftovers(sim: ReturnType<typeof simulateKda>) {
  const cfg = { region: 'us-east-1', endpoint: moto.endpoint, credentials: creds };
  const s3 = new S3Client({ ...cfg, forcePathStyle: true });
  const iam = new IAMClient(cfg);
  const logs = new CloudWatchLogsClient(cfg);
  try {
    const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    const roles = ((await iam.send(new ListRolesCommand({ PathPrefix: '/streamscore/' }))).Roles ?? []).map((r) => r.RoleName);
    const groups = ((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/kinesis-analytics/' }))).logGroups ?? []).map((g) => g.logGroupName);
    return { buckets, roles, groups, apps: [...sim.apps.keys()] };
  } finally {
    for (const c of [s3, iam, logs]) c.destroy();
  }
}
