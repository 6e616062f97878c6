import { createHash } from 'node:crypto';

/** Tag keys every resource carries (the convention of core's kinesis/client.ts). */
export const TAG_TOOL = 'streamscore/tool';
export const TAG_RUN_ID = 'streamscore/run-id';
export const TOOL = 'streamscore';

/** Prefixes cleanup lists by; every name a run gives starts with one of them. */
export const APP_PREFIX = 'streamscore-';
export const ROLE_PREFIX = 'streamscore-kda-';
export const ROLE_PATH = '/streamscore/';
export const BUCKET_PREFIX = 'streamscore-kda-';
export const LOG_GROUP_PREFIX = '/aws/kinesis-analytics/streamscore-';
export const LOG_STREAM = 'kinesis-analytics-log-stream';
/** Key prefix of the jar in a bucket the user names (the run deletes only its own object). */
export const OBJECT_PREFIX = 'streamscore/';

export const INLINE_POLICY = 'streamscore-kda-service';

function hash(s: string, n: number): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

function safe(runId: string): string {
  return runId.replace(/[^a-zA-Z0-9_.-]/g, '-');
}

/** `prefix` + the run id (cut from the front if too long) + a short hash of the whole run id. */
function bounded(prefix: string, runId: string, max: number, lower = false): string {
  let id = safe(runId);
  if (lower) id = id.toLowerCase().replace(/[^a-z0-9-]/g, '-');
  const h = hash(runId, 6);
  const room = max - prefix.length - h.length - 1;
  const body = id.length > room ? id.slice(id.length - room) : id;
  return `${prefix}${body}-${h}`.replace(/-+/g, '-');
}

export interface RunNames {
  application: string;
  role: string;
  /** The bucket the run creates when the user names none. */
  bucket: string;
  jarKey: string;
  logGroup: string;
  logStream: string;
}

export function runNames(runId: string): RunNames {
  return {
    // ApplicationName: 1–128 of [a-zA-Z0-9_.-]
    application: bounded(APP_PREFIX, runId, 128),
    // RoleName: at most 64 characters
    role: bounded(ROLE_PREFIX, runId, 64),
    // Bucket names: 3–63 lower-case letters, digits and hyphens, globally unique
    bucket: bounded(BUCKET_PREFIX, runId, 63, true).replace(/-$/, ''),
    jarKey: `${OBJECT_PREFIX}${safe(runId)}/streamscore-flink-job.jar`,
    logGroup: `${LOG_GROUP_PREFIX}${safe(runId)}`.slice(0, 512),
    logStream: LOG_STREAM,
  };
}

/** AWS tag values allow letters, digits, spaces and _ . : / = + - @. */
export function tagValue(v: string): string {
  return v.replace(/[^\p{L}\p{N}\s_.:/=+\-@]/gu, '-').slice(0, 256);
}

export function runTags(runId: string): { Key: string; Value: string }[] {
  return [
    { Key: TAG_TOOL, Value: TOOL },
    { Key: TAG_RUN_ID, Value: tagValue(runId) },
  ];
}

export function tagRecord(runId: string): Record<string, string> {
  return Object.fromEntries(runTags(runId).map((t) => [t.Key, t.Value]));
}

/** The partition and account of an ARN (`arn:aws:iam::123456789012:role/…`). */
export function arnParts(arn: string): { partition: string; account: string } {
  const p = arn.split(':');
  if (p.length < 6 || p[0] !== 'arn' || !p[1] || !p[4]) throw new Error(`not an ARN with an account: ${arn}`);
  return { partition: p[1], account: p[4] };
}
