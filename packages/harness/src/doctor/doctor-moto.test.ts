/**
 * The doctor against moto's server (scripts/install-moto.sh): STS, IAM, Service Quotas and
 * Kinesis over the real wire protocol. What it proves: the calls are well-formed, the identity is
 * read, Kinesis's own shard limit is read, and what moto cannot answer (Service Quotas beyond VPC,
 * the policy simulator) comes out as `unknown` with a fix — never as a crash or a false `ok`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
import type { IamPolicyDocument } from '@streamscore/core';
import { runDoctor } from './doctor.js';

let moto: MotoServer;
beforeAll(async () => {
  moto = await startMotoServer();
}, 60_000);
afterAll(async () => moto?.stop());

const policy: IamPolicyDocument = { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['kinesis:CreateStream', 'lambda:CreateFunction'], Resource: '*' }] };

describe('doctor against moto', () => {
  it('reads the identity and the shard limit, and says what it could not check', async () => {
    const r = await runDoctor({
      region: 'us-east-1',
      endpoint: moto.endpoint,
      credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' },
      backends: [{ name: 'flock', target: 'aws', policy }],
      needs: { lambdaConcurrency: 10, kinesisShards: 4 },
    });
    const byCheck = Object.fromEntries(r.lines.map((l) => [l.check, l]));
    // moto's fixed account.
    expect(r.identity?.account).toBe('123456789012');
    expect(byCheck['identity']!.status).toBe('ok');
    // moto's fixed Kinesis limits: 6,000 shards, none open.
    expect(byCheck['Kinesis shards per region']).toMatchObject({ status: 'ok', detail: '6000 free (0 of 6000 open) ≥ 4 needed' });
    // moto serves VPC quotas only.
    expect(byCheck['Lambda concurrent executions']!.status).toBe('unknown');
    expect(byCheck['Lambda concurrent executions']!.fix).toContain('L-B99A9384');
    // moto has no policy simulator.
    expect(byCheck['flock (aws) IAM permissions']).toMatchObject({ status: 'unknown' });
    expect(byCheck['flock (aws) IAM permissions']!.fix).toContain('streamscore iam-policy --backend flock');
    expect(r.ready).toBe(true);
  }, 60_000);
});
