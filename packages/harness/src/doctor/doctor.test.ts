/**
 * The doctor's judgements with the AWS answers mocked (aws-sdk-client-mock): denials by the
 * policy simulator, a quota below the need, a caller without access to the simulator, missing
 * credentials. doctor-moto.test.ts speaks the real wire protocol.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import { IAMClient, SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import { GetAWSDefaultServiceQuotaCommand, GetServiceQuotaCommand, ListServiceQuotasCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { DescribeLimitsCommand, KinesisClient } from '@aws-sdk/client-kinesis';
import type { IamPolicyDocument } from '@streamscore/core';
import { runDoctor, type DoctorBackend, type DoctorClients } from './doctor.js';
import { policyActions, principalArnOf } from './permissions.js';

const sts = mockClient(STSClient);
const iam = mockClient(IAMClient);
const quotas = mockClient(ServiceQuotasClient);
const kinesis = mockClient(KinesisClient);

const clients = async (region: string): Promise<DoctorClients> => ({
  sts: new STSClient({ region }),
  iam: new IAMClient({ region }),
  quotas: new ServiceQuotasClient({ region }),
  kinesis: new KinesisClient({ region }),
  destroy: () => {},
});

const policy: IamPolicyDocument = {
  Version: '2012-10-17',
  Statement: [
    { Effect: 'Allow', Action: ['lambda:CreateFunction', 'lambda:PublishLayerVersion', 'logs:Describe*'], Resource: '*' },
    { Effect: 'Allow', Action: 'lambda:DeleteFunction', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/streamscore': 'true' } } },
  ],
};
const flock: DoctorBackend = { name: 'flock', target: 'aws', policy };

function serviceQuota(service: string, code: string, name: string, value: number) {
  return { Quota: { ServiceCode: service, QuotaCode: code, QuotaName: name, Value: value } };
}

afterEach(() => {
  for (const m of [sts, iam, quotas, kinesis]) m.reset();
});

function happyAccount(): void {
  sts.on(GetCallerIdentityCommand).resolves({ Account: '111122223333', Arn: 'arn:aws:sts::111122223333:assumed-role/bench/alice' });
  quotas.on(GetServiceQuotaCommand, { ServiceCode: 'lambda', QuotaCode: 'L-B99A9384' }).resolves(serviceQuota('lambda', 'L-B99A9384', 'Concurrent executions', 1000));
  kinesis.on(DescribeLimitsCommand).resolves({ ShardLimit: 500, OpenShardCount: 498, OnDemandStreamCount: 0, OnDemandStreamCountLimit: 50 });
}

describe('doctor', () => {
  it('names the role of an assumed-role session and recognises root', () => {
    expect(principalArnOf('arn:aws:sts::111122223333:assumed-role/bench/alice')).toBe('arn:aws:iam::111122223333:role/bench');
    expect(principalArnOf('arn:aws:iam::111122223333:user/bob')).toBe('arn:aws:iam::111122223333:user/bob');
    expect(principalArnOf('arn:aws:iam::111122223333:root')).toBe('root');
    expect(policyActions(flock)).toEqual({ exact: ['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:PublishLayerVersion'], wildcard: ['logs:Describe*'] });
  });

  it('reports a denied action as missing with the fix, a tag-conditioned deny apart, and too few free shards', async () => {
    happyAccount();
    iam.on(SimulatePrincipalPolicyCommand).resolves({
      EvaluationResults: [
        { EvalActionName: 'lambda:CreateFunction', EvalDecision: 'allowed' },
        { EvalActionName: 'lambda:DeleteFunction', EvalDecision: 'implicitDeny' },
        { EvalActionName: 'lambda:PublishLayerVersion', EvalDecision: 'explicitDeny' },
      ],
    });
    const r = await runDoctor({ region: 'us-east-1', backends: [flock], needs: { lambdaConcurrency: 40, kinesisShards: 4 }, clients });
    expect(r.ready).toBe(false);
    expect(r.identity).toEqual({ account: '111122223333', arn: 'arn:aws:sts::111122223333:assumed-role/bench/alice' });
    // The simulator was asked about the role behind the session, with the exact actions only.
    const call = iam.commandCalls(SimulatePrincipalPolicyCommand)[0]!.args[0].input;
    expect(call.PolicySourceArn).toBe('arn:aws:iam::111122223333:role/bench');
    expect(call.ActionNames).toEqual(['lambda:CreateFunction', 'lambda:DeleteFunction', 'lambda:PublishLayerVersion']);
    const byCheck = Object.fromEntries(r.lines.map((l) => [l.check, l]));
    expect(byCheck['region']!.status).toBe('ok');
    expect(byCheck['Lambda concurrent executions']).toMatchObject({ status: 'ok', detail: '1000 ≥ 40 needed' });
    expect(byCheck['Kinesis shards per region']).toMatchObject({ status: 'missing', detail: '2 free (498 of 500 open) < 4 needed' });
    const perm = byCheck['flock (aws) IAM permissions']!;
    expect(perm.status).toBe('missing');
    expect(perm.detail).toContain('1 of 3 actions denied: lambda:PublishLayerVersion');
    expect(perm.detail).toContain('tag-conditioned action(s) denied without a resource, which may be the condition: lambda:DeleteFunction');
    expect(perm.detail).toContain('1 wildcard action(s) not simulated (logs:Describe*)');
    expect(perm.fix).toContain('streamscore iam-policy --backend flock');
  });

  it('falls back to the default quota, and reports a quota below the need as missing', async () => {
    happyAccount();
    quotas.on(GetServiceQuotaCommand, { ServiceCode: 'lambda', QuotaCode: 'L-B99A9384' }).rejects(Object.assign(new Error('no such quota'), { name: 'NoSuchResourceException' }));
    quotas.on(GetAWSDefaultServiceQuotaCommand).resolves(serviceQuota('lambda', 'L-B99A9384', 'Concurrent executions', 10));
    quotas.on(ListServiceQuotasCommand, { ServiceCode: 'kinesisanalytics' }).resolves({ Quotas: [{ QuotaName: 'Applications', Value: 50 }, { QuotaName: 'Kinesis Processing Units (KPUs) per application', Value: 64 }] });
    iam.on(SimulatePrincipalPolicyCommand).resolves({ EvaluationResults: [] });
    const kda: DoctorBackend = { name: 'kda', target: 'aws', policy: { Version: '2012-10-17', Statement: [] } };
    const r = await runDoctor({ region: 'eu-west-1', backends: [flock, kda], needs: { lambdaConcurrency: 40, kpusPerApplication: 8 }, clients });
    const byCheck = Object.fromEntries(r.lines.map((l) => [l.check, l]));
    expect(byCheck['Lambda concurrent executions']).toMatchObject({ status: 'missing', detail: '10 < 40 needed' });
    expect(byCheck['Lambda concurrent executions']!.fix).toContain('--quota-code L-B99A9384 --desired-value 40');
    expect(byCheck['Managed Flink KPUs per application']).toMatchObject({ status: 'ok', detail: '64 ≥ 8 needed' });
    // No EC2 line: flink was not chosen.
    expect(r.lines.some((l) => l.check.startsWith('EC2'))).toBe(false);
  });

  it('says unknown, not missing, when the simulator itself is denied', async () => {
    happyAccount();
    iam.on(SimulatePrincipalPolicyCommand).rejects(Object.assign(new Error('not authorized to perform: iam:SimulatePrincipalPolicy'), { name: 'AccessDenied' }));
    const r = await runDoctor({ region: 'us-east-1', backends: [flock], needs: {}, clients });
    const perm = r.lines.find((l) => l.area === 'permissions')!;
    expect(perm.status).toBe('unknown');
    expect(perm.detail).toContain('may not use the IAM policy simulator');
    expect(r.ready).toBe(true);
  });

  it('stops at the identity when the credentials do not resolve, and at the region when none is set', async () => {
    sts.on(GetCallerIdentityCommand).rejects(Object.assign(new Error('The security token included in the request is invalid.'), { name: 'InvalidClientTokenId' }));
    const r = await runDoctor({ region: 'us-east-1', backends: [flock], clients });
    expect(r.ready).toBe(false);
    expect(r.lines.map((l) => [l.check, l.status])).toEqual([
      ['region', 'ok'],
      ['identity', 'missing'],
    ]);
    expect(r.lines[1]!.fix).toContain('AWS_PROFILE');
    const none = await runDoctor({ env: {}, backends: [flock], clients });
    expect(none.lines).toEqual([expect.objectContaining({ check: 'region', status: 'missing' })]);
    const bad = await runDoctor({ region: 'useast1', backends: [flock], clients });
    expect(bad.lines[0]).toMatchObject({ status: 'missing', detail: '"useast1" is not an AWS region name' });
  });
});
