/**
 * The ec2 target's error paths, with the AWS SDK clients mocked (aws-sdk-client-mock): RunInstances
 * refused (no capacity; the vCPU quota; a new instance profile not yet visible → retried), a REST
 * endpoint that never comes up, a job that fails. Each is a UserError saying what to do, and
 * everything created is torn down.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DeleteSecurityGroupCommand,
  DescribeInstancesCommand,
  EC2Client,
  RevokeSecurityGroupEgressCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import {
  AddRoleToInstanceProfileCommand,
  CreateInstanceProfileCommand,
  CreateRoleCommand,
  DeleteInstanceProfileCommand,
  DeleteRoleCommand,
  DeleteRolePolicyCommand,
  IAMClient,
  ListInstanceProfilesForRoleCommand,
  ListRolePoliciesCommand,
  PutRolePolicyCommand,
  RemoveRoleFromInstanceProfileCommand,
} from '@aws-sdk/client-iam';
import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { Ledger, UserError, type AnyWorkload, type KinesisBinding, type RunContext, type RunRequest } from '@streamscore/core';
import { flinkBackend, TARGETS } from '../backend.js';
import { createEc2Target } from '../targets/ec2.js';
import type { FlinkTarget } from '../targets/target.js';
import { awsClients } from './aws.js';

const ec2 = mockClient(EC2Client);
const iam = mockClient(IAMClient);
const ssm = mockClient(SSMClient);
const sts = mockClient(STSClient);

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: 400 } });
}

let restWait: (url: string) => Promise<void>;
const sleeps: number[] = [];
const saved = TARGETS['ec2'];
const dir = mkdtempSync(join(tmpdir(), 'flink-ec2-err-'));

function mockTarget(): FlinkTarget {
  return createEc2Target({
    clients: (region) => awsClients({ region, credentials: { accessKeyId: 'x', secretAccessKey: 'x' } }),
    waitForRest: (url) => restWait(url),
    callerCidr: async () => '198.51.100.9/32',
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    pollMs: 1,
    env: { AWS_REGION: 'us-east-1' },
  });
}

let nextInstance = 0;
function instance(state = 'running') {
  const n = ++nextInstance;
  return { InstanceId: `i-${n}`, PrivateIpAddress: `10.0.0.${n}`, PublicIpAddress: `203.0.113.${n}`, State: { Name: state } };
}

beforeEach(() => {
  for (const m of [ec2, iam, ssm, sts]) m.reset();
  sleeps.length = 0;
  nextInstance = 0;
  restWait = async () => {};
  TARGETS['ec2'] = mockTarget();
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333' });
  ssm.on(GetParameterCommand).resolves({ Parameter: { Value: 'ami-0123' } });
  ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-1' });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({});
  ec2.on(AuthorizeSecurityGroupEgressCommand).resolves({});
  ec2.on(RevokeSecurityGroupEgressCommand).resolves({});
  ec2.on(DeleteSecurityGroupCommand).resolves({});
  ec2.on(TerminateInstancesCommand).resolves({});
  // Describe answers with the ids asked for, in the state the call is waiting for.
  let terminated = false;
  ec2.on(TerminateInstancesCommand).callsFake(async () => {
    terminated = true;
    return {};
  });
  ec2.on(DescribeInstancesCommand).callsFake(async (input: { InstanceIds?: string[] }) => ({
    Reservations: [
      {
        Instances: (input.InstanceIds ?? []).map((id) => {
          const n = Number(id.slice(2));
          return { InstanceId: id, PrivateIpAddress: `10.0.0.${n}`, PublicIpAddress: `203.0.113.${n}`, State: { Name: terminated ? 'terminated' : 'running' } };
        }),
      },
    ],
  }));
  iam.on(CreateRoleCommand).resolves({ Role: { Arn: 'arn:aws:iam::111122223333:role/streamscore/x', RoleName: 'x', Path: '/streamscore/', RoleId: 'r', CreateDate: new Date() } });
  iam.on(PutRolePolicyCommand).resolves({});
  iam.on(CreateInstanceProfileCommand).resolves({ InstanceProfile: { Arn: 'arn:aws:iam::111122223333:instance-profile/streamscore/x', InstanceProfileName: 'x', InstanceProfileId: 'p', Path: '/streamscore/', Roles: [], CreateDate: new Date() } });
  iam.on(AddRoleToInstanceProfileCommand).resolves({});
  iam.on(RemoveRoleFromInstanceProfileCommand).resolves({});
  iam.on(DeleteInstanceProfileCommand).resolves({});
  iam.on(ListRolePoliciesCommand).resolves({ PolicyNames: ['streamscore-flink-kinesis'] });
  iam.on(ListInstanceProfilesForRoleCommand).resolves({ InstanceProfiles: [] });
  iam.on(DeleteRolePolicyCommand).resolves({});
  iam.on(DeleteRoleCommand).resolves({});
});

afterEach(() => {
  vi.unstubAllGlobals();
  delete process.env['STREAMSCORE_FLINK_JOB_JAR'];
});

afterAll(() => {
  if (saved) TARGETS['ec2'] = saved;
  rmSync(dir, { recursive: true, force: true });
});

const workload = { id: 'nexmark/q0', sql: { 'flink-sql': 'SELECT 1' } } as unknown as AnyWorkload;
function request(): RunRequest {
  return { runId: 'err-run', workload, params: {}, target: 'ec2', knobs: { region: 'us-east-1', nodes: 3 }, rate: 1000, durationS: 60 };
}
function ctx(): RunContext {
  return { runId: 'err-run', ledger: new Ledger('err-run'), log: () => {}, signal: new AbortController().signal };
}

async function provisionFails(c: RunContext): Promise<UserError> {
  const plan = await flinkBackend.plan(request());
  const e = await flinkBackend.provision(plan, c).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  return e as UserError;
}

/** Everything created was deleted: profile, role, group, and the ledger says so. */
function expectTornDown(c: RunContext): void {
  expect(iam.commandCalls(DeleteInstanceProfileCommand)).toHaveLength(1);
  expect(iam.commandCalls(DeleteRoleCommand)).toHaveLength(1);
  expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(1);
  expect(c.ledger.outstanding()).toEqual([]);
}

describe('flink ec2 target: error paths (aws-sdk-client-mock)', () => {
  it('no capacity for the instance type: a UserError naming what to try, and nothing left', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InsufficientInstanceCapacity', 'We currently do not have sufficient c6g.xlarge capacity in the Availability Zone you requested.'));
    const c = ctx();
    const e = await provisionFails(c);
    expect(e.message).toMatch(/refused to start c6g\.xlarge in us-east-1/);
    expect(e.nextStep).toMatch(/another --knob instance-type/);
    expect(ec2.commandCalls(TerminateInstancesCommand)).toHaveLength(0);
    expectTornDown(c);
  });

  it('the vCPU quota reached after the JobManager started: a UserError, and the JobManager terminated', async () => {
    ec2
      .on(RunInstancesCommand)
      .resolvesOnce({ Instances: [instance()] })
      .rejects(awsError('VcpuLimitExceeded', 'You have requested more vCPU capacity than your current vCPU limit of 8 allows.'));
    const c = ctx();
    const e = await provisionFails(c);
    expect(e.message).toMatch(/quota is reached \(VcpuLimitExceeded/);
    expect(e.nextStep).toMatch(/Service Quotas/);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((x) => x.args[0].input.InstanceIds)).toEqual([['i-1']]);
    expectTornDown(c);
    expect(c.ledger.list().filter((x) => x.kind === 'ec2-instance').map((x) => x.state)).toEqual(['deleted', 'deleted']);
  });

  it('InstanceLimitExceeded is the same quota error', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InstanceLimitExceeded', 'Your quota allows for 0 more running instance(s).'));
    const e = await provisionFails(ctx());
    expect(e.message).toMatch(/quota/);
  });

  it('a new instance profile not yet visible to EC2: retried with backoff, then the cluster starts', async () => {
    const invalid = awsError('InvalidParameterValue', 'Value (streamscore-flink-err-run) for parameter iamInstanceProfile.name is invalid. Invalid IAM Instance Profile name');
    ec2
      .on(RunInstancesCommand)
      .rejectsOnce(invalid)
      .rejectsOnce(invalid)
      .callsFake(async () => ({ Instances: [instance()] }));
    const c = ctx();
    const plan = await flinkBackend.plan(request());
    const d = await flinkBackend.provision(plan, c);
    expect(ec2.commandCalls(RunInstancesCommand)).toHaveLength(5); // 2 refused + 3 nodes
    expect(sleeps.slice(0, 2)).toEqual([2_000, 4_000]);
    expect(d.state['restUrl']).toBe('http://203.0.113.1:8081');
    const run = ec2.commandCalls(RunInstancesCommand)[2]!.args[0].input;
    expect(run.MetadataOptions?.HttpTokens).toBe('required');
    expect(run.IamInstanceProfile?.Name).toMatch(/^streamscore-flink-/);
    expect(ec2.commandCalls(DeleteSecurityGroupCommand)).toHaveLength(0);
  });

  it('a profile that never shows up: a UserError after the retries, and nothing left', async () => {
    ec2.on(RunInstancesCommand).rejects(awsError('InvalidParameterValue', 'Invalid IamInstanceProfile: streamscore-flink-err-run'));
    const c = ctx();
    const e = await provisionFails(c);
    expect(e.message).toMatch(/did not see the new instance profile/);
    expect(sleeps).toHaveLength(7);
    expectTornDown(c);
  });

  it('a REST endpoint that never comes up: times out, a UserError, and every instance terminated', async () => {
    ec2.on(RunInstancesCommand).callsFake(async () => ({ Instances: [instance()] }));
    let waited = '';
    restWait = async (url) => {
      waited = url;
      throw new Error('the Flink REST endpoint was not ready after 900 s (fetch failed)');
    };
    const c = ctx();
    const e = await provisionFails(c);
    expect(waited).toBe('http://203.0.113.1:8081');
    expect(e.message).toMatch(/did not answer with 2 TaskManager\(s\) within 900 s/);
    expect(e.nextStep).toMatch(/streamscore-node\.log/);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((x) => x.args[0].input.InstanceIds)).toEqual([['i-1', 'i-2', 'i-3']]);
    expectTornDown(c);
  });

  it('a job that fails: a UserError carrying Flink’s exception; teardown deletes the cluster', async () => {
    ec2.on(RunInstancesCommand).callsFake(async () => ({ Instances: [instance()] }));
    const c = ctx();
    const d = await flinkBackend.provision(await flinkBackend.plan(request()), c);
    const jar = join(dir, 'job.jar');
    writeFileSync(jar, 'not really a jar');
    process.env['STREAMSCORE_FLINK_JOB_JAR'] = jar;
    const calls: string[] = [];
    vi.stubGlobal('fetch', async (url: string, init?: RequestInit) => {
      const path = new URL(url).pathname;
      calls.push(`${init?.method ?? 'GET'} ${path}`);
      const json = (body: unknown) => new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
      if (path === '/jars/upload') return json({ filename: '/tmp/flink-web/upload/abc_job.jar', status: 'success' });
      if (path.endsWith('/run')) return json({ jobid: 'job-1' });
      if (path === '/jobs/job-1') return json({ jid: 'job-1', name: 'q0', state: 'FAILED', vertices: [] });
      if (path === '/jobs/job-1/exceptions') return json({ 'root-exception': 'org.apache.flink.table.api.ValidationException: Object \'bids\' not found\n\tat ...' });
      return new Response('', { status: 404 });
    });
    const binding: KinesisBinding = { kind: 'kinesis', region: 'us-east-1', inputStream: 'streamscore-err-run-in', outputStream: 'streamscore-err-run-out', framing: 'ndjson' };
    const e = await flinkBackend.start(d, { workload, params: {}, transport: binding, knobs: {} }, c).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(/job-1 is FAILED: org\.apache\.flink\.table\.api\.ValidationException: Object 'bids' not found/);
    expect(calls).toContain('GET /jobs/job-1/exceptions');
    // The harness tears the deployment down after a failed start.
    await flinkBackend.teardown(d, c);
    expect(ec2.commandCalls(TerminateInstancesCommand).map((x) => x.args[0].input.InstanceIds)).toEqual([['i-1', 'i-2', 'i-3']]);
    expectTornDown(c);
  });

  it('refuses a caller CIDR wider than one host, and 0.0.0.0/0 above all', async () => {
    for (const cidr of ['0.0.0.0/0', '10.0.0.0/8', '203.0.113.0/24', 'nonsense']) {
      const r = { ...request(), knobs: { region: 'us-east-1', 'caller-cidr': cidr } };
      await expect(flinkBackend.plan(r)).rejects.toThrow(/one IPv4 address as a \/32/);
    }
    expect(ec2.calls()).toHaveLength(0);
  });
});
