import type { IamPolicyDocument } from '@streamscore/core';

/**
 * The execution role of a run's functions on AWS: trusted by lambda.amazonaws.com, allowed to
 * write the logs of flock's functions (what AWSLambdaBasicExecutionRole allows, narrowed to
 * `/aws/lambda/ss-flock-*`) and to put records on streamscore's streams, and nothing else — one
 * inline policy, so creating the role is CreateRole + PutRolePolicy, both safe to repeat. Roles
 * live under the path /streamscore/ and carry the run id tag, so cleanup finds them.
 */
export const ROLE_PATH = '/streamscore/';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
export const INLINE_POLICY = 'streamscore-flock-function';

/** The functions' permissions: their own logs, and the run's output stream. */
export function functionPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'], Resource: ['arn:aws:logs:*:*:log-group:/aws/lambda/ss-flock-*', 'arn:aws:logs:*:*:log-group:/aws/lambda/ss-flock-*:*'] },
      { Sid: 'Output', Effect: 'Allow', Action: ['kinesis:PutRecords', 'kinesis:PutRecord'], Resource: 'arn:aws:kinesis:*:*:stream/streamscore-*' },
    ],
  });
}

type IamSdk = typeof import('@aws-sdk/client-iam');
let sdk: Promise<IamSdk> | undefined;
const load = () => (sdk ??= import('@aws-sdk/client-iam'));

/** Where IAM is reached: AWS by default; moto's server (endpoint + dummy credentials) in tests. */
export interface IamConfig {
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string };
}

async function client(cfg: IamConfig = {}) {
  const m = await load();
  return { m, c: new m.IAMClient({ region: 'us-east-1', ...(cfg.endpoint ? { endpoint: cfg.endpoint } : {}), ...(cfg.credentials ? { credentials: cfg.credentials } : {}) }) };
}

/** Creates the role (or finds it) and returns its ARN. */
export async function ensureRole(name: string, runId: string, cfg: IamConfig = {}): Promise<string> {
  const { m, c } = await client(cfg);
  try {
    let arn: string;
    try {
      const r = await c.send(
        new m.CreateRoleCommand({
          RoleName: name,
          Path: ROLE_PATH,
          AssumeRolePolicyDocument: TRUST,
          Description: `streamscore flock functions of run ${runId}`.slice(0, 1000),
          Tags: [
            { Key: 'streamscore/tool', Value: 'streamscore' },
            { Key: 'streamscore/run-id', Value: runId.slice(0, 256) },
          ],
        }),
      );
      arn = r.Role!.Arn!;
    } catch (e) {
      if ((e as { name?: string }).name !== 'EntityAlreadyExistsException') throw e;
      arn = (await c.send(new m.GetRoleCommand({ RoleName: name }))).Role!.Arn!;
    }
    // (Repeated on an existing role: a provision killed between the two calls is completed.)
    await c.send(new m.PutRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY, PolicyDocument: functionPolicy() }));
    return arn;
  } finally {
    c.destroy();
  }
}

/** Deletes the inline policy, then the role; a missing role is not an error. */
export async function deleteRole(name: string, cfg: IamConfig = {}): Promise<void> {
  const { m, c } = await client(cfg);
  const ignore = (e: unknown) => {
    if ((e as { name?: string }).name !== 'NoSuchEntityException') throw e;
  };
  try {
    await c.send(new m.DeleteRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY })).catch(ignore);
    await c.send(new m.DeleteRoleCommand({ RoleName: name })).catch(ignore);
  } finally {
    c.destroy();
  }
}

/** Roles under /streamscore/ whose name marks them as flock's (optionally of one run). */
export async function listRunRoles(runId?: string, cfg: IamConfig = {}): Promise<{ name: string; runId?: string }[]> {
  const { m, c } = await client(cfg);
  const out: { name: string; runId?: string }[] = [];
  try {
    let marker: string | undefined;
    do {
      const page = await c.send(new m.ListRolesCommand({ PathPrefix: ROLE_PATH, ...(marker ? { Marker: marker } : {}) }));
      for (const r of page.Roles ?? []) {
        if (!r.RoleName?.startsWith('ss-flock-')) continue;
        const tags = (await c.send(new m.ListRoleTagsCommand({ RoleName: r.RoleName }))).Tags ?? [];
        const rid = tags.find((t) => t.Key === 'streamscore/run-id')?.Value;
        if (runId && rid !== runId.slice(0, 256)) continue;
        out.push({ name: r.RoleName, ...(rid ? { runId: rid } : {}) });
      }
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
  } finally {
    c.destroy();
  }
  return out;
}

/**
 * What `streamscore iam-policy --backend flock` prints: what the caller needs to run flock on AWS
 * (functions, their execution role, the async REPORT lines in CloudWatch Logs, and the run's
 * Kinesis streams, which the harness creates and the driver reads).
 */
export function callerPolicy(): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Functions',
        Effect: 'Allow',
        Action: [
          'lambda:CreateFunction', 'lambda:UpdateFunctionCode', 'lambda:UpdateFunctionConfiguration', 'lambda:GetFunction', 'lambda:GetFunctionConfiguration',
          'lambda:DeleteFunction', 'lambda:PutFunctionConcurrency', 'lambda:InvokeFunction', 'lambda:TagResource', 'lambda:ListTags',
        ],
        Resource: 'arn:aws:lambda:*:*:function:ss-flock-*',
      },
      { Sid: 'Discover', Effect: 'Allow', Action: ['lambda:ListFunctions', 'lambda:GetAccountSettings'], Resource: '*' },
      { Sid: 'AsyncReports', Effect: 'Allow', Action: ['logs:FilterLogEvents'], Resource: ['arn:aws:logs:*:*:log-group:/aws/lambda/ss-flock-*', 'arn:aws:logs:*:*:log-group:/aws/lambda/ss-flock-*:*'] },
      {
        Sid: 'ExecutionRole',
        Effect: 'Allow',
        Action: ['iam:CreateRole', 'iam:GetRole', 'iam:DeleteRole', 'iam:TagRole', 'iam:ListRoleTags', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy'],
        Resource: 'arn:aws:iam::*:role/streamscore/ss-flock-*',
      },
      {
        Sid: 'PassRoleToLambda',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: 'arn:aws:iam::*:role/streamscore/ss-flock-*',
        Condition: { StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } },
      },
      { Sid: 'ListRoles', Effect: 'Allow', Action: ['iam:ListRoles'], Resource: '*' },
      {
        Sid: 'Streams',
        Effect: 'Allow',
        Action: [
          'kinesis:CreateStream', 'kinesis:DeleteStream', 'kinesis:DescribeStreamSummary', 'kinesis:AddTagsToStream', 'kinesis:ListTagsForStream',
          'kinesis:ListShards', 'kinesis:PutRecords', 'kinesis:GetShardIterator', 'kinesis:GetRecords',
        ],
        Resource: 'arn:aws:kinesis:*:*:stream/streamscore-*',
      },
      { Sid: 'ListStreams', Effect: 'Allow', Action: ['kinesis:ListStreams'], Resource: '*' },
    ],
  };
}
