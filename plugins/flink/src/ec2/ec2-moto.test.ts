/**
 * The ec2 target against moto's server (an AWS API emulator on 127.0.0.1, scripts/install-moto.sh):
 * the real wire protocol of EC2, IAM, SSM and STS. What it proves: the calls are well-formed and
 * accepted, and what they create is what we meant — security-group rules (no 0.0.0.0/0 ingress,
 * REST only from the caller's /32, Flink's ports only within the group), user-data (base64 of a
 * script holding the launcher and the Java install), tags on every resource, IMDSv2 required, the
 * ledger, teardown leaving nothing, and cleanup of a run abandoned half-way. What it does not prove:
 * moto's instances never boot, so nothing here runs Flink — the REST wait is stubbed.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  type Instance,
} from '@aws-sdk/client-ec2';
import { GetInstanceProfileCommand, GetRoleCommand, GetRolePolicyCommand, ListRoleTagsCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { Ledger, type AnyWorkload, type Deployment, type RunContext, type RunRequest } from '@streamscore/core';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
import { streamNamesFor } from '@streamscore/kinesis';
import { flinkBackend, TARGETS } from '../backend.js';
import { createEc2Target } from '../targets/ec2.js';
import type { FlinkTarget } from '../targets/target.js';
import { awsClients, type AwsClients } from './aws.js';
import { iamName } from './naming.js';
import { readLauncher } from './user-data.js';

const REGION = 'us-east-1';
const CALLER = '203.0.113.7/32';

let moto: MotoServer;
let aws: AwsClients;
let saved: FlinkTarget | undefined;
let dir: string;
let restWaits: string[] = [];

const clients = (region: string) => awsClients({ region, endpoint: moto.endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });

function motoTarget(): FlinkTarget {
  return createEc2Target({
    clients,
    // moto's instances never boot: stand in for Flink's REST endpoint answering.
    waitForRest: async (url) => {
      restWaits.push(url);
    },
    callerCidr: async () => {
      throw new Error('the caller-cidr knob is given in these tests; checkip must not be asked');
    },
    sleep: async () => {},
    pollMs: 20,
    env: { AWS_REGION: REGION },
    cleanupRegions: () => [REGION],
  });
}

function ctxFor(runId: string, journal?: string): RunContext {
  return { runId, ledger: new Ledger(runId, journal), log: () => {}, signal: new AbortController().signal };
}

const workload = { id: 'nexmark/q0', sql: { 'flink-sql': 'SELECT 1' } } as unknown as AnyWorkload;
const knobs = { region: REGION, 'instance-type': 'c6g.xlarge', nodes: 3, 'caller-cidr': CALLER };

function request(runId: string): RunRequest {
  return { runId, workload, params: {}, target: 'ec2', knobs, rate: 1000, durationS: 60 };
}

async function provision(runId: string, ctx: RunContext): Promise<Deployment> {
  const plan = await flinkBackend.plan(request(runId));
  return flinkBackend.provision(plan, ctx);
}

async function instancesOf(runId: string): Promise<Instance[]> {
  const r = await aws.ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:streamscore/run-id', Values: [runId] }] }));
  return (r.Reservations ?? []).flatMap((x) => x.Instances ?? []);
}

const TAGS = (runId: string) =>
  expect.arrayContaining([
    { Key: 'streamscore/tool', Value: 'streamscore' },
    { Key: 'streamscore/run-id', Value: runId },
    { Key: 'streamscore/backend', Value: 'flink' },
  ]);

async function gone(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'still there';
  } catch (e) {
    return (e as Error).name;
  }
}

describe('flink ec2 target against moto', () => {
  beforeAll(async () => {
    moto = await startMotoServer();
    aws = await clients(REGION);
    saved = TARGETS['ec2'];
    TARGETS['ec2'] = motoTarget();
    dir = mkdtempSync(join(tmpdir(), 'flink-ec2-'));
  });
  afterAll(async () => {
    if (saved) TARGETS['ec2'] = saved;
    aws?.destroy();
    await moto?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    restWaits = [];
  });

  it('plans the cluster with its projected cost before anything exists', async () => {
    const plan = await flinkBackend.plan(request('plan-only'));
    expect(plan.target).toBe('ec2');
    expect(plan.resources.find((r) => r.kind === 'ec2-instance')).toMatchObject({ size: 'c6g.xlarge', count: 3 });
    expect(plan.resources.find((r) => r.kind === 'ebs-gp3')).toMatchObject({ size: '20', count: 3 });
    expect(plan.resources.find((r) => r.kind === 'public-ipv4')).toMatchObject({ count: 3 });
    expect(plan.projectedCostUsd).toBeGreaterThan(0);
    expect(await instancesOf('plan-only')).toEqual([]);
  });

  it('provisions a tagged, locked-down cluster and tears it down leaving nothing', async () => {
    const runId = 'moto-run-1';
    const journal = join(dir, 'ledger.jsonl');
    const ctx = ctxFor(runId, journal);
    const d = await provision(runId, ctx);
    const ec2 = d.state['ec2'] as { securityGroupId: string; nodes: { instanceId: string; privateIp: string; publicIp: string }[]; imageId: string };
    expect(d.state['mode']).toBe('application');
    expect(d.provisioningMs).toBeGreaterThanOrEqual(0);
    expect(ec2.nodes).toHaveLength(3);
    const jm = ec2.nodes[0]!;
    expect(d.state['restUrl']).toBe(`http://${jm.publicIp}:8081`);
    expect(restWaits).toEqual([`http://${jm.publicIp}:8081`]);

    // Security group: REST only from the caller's /32 (and the group); Flink ports only within the group.
    const sg = (await aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ec2.securityGroupId] }))).SecurityGroups![0]!;
    expect(sg.Tags).toEqual(TAGS(runId));
    const ingress = sg.IpPermissions ?? [];
    for (const r of ingress) {
      for (const range of r.IpRanges ?? []) expect(range.CidrIp).toBe(CALLER);
      expect(r.Ipv6Ranges ?? []).toEqual([]);
    }
    expect(JSON.stringify(ingress)).not.toContain('0.0.0.0/0');
    expect(JSON.stringify(ingress)).not.toContain('::/0');
    const rest = ingress.find((r) => r.FromPort === 8081)!;
    expect(rest).toMatchObject({ IpProtocol: 'tcp', ToPort: 8081 });
    expect(rest.IpRanges!.map((x) => x.CidrIp)).toEqual([CALLER]);
    const intra = ingress.find((r) => r.FromPort === 6121)!;
    expect(intra).toMatchObject({ IpProtocol: 'tcp', ToPort: 6125 });
    expect(intra.IpRanges ?? []).toEqual([]);
    expect(intra.UserIdGroupPairs!.map((p) => p.GroupId)).toEqual([ec2.securityGroupId]);
    // Egress: no allow-all; the open world only on 443 (packages, Maven Central, Kinesis).
    const egress = sg.IpPermissionsEgress ?? [];
    expect(egress.some((r) => r.IpProtocol === '-1')).toBe(false);
    for (const r of egress) if ((r.IpRanges ?? []).some((x) => x.CidrIp === '0.0.0.0/0')) expect([r.FromPort, r.ToPort]).toEqual([443, 443]);

    // Instances: AL2023 arm64 from SSM, IMDSv2 required, the role's instance profile, tags, in the group.
    const ami = (await aws.ssm.send(new GetParameterCommand({ Name: '/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64' }))).Parameter!.Value;
    const instances = await instancesOf(runId);
    expect(instances).toHaveLength(3);
    for (const i of instances) {
      expect(i.InstanceType).toBe('c6g.xlarge');
      expect(i.ImageId).toBe(ami);
      expect(i.MetadataOptions?.HttpTokens).toBe('required');
      expect(i.IamInstanceProfile?.Arn).toContain(`instance-profile/streamscore/${iamName(runId)}`);
      expect(i.SecurityGroups?.map((g) => g.GroupId)).toEqual([ec2.securityGroupId]);
      expect(i.Tags).toEqual(TAGS(runId));
      const vols = (await aws.ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: [i.InstanceId!] }] }))).Volumes!;
      expect(vols.map((v) => [v.VolumeType, v.Size])).toEqual([['gp3', 20]]);
      expect(vols[0]!.Tags).toEqual(TAGS(runId));
    }
    expect(instances.map((i) => i.Tags?.find((t) => t.Key === 'streamscore/flink-role')?.Value).sort()).toEqual(['jobmanager', 'taskmanager', 'taskmanager']);

    // User-data: base64 of a script that installs Java and runs the very launcher the local target runs.
    const launcher = readLauncher();
    for (const n of ec2.nodes) {
      const ud = await aws.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: n.instanceId, Attribute: 'userData' }));
      const script = Buffer.from(ud.UserData!.Value!, 'base64').toString('utf8');
      expect(script.startsWith('#!/bin/bash\n')).toBe(true);
      expect(script).toContain('dnf install -y java-17-amazon-corretto-headless');
      expect(script).toContain(launcher);
      expect(script).toContain('http://169.254.169.254/latest/api/token'); // IMDSv2 token first
      const args = /^ARGS=\((.*)\)$/m.exec(script)![1]!;
      const config = Buffer.from(/--config-b64 (\S+)/.exec(args)![1]!, 'base64').toString('utf8');
      const role = n === jm ? 'jobmanager' : 'taskmanager';
      expect(args.startsWith(role + ' ')).toBe(true);
      expect(config).toContain(`jobmanager.rpc.address: ${n === jm ? 'STREAMSCORE_PRIVATE_IP' : jm.privateIp}`);
      expect(config).toContain('rest.port: 8081');
      expect(config).toContain('blob.server.port: "6124"');
    }

    // The role: under /streamscore/, tagged, Kinesis on exactly the run's two streams.
    const name = iamName(runId);
    const role = (await aws.iam.send(new GetRoleCommand({ RoleName: name }))).Role!;
    expect(role.Path).toBe('/streamscore/');
    expect((await aws.iam.send(new ListRoleTagsCommand({ RoleName: name }))).Tags).toEqual(TAGS(runId));
    // (moto's ListInstanceProfileTags answers 500; GetInstanceProfile carries the tags too)
    expect((await aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name }))).InstanceProfile?.Tags).toEqual(TAGS(runId));
    const doc = (await aws.iam.send(new GetRolePolicyCommand({ RoleName: name, PolicyName: 'streamscore-flink-kinesis' }))).PolicyDocument!;
    const policy = JSON.parse(decodeURIComponent(doc)) as { Statement: { Resource: string }[] };
    const s = streamNamesFor(runId);
    expect(policy.Statement.map((x) => x.Resource).sort()).toEqual(
      [`arn:aws:kinesis:${REGION}:123456789012:stream/${s.input}`, `arn:aws:kinesis:${REGION}:123456789012:stream/${s.output}`].sort(),
    );

    // Ledger: every resource, intended before it was created.
    const entries = ctx.ledger.list();
    expect(entries.filter((e) => e.kind === 'ec2-instance').map((e) => [e.size, e.state, e.cloudId])).toEqual(ec2.nodes.map((n) => ['c6g.xlarge', 'created', n.instanceId]));
    expect(entries.filter((e) => e.kind === 'ebs-gp3').map((e) => e.size)).toEqual(['20', '20', '20']);
    expect(entries.filter((e) => e.kind === 'public-ipv4').map((e) => e.cloudId)).toEqual(ec2.nodes.map((n) => n.publicIp));
    expect(entries.filter((e) => ['security-group', 'iam-role', 'iam-instance-profile'].includes(e.kind)).map((e) => e.state)).toEqual(['created', 'created', 'created']);
    const lines = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { id: string; state: string });
    for (const e of entries) expect(lines.find((l) => l.id === e.id)!.state).toBe('intended');

    // Teardown: nothing left.
    await flinkBackend.teardown(d, ctx);
    for (const i of await instancesOf(runId)) expect(i.State?.Name).toBe('terminated');
    expect(await gone(aws.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [ec2.securityGroupId] })))).toBe('InvalidGroup.NotFound');
    expect(await gone(aws.iam.send(new GetRoleCommand({ RoleName: name })))).toBe('NoSuchEntityException');
    expect(await gone(aws.iam.send(new GetInstanceProfileCommand({ InstanceProfileName: name })))).toBe('NoSuchEntityException');
    expect(ctx.ledger.list().every((e) => e.state === 'deleted')).toBe(true);
    // Teardown is idempotent.
    await flinkBackend.teardown(d, ctx);
  });

  it('cleanup finds and deletes everything a run abandoned half-way', async () => {
    const runId = 'moto-killed-run';
    await provision(runId, ctxFor(runId));
    // ... the process dies here: no teardown. Another run of the same region is left alone.
    const other = 'moto-other-run';
    const otherDeployment = await provision(other, ctxFor(other));

    const cleanupCtx = ctxFor('cleanup');
    // A sweep that names the local target does not look in EC2 (a campaign's sweep after a local run).
    const localOnly = await flinkBackend.cleanup({ runId, target: 'local', dryRun: true }, cleanupCtx);
    expect(localOnly.found.filter((f) => f.runId === runId)).toEqual([]);
    const dry = await flinkBackend.cleanup({ runId, dryRun: true }, cleanupCtx);
    const found = dry.found.filter((f) => f.runId === runId);
    expect(found.map((f) => f.kind).sort()).toEqual(['ec2-instance', 'ec2-instance', 'ec2-instance', 'iam-instance-profile', 'iam-role', 'security-group']);
    expect(dry.deleted).toEqual([]);
    expect((await instancesOf(runId)).every((i) => i.State?.Name === 'running')).toBe(true);

    const report = await flinkBackend.cleanup({ runId }, cleanupCtx);
    expect(report.failed).toEqual([]);
    expect(report.deleted.map((x) => x.kind).sort()).toEqual(found.map((f) => f.kind).sort());
    for (const i of await instancesOf(runId)) expect(i.State?.Name).toBe('terminated');
    expect(await gone(aws.iam.send(new GetRoleCommand({ RoleName: iamName(runId) })))).toBe('NoSuchEntityException');
    const again = await flinkBackend.cleanup({ runId }, cleanupCtx);
    expect(again.found).toEqual([]);
    // The other run is untouched.
    expect((await instancesOf(other)).every((i) => i.State?.Name === 'running')).toBe(true);
    await flinkBackend.teardown(otherDeployment, ctxFor(other));
    // (the ec2 target's own cleanup: the backend's would also stop every local Flink cluster on this machine)
    expect((await TARGETS['ec2']!.cleanup({}, cleanupCtx)).found).toEqual([]);
  });
});
