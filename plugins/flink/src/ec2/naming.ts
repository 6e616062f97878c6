import { createHash } from 'node:crypto';
import { streamTags, TAG_RUN_ID, TAG_TOOL } from '@streamscore/kinesis';

/**
 * Names and tags of everything the ec2 target creates. Tags follow core's convention for the
 * Kinesis streams (`streamscore/tool=streamscore`, `streamscore/run-id=<runId>`, kinesis/client.ts),
 * plus `streamscore/backend=flink` (so flink's cleanup leaves other backends' roles alone) and
 * `streamscore/created-at` (security groups have no creation time of their own; `--older-than`
 * needs one).
 */
export const TAG_BACKEND = 'streamscore/backend';
export const TAG_CREATED_AT = 'streamscore/created-at';
export const TAG_ROLE = 'streamscore/flink-role';
export { TAG_RUN_ID, TAG_TOOL };

/** IAM path of every role and instance profile streamscore creates (`arn:aws:iam::*:role/streamscore/*`). */
export const IAM_PATH = '/streamscore/';
/** Prefix of role, instance profile and security group names. */
export const NAME_PREFIX = 'streamscore-flink-';

export type Tag = { Key: string; Value: string };

export function runTags(runId: string, createdAt: Date, extra: Record<string, string> = {}): Tag[] {
  // core's Kinesis-safe values, then the creation time (IAM and EC2 tags allow its ':').
  const t = { ...streamTags(runId, { [TAG_BACKEND]: 'flink', ...extra }), [TAG_CREATED_AT]: createdAt.toISOString().replace(/\.\d+Z$/, 'Z') };
  return Object.entries(t).map(([Key, Value]) => ({ Key, Value: Value.replace(/[^\p{L}\p{Z}\p{N}_.:/=+\-@]/gu, '-') }));
}

/** IAM names allow [\w+=,.@-], ≤ 64 characters: the run id's tail plus a hash of the whole. */
export function iamName(runId: string): string {
  const hash = createHash('sha256').update(runId).digest('hex').slice(0, 8);
  const safe = runId.replace(/[^\w+=,.@-]/g, '-');
  const room = 64 - NAME_PREFIX.length - hash.length - 1;
  return `${NAME_PREFIX}${safe.length > room ? safe.slice(safe.length - room) : safe}-${hash}`;
}

export function securityGroupName(runId: string): string {
  return `${NAME_PREFIX}${runId}`.replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '-').slice(0, 255);
}

/** Reads a tag's value from an SDK tag list. */
export function tagValue(tags: readonly { Key?: string | undefined; Value?: string | undefined }[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.Key === key)?.Value;
}
