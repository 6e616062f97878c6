/**
 * The execution role of a run's functions on AWS: trusted by lambda.amazonaws.com, allowed to
 * write its logs (AWSLambdaBasicExecutionRole) and to put records on streamscore's streams, and
 * nothing else. Roles live under the path /streamscore/ and carry the run id tag, so cleanup
 * finds them.
 */
export const ROLE_PATH = '/streamscore/';
const TRUST = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' }],
});
const BASIC = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const INLINE = 'streamscore-flock-kinesis-output';

export function outputPolicy(): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Action: ['kinesis:PutRecords', 'kinesis:PutRecord'], Resource: 'arn:aws:kinesis:*:*:stream/streamscore-*' }],
  });
}

type IamSdk = typeof import('@aws-sdk/client-iam');
let sdk: Promise<IamSdk> | undefined;
const load = () => (sdk ??= import('@aws-sdk/client-iam'));

async function client() {
  const m = await load();
  return { m, c: new m.IAMClient({ region: 'us-east-1' }) };
}

/** Creates the role (or finds it) and returns its ARN. */
export async function ensureRole(name: string, runId: string): Promise<string> {
  const { m, c } = await client();
  try {
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
      await c.send(new m.AttachRolePolicyCommand({ RoleName: name, PolicyArn: BASIC }));
      await c.send(new m.PutRolePolicyCommand({ RoleName: name, PolicyName: INLINE, PolicyDocument: outputPolicy() }));
      return r.Role!.Arn!;
    } catch (e) {
      if ((e as { name?: string }).name !== 'EntityAlreadyExistsException') throw e;
      return (await c.send(new m.GetRoleCommand({ RoleName: name }))).Role!.Arn!;
    }
  } finally {
    c.destroy();
  }
}

/** Detaches, deletes the inline policy, deletes the role; a missing role is not an error. */
export async function deleteRole(name: string): Promise<void> {
  const { m, c } = await client();
  const ignore = (e: unknown) => {
    if ((e as { name?: string }).name !== 'NoSuchEntityException') throw e;
  };
  try {
    await c.send(new m.DetachRolePolicyCommand({ RoleName: name, PolicyArn: BASIC })).catch(ignore);
    await c.send(new m.DeleteRolePolicyCommand({ RoleName: name, PolicyName: INLINE })).catch(ignore);
    await c.send(new m.DeleteRoleCommand({ RoleName: name })).catch(ignore);
  } finally {
    c.destroy();
  }
}

/** Roles under /streamscore/ whose name marks them as flock's (optionally of one run). */
export async function listRunRoles(runId?: string): Promise<{ name: string; runId?: string }[]> {
  const { m, c } = await client();
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

/** What `streamscore iam-policy --backend flock` prints: what the caller needs to run flock on AWS. */
export function callerPolicy(): Record<string, unknown> {
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
      { Sid: 'Logs', Effect: 'Allow', Action: ['logs:FilterLogEvents'], Resource: 'arn:aws:logs:*:*:log-group:/aws/lambda/ss-flock-*' },
      {
        Sid: 'Role',
        Effect: 'Allow',
        Action: ['iam:CreateRole', 'iam:GetRole', 'iam:DeleteRole', 'iam:TagRole', 'iam:ListRoleTags', 'iam:AttachRolePolicy', 'iam:DetachRolePolicy', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:PassRole'],
        Resource: 'arn:aws:iam::*:role/streamscore/ss-flock-*',
      },
      { Sid: 'ListRoles', Effect: 'Allow', Action: ['iam:ListRoles'], Resource: '*' },
    ],
  };
}
