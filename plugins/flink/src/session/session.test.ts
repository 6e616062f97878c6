/**
 * Session mode: the store, a run attaching to a session (creates nothing, cancels only its job,
 * records mode and provisioning time), an EC2 session against moto (up → down leaves nothing),
 * and — with java and the job jar — a real local session serving two runs of q0.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DescribeInstancesCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';
import { GetRoleCommand, GetRolePolicyCommand } from '@aws-sdk/client-iam';
import { KinesisHarnessTransport, startLocalKinesis, type LocalKinesis } from '@streamscore/kinesis';
import {
  Ledger,
  type AnyWorkload,
  type Deployment,
  type KinesisBinding,
  type RunContext,
  type RunRequest,
} from '@streamscore/core';
import { runBenchmark } from '@streamscore/harness';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
import { q0 } from '@streamscore/workload-nexmark';
import { flinkBackend, TARGETS } from '../backend.js';
import { awsClients } from '../ec2/aws.js';
import { clusterRunning, type LocalClusterState } from '../local/cluster.js';
import { jobJarExists, jobJarPath, LAUNCHER } from '../paths.js';
import { createEc2Target } from '../targets/ec2.js';
import type { FlinkTarget } from '../targets/target.js';
import { sessionDown, sessionUp } from './manager.js';
import { checkSessionName, deleteSession, ledgerFromJournal, listSessions, readSession, writeSession, type SessionRecord } from './store.js';
import { javaPrerequisite } from '@streamscore/testkit/prerequisites';

const dir = mkdtempSync(join(tmpdir(), 'flink-sessions-'));
process.env['STREAMSCORE_SESSIONS_DIR'] = join(dir, 'sessions');
const journal = join(dir, 'ledger.jsonl');

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

const workload = { id: 'nexmark/q0', sql: { 'flink-sql': 'SELECT 1' } } as unknown as AnyWorkload;
const ctx = (runId: string): RunContext => ({ runId, ledger: new Ledger(runId, journal), log: () => {}, signal: new AbortController().signal });

function record(over: Partial<SessionRecord> = {}): SessionRecord {
  return {
    name: 'fake',
    target: 'ec2',
    runId: 'session-fake',
    createdAt: new Date().toISOString(),
    region: 'us-east-1',
    restUrl: 'http://203.0.113.1:8081',
    knobs: { parallelism: 8, taskManagers: 2, slotsPerTaskManager: 4, taskManagerMemoryMb: 6144 },
    state: { ec2: { region: 'us-east-1', instanceType: 'c6g.xlarge', nodes: [{ instanceId: 'i-1' }, { instanceId: 'i-2' }, { instanceId: 'i-3' }] }, region: 'us-east-1', volumeGb: 20 },
    provisioningMs: 240_000,
    ...over,
  };
}

describe('flink session store', () => {
  it('writes, lists, reads and forgets sessions; names are checked', () => {
    writeSession(record());
    expect(listSessions().map((s) => s.name)).toEqual(['fake']);
    expect(readSession('fake').restUrl).toBe('http://203.0.113.1:8081');
    deleteSession('fake');
    expect(() => readSession('fake')).toThrow(/no Flink session "fake"/);
    expect(() => checkSessionName('Bad Name')).toThrow(/not a session name/);
  });

  it('re-reads a session’s outstanding ledger entries from the journal (for `session down` in another process)', () => {
    const a = new Ledger('session-x', journal);
    a.intend({ id: 'n', backend: 'flink', kind: 'ec2-instance', size: 'c6g.xlarge', count: 1 });
    a.created('n', { cloudId: 'i-9' });
    a.intend({ id: 'gone', backend: 'flink', kind: 'security-group', count: 1 });
    a.deleted('gone');
    const b = ledgerFromJournal('session-x', journal);
    expect(b.list().map((e) => [e.id, e.state, e.cloudId])).toEqual([['n', 'created', 'i-9']]);
    b.deleted('n');
    expect(Ledger.readJournal(journal).find((e) => e.runId === 'session-x' && e.id === 'n')?.state).toBe('deleted');
  });
});

describe('a run in a session', () => {
  const saved = TARGETS['ec2'];
  const torn: string[] = [];
  afterEach(() => {
    vi.unstubAllGlobals();
    if (saved) TARGETS['ec2'] = saved;
    deleteSession('fake');
    delete process.env['STREAMSCORE_FLINK_JOB_JAR'];
  });

  it('attaches (creates nothing), records mode and provisioning time, and at teardown cancels only its job', async () => {
    TARGETS['ec2'] = { ...saved!, teardown: async (d: Deployment) => void torn.push(d.runId) } as FlinkTarget;
    writeSession(record());
    const calls: string[] = [];
    let jobState = 'RUNNING';
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const u = new URL(url);
      calls.push(`${init?.method ?? 'GET'} ${u.pathname}${u.search}`);
      const json = (b: unknown) => new Response(JSON.stringify(b), { status: 200 });
      if (u.pathname === '/overview') return json({ taskmanagers: 2, 'slots-total': 8, 'slots-available': 8, 'flink-version': '2.2.0' });
      if (u.pathname === '/jars/upload') return json({ filename: 'x/abc_job.jar', status: 'success' });
      if (u.pathname.endsWith('/run')) return json({ jobid: 'j1' });
      if (u.pathname === '/jobs/j1' && init?.method === 'PATCH') {
        jobState = 'CANCELED';
        return new Response('', { status: 202 });
      }
      if (u.pathname === '/jobs/j1') return json({ jid: 'j1', name: 'q0', state: jobState, vertices: [{ id: 'v', name: 'v', parallelism: 2, status: jobState }] });
      if (u.pathname.startsWith('/jars/') && init?.method === 'DELETE') return json({});
      return new Response('', { status: 404 });
    });
    const jar = join(dir, 'job.jar');
    execFileSync('touch', [jar]);
    process.env['STREAMSCORE_FLINK_JOB_JAR'] = jar;

    const req: RunRequest = { runId: 'run-in-session', workload, params: {}, target: 'ec2', knobs: { session: 'fake', parallelism: 2 }, rate: 1, durationS: 10 };
    await expect(flinkBackend.plan({ ...req, target: 'local' })).rejects.toThrow(/runs on target ec2, not local/);
    await expect(flinkBackend.plan({ ...req, knobs: { session: 'fake', nodes: 5 } })).rejects.toThrow(/cannot change the cluster/);
    const plan = await flinkBackend.plan(req);
    expect(plan.resources).toEqual([]);
    expect(plan.projectedCostUsd).toBe(0);
    const c = ctx('run-in-session');
    const d = await flinkBackend.provision(plan, c);
    expect(d.state).toMatchObject({ mode: 'session', session: 'fake', sessionProvisioningMs: 240_000, restUrl: 'http://203.0.113.1:8081', region: 'us-east-1' });
    expect(d.provisioningMs).toBeGreaterThan(0);
    expect(d.provisioningMs).toBeLessThan(5_000);
    // The run's ledger holds its share of the session's instances, for its own time.
    expect(c.ledger.list().map((e) => [e.kind, e.size, e.count, e.attributes?.['sharedFrom']])).toEqual([
      ['ec2-instance', 'c6g.xlarge', 3, 'session-fake'],
      ['ebs-gp3', '20', 3, 'session-fake'],
      ['public-ipv4', undefined, 3, 'session-fake'],
    ]);
    const binding: KinesisBinding = { kind: 'kinesis', region: 'us-east-1', inputStream: 'a', outputStream: 'b', framing: 'ndjson' };
    await flinkBackend.start(d, { workload, params: {}, transport: binding, knobs: {} }, c);
    await flinkBackend.teardown(d, c);
    expect(calls).toContain('PATCH /jobs/j1?mode=cancel');
    expect(calls).toContain('DELETE /jars/abc_job.jar');
    expect(torn).toEqual([]); // the cluster stays
    expect(c.ledger.outstanding()).toEqual([]);
  });
});

describe('an EC2 session against moto', () => {
  let moto: MotoServer;
  const saved = TARGETS['ec2'];
  const clients = (region: string) => awsClients({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  beforeAll(async () => {
    moto = await startMotoServer();
    process.env['STREAMSCORE_LEDGER'] = journal;
    TARGETS['ec2'] = createEc2Target({ clients, waitForRest: async () => {}, sleep: async () => {}, pollMs: 10, env: { AWS_REGION: 'us-east-1' } });
  });
  afterAll(async () => {
    if (saved) TARGETS['ec2'] = saved;
    delete process.env['STREAMSCORE_LEDGER'];
    await moto?.stop();
  });

  it('session up records the cluster (ledger session-NAME, role on streamscore-* streams); session down leaves nothing', async () => {
    const rec = await sessionUp('bench', 'ec2', { region: 'us-east-1', nodes: 2, 'instance-type': 'm7g.large', 'caller-cidr': '203.0.113.7/32' });
    expect(rec).toMatchObject({ name: 'bench', target: 'ec2', runId: 'session-bench', region: 'us-east-1' });
    expect(readSession('bench').restUrl).toMatch(/^http:\/\/[\d.]+:8081$/);
    const aws = await clients('us-east-1');
    try {
      const ec2 = rec.state['ec2'] as { securityGroupId: string; roleName: string };
      const doc = (await aws.iam.send(new GetRolePolicyCommand({ RoleName: ec2.roleName, PolicyName: 'streamscore-flink-kinesis' }))).PolicyDocument!;
      expect(decodeURIComponent(doc)).toContain('arn:aws:kinesis:us-east-1:123456789012:stream/streamscore-*');
      const outstanding = Ledger.readJournal(journal).filter((e) => e.runId === 'session-bench' && e.state === 'created');
      expect(outstanding.map((e) => e.kind).sort()).toEqual(['ebs-gp3', 'ebs-gp3', 'ec2-instance', 'ec2-instance', 'iam-instance-profile', 'iam-role', 'public-ipv4', 'public-ipv4', 'security-group']);
      await expect(sessionUp('bench', 'ec2', { region: 'us-east-1' })).rejects.toThrow(/already up/);

      await sessionDown('bench');
      expect(listSessions().map((s) => s.name)).not.toContain('bench');
      const r = await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:streamscore/run-id', Values: ['session-bench'] }] }));
      for (const i of (r.Reservations ?? []).flatMap((x) => x.Instances ?? [])) expect(i.State?.Name).toBe('terminated');
      await expect(aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ec2.securityGroupId] }))).rejects.toThrow();
      await expect(aws.iam.send(new GetRoleCommand({ RoleName: ec2.roleName }))).rejects.toThrow();
      expect(Ledger.readJournal(journal).filter((e) => e.runId === 'session-bench' && e.state !== 'deleted')).toEqual([]);
    } finally {
      aws.destroy();
    }
  });
});


javaPrerequisite().describe('a local Flink session serving two runs', () => {
  let kinesis: LocalKinesis | undefined;
  beforeAll(() => {
    execFileSync('bash', [LAUNCHER, 'fetch'], { stdio: 'inherit', timeout: 600_000 });
    if (!jobJarExists()) execFileSync('bash', [join(LAUNCHER, '..', '..', '..', '..', 'scripts', 'build-flink-job.sh')], { stdio: 'inherit', timeout: 600_000 });
    expect(jobJarExists(), jobJarPath()).toBe(true);
  }, 900_000);
  afterAll(async () => {
    await sessionDown('e2e').catch(() => undefined);
    await kinesis?.stop();
  });

  it('up → q0 twice in the session (the JVMs survive between runs) → down (they are gone)', async () => {
    const rec = await sessionUp('e2e', 'local', { parallelism: 1, taskmanagers: 1, 'tm-memory-mb': 1024 }, { journalPath: journal });
    const cluster = rec.state['cluster'] as LocalClusterState;
    expect(cluster.nodes).toHaveLength(2);
    kinesis = await startLocalKinesis();
    for (let i = 0; i < 2; i++) {
      const runId = `flink-session-e2e-${i}-${Date.now().toString(36)}`;
      const result = await runBenchmark({
        backend: flinkBackend,
        workload: q0 as unknown as AnyWorkload,
        target: 'local',
        knobs: { session: 'e2e' },
        rate: 300,
        warmupS: 0,
        durationS: 4,
        transport: new KinesisHarnessTransport({ runId, endpoint: kinesis.endpoint, region: 'us-east-1', backend: 'flink' }),
        runId,
        toolVersion: 'test',
      });
      expect(result.verdict.status).toBe('pass');
      expect(result.deployment.details).toMatchObject({ mode: 'session', session: 'e2e' });
      expect(result.deployment.provisioningMs).toBeLessThan(rec.provisioningMs);
      expect(clusterRunning(cluster)).toBe(true);
    }
    await sessionDown('e2e', { journalPath: journal });
    expect(clusterRunning(cluster)).toBe(false);
    rmSync(cluster.dir, { recursive: true, force: true }); // the stopped nodes' homes (logs)
  }, 300_000);
});
