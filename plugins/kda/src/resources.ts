import { readFile } from 'node:fs/promises';
import { errorName } from '@streamscore/kinesis';
import { isNotFound, loadSdk, withRetry, type AwsClients, type Clock } from './aws.js';
import { INLINE_POLICY, ROLE_PATH, runTags, tagRecord } from './names.js';
import { SERVICE_TRUST_POLICY } from './request.js';

/** The S3, IAM and CloudWatch Logs resources of a run: create (idempotent) and delete (missing is fine). */

export async function createBucket(c: AwsClients, bucket: string, region: string, runId: string): Promise<void> {
  const { s3 } = await loadSdk();
  try {
    await c.s3.send(
      new s3.CreateBucketCommand({
        Bucket: bucket,
        // us-east-1 takes no LocationConstraint.
        ...(region === 'us-east-1' ? {} : { CreateBucketConfiguration: { LocationConstraint: region as never } }),
      }),
    );
  } catch (e) {
    if (errorName(e) !== 'BucketAlreadyOwnedByYou') throw e;
  }
  await c.s3.send(new s3.PutBucketTaggingCommand({ Bucket: bucket, Tagging: { TagSet: runTags(runId) } }));
}

export async function uploadJar(c: AwsClients, bucket: string, key: string, path: string, bytes: number, runId: string): Promise<void> {
  const { s3 } = await loadSdk();
  // Read whole (the jar is a few MB): a buffer can be sent again when the SDK retries, a stream cannot.
  const body = await readFile(path);
  if (body.length !== bytes) throw new Error(`${path} changed size (${bytes} → ${body.length} bytes) while the run started`);
  await c.s3.send(
    new s3.PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: body,
      ContentLength: bytes,
      ContentType: 'application/java-archive',
      Tagging: new URLSearchParams(tagRecord(runId)).toString(),
    }),
  );
}

export async function objectExists(c: AwsClients, bucket: string, key: string): Promise<boolean> {
  const { s3 } = await loadSdk();
  try {
    await c.s3.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (isNotFound(e) || (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404) return false;
    throw e;
  }
}

export async function deleteObject(c: AwsClients, bucket: string, key: string): Promise<void> {
  const { s3 } = await loadSdk();
  try {
    await c.s3.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key }));
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/** Empties (every object and version) and deletes a bucket the run created. */
export async function deleteBucket(c: AwsClients, bucket: string): Promise<boolean> {
  const { s3 } = await loadSdk();
  try {
    let token: string | undefined;
    do {
      const r = await c.s3.send(new s3.ListObjectsV2Command({ Bucket: bucket, ...(token ? { ContinuationToken: token } : {}) }));
      const keys = (r.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length) await c.s3.send(new s3.DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys, Quiet: true } }));
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    await c.s3.send(new s3.DeleteBucketCommand({ Bucket: bucket }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** Tags of a bucket; empty when it has none or is gone. */
export async function bucketTags(c: AwsClients, bucket: string): Promise<Record<string, string>> {
  const { s3 } = await loadSdk();
  try {
    const r = await c.s3.send(new s3.GetBucketTaggingCommand({ Bucket: bucket }));
    return Object.fromEntries((r.TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  } catch (e) {
    if (isNotFound(e) || errorName(e) === 'NoSuchTagSet' || errorName(e) === 'NoSuchTagSetError') return {};
    throw e;
  }
}

/** The service execution role with its inline policy; returns its ARN. An existing role (a retried step) is reused. */
export async function createRole(c: AwsClients, name: string, runId: string): Promise<string> {
  const { iam } = await loadSdk();
  try {
    const r = await c.iam.send(
      new iam.CreateRoleCommand({
        RoleName: name,
        Path: ROLE_PATH,
        AssumeRolePolicyDocument: JSON.stringify(SERVICE_TRUST_POLICY),
        Description: `streamscore kda application of run ${runId}`.slice(0, 1000),
        MaxSessionDuration: 3600,
        Tags: runTags(runId),
      }),
    );
    return r.Role!.Arn!;
  } catch (e) {
    if (errorName(e) !== 'EntityAlreadyExistsException' && errorName(e) !== 'EntityAlreadyExists') throw e;
    return (await c.iam.send(new iam.GetRoleCommand({ RoleName: name }))).Role!.Arn!;
  }
}

export async function putRolePolicy(c: AwsClients, name: string, policy: object): Promise<void> {
  const { iam } = await loadSdk();
  await c.iam.send(new iam.PutRolePolicyCommand({ RoleName: name, PolicyName: INLINE_POLICY, PolicyDocument: JSON.stringify(policy) }));
}

/** Deletes every inline policy, then the role. False if it did not exist. */
export async function deleteRole(c: AwsClients, name: string): Promise<boolean> {
  const { iam } = await loadSdk();
  try {
    const names = (await c.iam.send(new iam.ListRolePoliciesCommand({ RoleName: name }))).PolicyNames ?? [];
    for (const p of names) await c.iam.send(new iam.DeleteRolePolicyCommand({ RoleName: name, PolicyName: p }));
    await c.iam.send(new iam.DeleteRoleCommand({ RoleName: name }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

export async function createLogGroup(c: AwsClients, group: string, stream: string, runId: string): Promise<void> {
  const { logs } = await loadSdk();
  try {
    await c.logs.send(new logs.CreateLogGroupCommand({ logGroupName: group, tags: tagRecord(runId) }));
  } catch (e) {
    if (errorName(e) !== 'ResourceAlreadyExistsException') throw e;
  }
  // A week is plenty to read why a run failed; the group is deleted with the run anyway.
  await c.logs.send(new logs.PutRetentionPolicyCommand({ logGroupName: group, retentionInDays: 7 }));
  try {
    await c.logs.send(new logs.CreateLogStreamCommand({ logGroupName: group, logStreamName: stream }));
  } catch (e) {
    if (errorName(e) !== 'ResourceAlreadyExistsException') throw e;
  }
}

export async function deleteLogGroup(c: AwsClients, group: string): Promise<boolean> {
  const { logs } = await loadSdk();
  try {
    await c.logs.send(new logs.DeleteLogGroupCommand({ logGroupName: group }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}

/** IAM takes seconds to let a new role be assumed; CreateApplication says so with InvalidArgumentException. */
export function isRoleNotReady(e: unknown): boolean {
  const msg = e instanceof Error ? e.message : String(e);
  return errorName(e) === 'InvalidArgumentException' && /role|assume|privilege/i.test(msg);
}

export async function retryWhileRoleNotReady<T>(fn: () => Promise<T>, clock: Clock, signal?: AbortSignal): Promise<T> {
  return withRetry(fn, { clock, attempts: 10, baseMs: 2_000, maxMs: 15_000, retryIf: isRoleNotReady, ...(signal ? { signal } : {}) });
}
