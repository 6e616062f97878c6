/**
 * The kda backend end to end against stand-ins: the managed service's control plane mocked with
 * aws-sdk-client-mock (kda-simulator), S3, IAM, CloudWatch and CloudWatch Logs real against
 * moto's server, Kinesis against kinesalite through core's runBenchmark. The mocked application
 * processes nothing, so the run is checked on its lifecycle, ledger and bill, not its verdict.
 * Needs moto_server (scripts/install-moto.sh); skipped without it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchLogsClient, DescribeLogGroupsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { IAMClient, ListRolesCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { CreateBucketCommand, ListBucketsCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { CreateApplicationCommand, type CreateApplicationCommandInput } from '@aws-sdk/client-kinesis-analytics-v2';
import { KinesisHarnessTransport, startLocalKinesis, type LocalKinesis } from '@streamscore/kinesis';
import { Ledger, type AnyWorkload, type Deployment, type RunContext } from '@streamscore/core';
import { loadPriceBook } from '@streamscore/cost';
import { runBenchmark } from '@streamscore/harness';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
// (from core's package: the same classes the harness is typed with)
import { q0 } from '@streamscore/workload-nexmark';
import { createKdaBackend, type KdaState } from './backend.js';
import { fakeClock } from './fake-clock.test-util.js';
import { simulateKda } from './kda-simulator.test-util.js';
import { runNames } from './names.js';
import { motoPrerequisite } from '@streamscore/testkit/prerequisites';

/** 2026-06-10T00:00:00Z: June has 30 days = 2,592,000 s, the month storage is prorated over. */
const T0 = Date.UTC(2026, 5, 10);
const JUNE_S = 30 * 86_400;
const JAR_BYTES = 1_048_576;

motoPrerequisite().describe('kda backend against moto (S3, IAM, CloudWatch, Logs) and a mocked Managed Flink', () => {
  let moto: MotoServer;
  let dir: string;
  let jarPath: string;
  const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };
  let s3: S3Client;
  let iam: IAMClient;
  let logs: CloudWatchLogsClient;
  let cw: CloudWatchClient;

  beforeAll(async () => {
    moto = await startMotoServer();
    dir = mkdtempSync(join(tmpdir(), 'kda-test-'));
    jarPath = join(dir, 'streamscore-flink-job.jar');
    writeFileSync(jarPath, Buffer.alloc(JAR_BYTES, 7));
    const cfg = { region: 'us-east-1', endpoint: moto.endpoint, credentials: creds };
    s3 = new S3Client({ ...cfg, forcePathStyle: true });
    iam = new IAMClient(cfg);
    logs = new CloudWatchLogsClient(cfg);
    cw = new CloudWatchClient(cfg);
  }, 60_000);

  afterAll(async () => {
    for (const c of [s3, iam, logs, cw]) c?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  let clock: ReturnType<typeof fakeClock>;
  let sim: ReturnType<typeof simulateKda>;
  beforeEach(async () => {
    await moto.reset();
    clock = fakeClock(T0);
    sim = simulateKda(clock);
  });
  afterEach(() => sim.mock.restore());

  const backendFor = (journalPath?: string) =>
    createKdaBackend({
      clock,
      endpoints: { s3: moto.endpoint, iam: moto.endpoint, cloudwatch: moto.endpoint, logs: moto.endpoint },
      jar: () => ({ path: jarPath, bytes: JAR_BYTES }),
      allowLocalStreams: true,
      cleanupRegions: ['us-east-1'],
      journalPath: journalPath ?? join(dir, 'no-journal.jsonl'),
    });

  async function leftovers() {
    const buckets = ((await s3.send(new ListBucketsCommand({}))).Buckets ?? []).map((b) => b.Name);
    const roles = ((await iam.send(new ListRolesCommand({ PathPrefix: '/streamscore/' }))).Roles ?? []).map((r) => r.RoleName);
    const groups = ((await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: '/aws/kinesis-analytics/' }))).logGroups ?? []).map((g) => g.logGroupName);
    return { buckets, roles, groups, apps: [...sim.apps.keys()] };
  }

  describe('a run through runBenchmark', () => {
    let kinesis: LocalKinesis | undefined;
    afterAll(async () => {
      await kinesis?.stop();
    });

    it('creates, starts, measures, stops and deletes everything; the bill is the KPU arithmetic', async () => {
      kinesis = await startLocalKinesis();
      const runId = 'kda-run-test';
      const app = runNames(runId).application;
      // The service publishes KPUs once a minute; moto emits nothing itself, so seed one datapoint.
      await cw.send(new PutMetricDataCommand({ Namespace: 'AWS/KinesisAnalytics', MetricData: [{ MetricName: 'KPUs', Dimensions: [{ Name: 'Application', Value: app }], Value: 5, Timestamp: new Date(T0) }] }));
      const transport = new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, region: 'us-east-1', backend: 'kda' });
      const logsSeen: string[] = [];
      const result = await runBenchmark({
        backend: backendFor(),
        workload: q0 as unknown as AnyWorkload,
        target: 'aws',
        knobs: { parallelism: 8, 'parallelism-per-kpu': 2, region: 'us-east-1' },
        rate: 200,
        durationS: 2,
        transport,
        runId,
        toolVersion: 'test',
        log: (m) => logsSeen.push(m),
      });
      expect(result.errors).toEqual([]);

      // The request that reached the service.
      const create = sim.mock.commandCalls(CreateApplicationCommand)[0]!.args[0].input as CreateApplicationCommandInput;
      expect(create.ApplicationConfiguration?.FlinkApplicationConfiguration?.ParallelismConfiguration).toEqual({ ConfigurationType: 'CUSTOM', Parallelism: 8, ParallelismPerKPU: 2, AutoScalingEnabled: false });
      expect(create.ServiceExecutionRole).toMatch(/^arn:aws:iam::123456789012:role\/streamscore\/streamscore-kda-kda-run-test-/);
      const groups = Object.fromEntries((create.ApplicationConfiguration?.EnvironmentProperties?.PropertyGroups ?? []).map((g) => [g.PropertyGroupId, g.PropertyMap]));
      expect(groups['source']).toEqual({ stream: transport.binding.inputStream });
      expect(groups['sink']).toEqual({ stream: transport.binding.outputStream });
      expect(groups['job']?.['workload']).toBe('nexmark/q0');
      // q0's SQL is longer than one property value: split in order.
      expect(Number(groups['job']?.['sql-b64.parts'])).toBeGreaterThan(1);

      // Measured start-up: StartApplication → RUNNING over the simulator's two STARTING polls of 10 s.
      const details = result.deployment.details as unknown as KdaState;
      expect(details.startupMs).toBe(20_000);
      expect(details.startStatuses).toEqual(['STARTING', 'RUNNING']);
      expect(details.forcedStop).toBe(false);
      // CloudWatch metrics reached the intervals.
      expect(result.intervals.some((i) => i.backend?.['KPUs'] === 5)).toBe(true);

      // Every resource was in the ledger and is gone.
      // (The transport's two streams are in the ledger under the run's backend too.)
      const streams = result.ledger.filter((e) => e.kind.startsWith('kinesis'));
      expect(streams).toHaveLength(2);
      expect(streams.every((e) => e.state === 'deleted')).toBe(true);
      const mine = result.ledger.filter((e) => e.backend === 'kda' && !e.kind.startsWith('kinesis'));
      expect(mine.map((e) => e.kind).sort()).toEqual(['cloudwatch-log-group', 'cloudwatch-metrics', 'iam-role', 'kda-application', 's3-bucket', 's3-object']);
      expect(mine.every((e) => e.state === 'deleted')).toBe(true);
      expect(await leftovers()).toEqual({ buckets: [], roles: [], groups: [], apps: [] });

      // The bill, by hand. The application ran well under 10 minutes → billed the 600 s minimum.
      // KPUs: ⌈8 / 2⌉ = 4 application KPUs + 1 orchestration KPU = 5.
      const kpuUsd = 5 * (600 / 3600) * 0.11; // = 0.0916667
      // Running storage: 50 GB per application KPU (not the orchestration one) = 200 GB,
      // over the same 600 s, prorated over June's 2,592,000 s, at $0.10/GB-month.
      const storageUsd = ((4 * 50 * 600) / JUNE_S) * 0.1; // = 0.0046296
      const appLines = result.cost!.lines.filter((l) => l.kind === 'kda-application');
      expect(appLines[0]!.quantity).toBeCloseTo(5 * (600 / 3600), 12); // 0.8333 KPU-hours
      expect(appLines[0]!.costUsd).toBeCloseTo(kpuUsd, 12);
      expect(appLines[1]!.costUsd).toBeCloseTo(storageUsd, 12);
      // The jar: 1 MiB for the seconds it existed (from the ledger) at $0.023/GB-month, + 1 PUT at $0.005/1,000.
      const jar = mine.find((e) => e.kind === 's3-object')!;
      const jarS = Math.ceil((jar.end! - jar.start) / 1000);
      const jarUsd = (JAR_BYTES / 2 ** 30) * (jarS / JUNE_S) * 0.023 + 1 * (0.005 / 1000);
      // GetMetricData: 6 metrics in one call (the service publishes once a minute, so one call) at $0.01/1,000.
      const cwUsd = 6 * (0.01 / 1000);
      const kdaTotal = result.cost!.lines.filter((l) => mine.some((e) => e.id === l.resource)).reduce((a, l) => a + l.costUsd, 0);
      expect(kdaTotal).toBeCloseTo(kpuUsd + storageUsd + jarUsd + cwUsd, 12);
      // The run's Kinesis streams were kinesalite's: nothing. So the total is the kda bill:
      // 0.0916667 + 0.0046296 + 0.000005 (PUT) + ~0.0000002 (jar storage) + 0.00006 (metrics) ≈ $0.09636.
      expect(result.cost!.totalUsd).toBeCloseTo(kpuUsd + storageUsd + jarUsd + cwUsd, 12);
      expect(result.cost!.totalUsd).toBeCloseTo(0.09636, 5);
      // Unpriced: only the log group (CloudWatch Logs is not in the price book).
      expect(result.cost!.lines.filter((l) => l.rule.startsWith('no price')).map((l) => l.kind)).toEqual(['cloudwatch-log-group']);
    }, 120_000);
  });

  it('writes a least-privilege policy for the service role', async () => {
    const backend = backendFor();
    const ledger = new Ledger('policy-run');
    const ctx: RunContext = { runId: 'policy-run', ledger, log: () => {}, signal: new AbortController().signal };
    const plan = await backend.plan({ runId: 'policy-run', workload: q0 as unknown as AnyWorkload, params: {}, target: 'aws', knobs: {}, rate: 1000, durationS: 60 });
    const d = await backend.provision(plan, ctx);
    await backend.start(d, { workload: q0 as unknown as AnyWorkload, params: q0.params.parse({}) as Record<string, unknown>, knobs: {}, transport: { kind: 'kinesis', region: 'us-east-1', inputStream: 'streamscore-p-in', outputStream: 'streamscore-p-out', framing: 'x' } }, ctx);
    const n = runNames('policy-run');
    const doc = JSON.parse(decodeURIComponent((await iam.send(new GetRolePolicyCommand({ RoleName: n.role, PolicyName: 'streamscore-kda-service' }))).PolicyDocument!));
    expect(doc.Statement.find((s: { Sid: string }) => s.Sid === 'ReadInput').Resource).toBe('arn:aws:kinesis:us-east-1:123456789012:stream/streamscore-p-in');
    expect(doc.Statement.find((s: { Sid: string }) => s.Sid === 'ReadJar').Resource).toBe(`arn:aws:s3:::${n.bucket}/${n.jarKey}`);
    await backend.teardown(d, ctx);
    expect(await leftovers()).toEqual({ buckets: [], roles: [], groups: [], apps: [] });
  }, 60_000);

  it('cleans up after itself when provision fails half-way', async () => {
    const backend = createKdaBackend({ clock, endpoints: { s3: moto.endpoint, iam: moto.endpoint, cloudwatch: moto.endpoint, logs: moto.endpoint }, jar: () => ({ path: join(dir, 'missing.jar'), bytes: 10 }) });
    const ledger = new Ledger('half-run');
    const ctx: RunContext = { runId: 'half-run', ledger, log: () => {}, signal: new AbortController().signal };
    const plan = await backend.plan({ runId: 'half-run', workload: q0 as unknown as AnyWorkload, params: {}, target: 'aws', knobs: {}, rate: 1000, durationS: 60 });
    await expect(backend.provision(plan, ctx)).rejects.toThrow(/uploading the job jar/);
    expect((await leftovers()).buckets).toEqual([]);
    expect(ledger.list().find((e) => e.kind === 's3-bucket')?.state).toBe('deleted');
  }, 60_000);

  it('cleanup finds and deletes everything killed runs left: application, role, log group, bucket, jar in a user bucket', async () => {
    const journal = join(dir, `journal-${Date.now()}.jsonl`);
    const killed = backendFor(journal);
    await s3.send(new CreateBucketCommand({ Bucket: 'my-jars' }));
    const binding = { kind: 'kinesis' as const, region: 'us-east-1', inputStream: 'streamscore-k-in', outputStream: 'streamscore-k-out', framing: 'x' };
    const deployments: Deployment[] = [];
    for (const [runId, knobs] of [['killed-1', {}], ['killed-2', { bucket: 'my-jars' }]] as const) {
      const ctx: RunContext = { runId, ledger: new Ledger(runId, journal), log: () => {}, signal: new AbortController().signal };
      const plan = await killed.plan({ runId, workload: q0 as unknown as AnyWorkload, params: {}, target: 'aws', knobs, rate: 1000, durationS: 60 });
      const d = await killed.provision(plan, ctx);
      await killed.start(d, { workload: q0 as unknown as AnyWorkload, params: q0.params.parse({}) as Record<string, unknown>, knobs, transport: binding }, ctx);
      deployments.push(d);
      // …and the process dies here: no stop, no teardown.
    }
    expect(sim.apps.size).toBe(2);
    expect([...sim.apps.values()].every((a) => a.status === 'RUNNING')).toBe(true);

    const fresh = backendFor(journal);
    const ctx: RunContext = { runId: 'cleanup', ledger: new Ledger('cleanup'), log: () => {}, signal: new AbortController().signal };
    const dry = await fresh.cleanup({ dryRun: true }, ctx);
    expect(dry.deleted).toEqual([]);
    expect(dry.found.map((f) => f.kind).sort()).toEqual([
      'cloudwatch-log-group', 'cloudwatch-log-group', 'iam-role', 'iam-role', 'kda-application', 'kda-application', 's3-bucket', 's3-object',
    ]);
    // One run only, by its tag.
    const one = await fresh.cleanup({ runId: 'killed-1' }, ctx);
    expect(one.failed).toEqual([]);
    expect(new Set(one.found.map((f) => f.runId))).toEqual(new Set(['killed-1']));
    expect(sim.apps.has(runNames('killed-1').application)).toBe(false);
    // The rest.
    const all = await fresh.cleanup({}, ctx);
    expect(all.failed).toEqual([]);
    expect(all.deleted.map((d) => d.kind).sort()).toEqual(['cloudwatch-log-group', 'iam-role', 'kda-application', 's3-object']);
    expect(await leftovers()).toEqual({ buckets: ['my-jars'], roles: [], groups: [], apps: [] });
    expect((await s3.send(new ListObjectsV2Command({ Bucket: 'my-jars' }))).Contents ?? []).toEqual([]);
    // Running applications were stopped before being deleted.
    expect(sim.mock.commandCalls(CreateApplicationCommand)).toHaveLength(2);
    expect((await fresh.cleanup({}, ctx)).found).toEqual([]);
  }, 60_000);

  it('plans the cost before anything exists: ⌈8/2⌉ + 1 KPUs, 10-minute minimum, storage, metrics, streams', async () => {
    const backend = backendFor();
    const plan = await backend.plan({ runId: 'plan-run', workload: q0 as unknown as AnyWorkload, params: {}, target: 'aws', knobs: { parallelism: 8, 'parallelism-per-kpu': 2 }, rate: 200_000, durationS: 60 });
    expect(sim.mock.calls()).toHaveLength(0);
    expect((await leftovers()).buckets).toEqual([]);
    const book = loadPriceBook('us-east-1');
    // 60 s of run + 300 s allowance for start-up and stop = 360 s → billed the 600 s minimum.
    const kpu = 5 * (600 / 3600) * book.kda.kpuHourUsd; // $0.0916667
    const storage = ((4 * 50 * 600) / 3600 / book.hoursPerMonth) * book.kda.runningStorageGbMonthUsd; // planner months: 730 h → $0.0045662
    const app = plan.resources.find((r) => r.kind === 'kda-application')!;
    expect(app.projectedCostUsd).toBeCloseTo(kpu + storage, 10);
    const jar = (JAR_BYTES / 2 ** 30) * (360 / 3600 / book.hoursPerMonth) * 0.023 + 0.005 / 1000;
    const metrics = 0.1 * 360 * (0.01 / 1000); // 6 metrics a minute
    const streams = 2 * (360 / 3600) * 0.015;
    expect(plan.projectedCostUsd).toBeCloseTo(kpu + storage + jar + metrics + streams, 10);
    expect(plan.notes.join(' ')).toMatch(/⌈8 \/ 2⌉ = 4 KPUs \+ 1 orchestration KPU/);
  });
});
