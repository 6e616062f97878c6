import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
// Type-only: erased at compile time, so importing this module does not load the SDK.
import type { KinesisClient, Shard } from '@aws-sdk/client-kinesis';
import { UserError } from '@streamscore/core';

export type KinesisSdk = typeof import('@aws-sdk/client-kinesis');

let sdk: Promise<KinesisSdk> | undefined;

/** The AWS SDK's Kinesis module, imported on first use (the CLI pays nothing when unused). */
export function loadKinesisSdk(): Promise<KinesisSdk> {
  sdk ??= import('@aws-sdk/client-kinesis');
  return sdk;
}

export interface KinesisClientOptions {
  region: string;
  /** Endpoint override (kinesalite, kinesis-local, a VPC endpoint). */
  endpoint?: string;
  /** HTTP/1.1 sockets kept alive per host when an endpoint is given. Default 64. */
  maxSockets?: number;
  /** Explicit credentials; by default the SDK's chain, or dummy ones for a loopback endpoint. */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** SDK-level attempts per call (its own retry of whole-call throttling and 5xx). Default 3. */
  maxAttempts?: number;
  /** Use the HTTP/1.1 handler even without an endpoint (the SDK's default on AWS is HTTP/2). */
  http1?: boolean;
}

/** True for endpoints on this machine, where dummy credentials are used. */
export function isLoopbackEndpoint(endpoint: string | undefined): boolean {
  if (!endpoint) return false;
  try {
    const host = new URL(endpoint).hostname.replace(/^\[|\]$/g, '');
    return host === 'localhost' || host === '::1' || host.startsWith('127.');
  } catch {
    return false;
  }
}

/**
 * Builds a Kinesis client. With an endpoint (a local Kinesis) it uses the HTTP/1.1 handler
 * with a keep-alive agent — the SDK's default HTTP/2 handler fails against kinesalite — and, for
 * a loopback endpoint only, dummy credentials. Call `client.destroy()` when done.
 */
export async function kinesisClient(o: KinesisClientOptions): Promise<KinesisClient> {
  const { KinesisClient } = await loadKinesisSdk();
  const config: ConstructorParameters<typeof KinesisClient>[0] = { region: o.region, maxAttempts: o.maxAttempts ?? 3 };
  if (o.endpoint || o.http1) {
    const { NodeHttpHandler } = await import('@smithy/node-http-handler');
    const maxSockets = o.maxSockets ?? 64;
    config.requestHandler = new NodeHttpHandler({
      httpAgent: new HttpAgent({ keepAlive: true, maxSockets }),
      httpsAgent: new HttpsAgent({ keepAlive: true, maxSockets }),
      connectionTimeout: 5_000,
    });
  }
  if (o.endpoint) config.endpoint = o.endpoint;
  if (o.credentials) config.credentials = o.credentials;
  else if (isLoopbackEndpoint(o.endpoint)) config.credentials = { accessKeyId: 'local', secretAccessKey: 'local' };
  return new KinesisClient(config);
}

// ---------------------------------------------------------------------------------------------
// Errors

/** The SDK's error name (ProvisionedThroughputExceededException, …) or a Node error code. */
export function errorName(e: unknown): string {
  if (e && typeof e === 'object') {
    const { name, code } = e as { name?: unknown; code?: unknown };
    if (typeof name === 'string' && name !== 'Error') return name;
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'Error';
}

const THROTTLE = new Set(['ProvisionedThroughputExceededException', 'LimitExceededException', 'ThrottlingException', 'KMSThrottlingException']);
const TRANSIENT = new Set(['InternalFailure', 'InternalFailureException', 'ServiceUnavailable', 'ServiceUnavailableException', 'TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'socket hang up']);

export function isThrottle(e: unknown): boolean {
  return THROTTLE.has(errorName(e));
}

/** Throttling, 5xx and network errors: worth another try. */
export function isRetryable(e: unknown): boolean {
  const name = errorName(e);
  if (THROTTLE.has(name) || TRANSIENT.has(name)) return true;
  const m = e as { $retryable?: unknown; $metadata?: { httpStatusCode?: number }; code?: unknown };
  if (m?.$retryable) return true;
  const status = m?.$metadata?.httpStatusCode;
  if (typeof status === 'number' && status >= 500) return true;
  return typeof m?.code === 'string' && TRANSIENT.has(m.code);
}

export function describeError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  const name = errorName(e);
  return msg.startsWith(name) ? msg : `${name}: ${msg}`;
}

const AUTH = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'InvalidSignatureException', 'ExpiredTokenException', 'IncompleteSignature', 'MissingAuthenticationToken']);

/**
 * Turns an SDK error into one the user can act on (a UserError with the next step) when the
 * cause is known; otherwise an Error that still says what was being done.
 */
export function explainKinesisError(e: unknown, doing: string, endpoint?: string): Error {
  const name = errorName(e);
  const what = `${doing}: ${describeError(e)}`;
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return new UserError(what, 'Configure AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account to run in.');
  }
  if (AUTH.has(name)) {
    return new UserError(what, 'Check the AWS credentials and that they allow Kinesis stream management (`streamscore iam-policy --backend NAME` prints the policy).');
  }
  if (name === 'LimitExceededException') {
    return new UserError(what, 'The account’s shard quota (or the CreateStream rate) was reached: use fewer shards, remove leftovers with `streamscore cleanup`, or raise the quota.');
  }
  if (endpoint && (name === 'ECONNREFUSED' || name === 'ECONNRESET' || name === 'ENOTFOUND')) {
    return new UserError(what, `Nothing answers at ${endpoint}: is the local Kinesis (kinesalite) running?`);
  }
  return new Error(what, { cause: e });
}

// ---------------------------------------------------------------------------------------------
// Streams

/** Tag keys every stream carries (Kinesis tags allow letters, digits, spaces and _ . / = + - % @). */
export const TAG_TOOL = 'streamscore/tool';
export const TAG_RUN_ID = 'streamscore/run-id';
/** Prefix of the names of every stream a run creates; `cleanup` lists by it. */
export const STREAM_PREFIX = 'streamscore-';

/** Replaces characters Kinesis does not accept in tags. */
export function tagSafe(value: string): string {
  return value.replace(/[^\p{L}\p{N}\s_./=+\-%@]/gu, '-');
}

export function streamTags(runId: string, extra: Record<string, string> = {}): Record<string, string> {
  const tags: Record<string, string> = { [TAG_TOOL]: 'streamscore', [TAG_RUN_ID]: tagSafe(runId) };
  for (const [k, v] of Object.entries(extra)) tags[tagSafe(k)] = tagSafe(v);
  return tags;
}

/** Stream names of a run: `streamscore-<runId>-in` / `-out`, within Kinesis's charset and 128 chars. */
export function streamNamesFor(runId: string, prefix = STREAM_PREFIX): { input: string; output: string } {
  const safe = runId.replace(/[^a-zA-Z0-9_.-]/g, '-');
  const room = 128 - prefix.length - 4;
  const base = prefix + (safe.length > room ? safe.slice(safe.length - room) : safe);
  return { input: `${base}-in`, output: `${base}-out` };
}

export interface CreateStreamOptions {
  name: string;
  shards: number;
  tags?: Record<string, string>;
  /** Bound on the wait for ACTIVE. Default 300 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface StreamInfo {
  name: string;
  arn?: string;
  shards: number;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Creates a provisioned stream with its tags and waits (bounded poll) until it is ACTIVE.
 * A stream that already exists under the name (a retried step) is waited for, not re-created.
 * Tags are passed on CreateStream and checked afterwards (local services ignore them there).
 */
export async function createStream(client: KinesisClient, o: CreateStreamOptions): Promise<StreamInfo> {
  const { CreateStreamCommand } = await loadKinesisSdk();
  if (!(Number.isInteger(o.shards) && o.shards >= 1)) throw new Error(`shard count must be a positive integer (got ${o.shards})`);
  try {
    await client.send(
      new CreateStreamCommand({
        StreamName: o.name,
        ShardCount: o.shards,
        StreamModeDetails: { StreamMode: 'PROVISIONED' },
        ...(o.tags && Object.keys(o.tags).length > 0 ? { Tags: o.tags } : {}),
      }),
    );
  } catch (e) {
    if (errorName(e) !== 'ResourceInUseException') throw e;
  }
  const arn = await waitForStreamActive(client, o.name, o.timeoutMs ?? 300_000, o.signal);
  if (o.tags && Object.keys(o.tags).length > 0) await ensureTags(client, o.name, o.tags);
  return { name: o.name, ...(arn ? { arn } : {}), shards: o.shards };
}

/** Polls DescribeStreamSummary until ACTIVE; returns the stream ARN. */
export async function waitForStreamActive(client: KinesisClient, name: string, timeoutMs = 300_000, signal?: AbortSignal): Promise<string | undefined> {
  const { DescribeStreamSummaryCommand } = await loadKinesisSdk();
  const deadline = Date.now() + timeoutMs;
  let delay = 50;
  for (;;) {
    if (signal?.aborted) throw new Error(`stopped waiting for stream ${name} to become ACTIVE`);
    try {
      const r = await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      const d = r.StreamDescriptionSummary;
      if (d?.StreamStatus === 'ACTIVE') return d.StreamARN;
    } catch (e) {
      // Just after CreateStream, AWS may not list the stream yet.
      if (errorName(e) !== 'ResourceNotFoundException' && !isRetryable(e)) throw e;
    }
    if (Date.now() + delay > deadline) throw new Error(`stream ${name} was not ACTIVE after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(delay, signal);
    delay = Math.min(1_000, Math.round(delay * 1.5));
  }
}

/** Adds whichever of `tags` the stream lacks. */
export async function ensureTags(client: KinesisClient, name: string, tags: Record<string, string>): Promise<void> {
  const have = await listStreamTags(client, name);
  const missing: Record<string, string> = {};
  for (const [k, v] of Object.entries(tags)) if (have[k] !== v) missing[k] = v;
  if (Object.keys(missing).length > 0) await tagStream(client, name, missing);
}

/** AddTagsToStream, 10 tags per call (the API's limit). */
export async function tagStream(client: KinesisClient, name: string, tags: Record<string, string>): Promise<void> {
  const { AddTagsToStreamCommand } = await loadKinesisSdk();
  const entries = Object.entries(tags);
  for (let i = 0; i < entries.length; i += 10) {
    await client.send(new AddTagsToStreamCommand({ StreamName: name, Tags: Object.fromEntries(entries.slice(i, i + 10)) }));
  }
}

export async function listStreamTags(client: KinesisClient, name: string): Promise<Record<string, string>> {
  const { ListTagsForStreamCommand } = await loadKinesisSdk();
  const out: Record<string, string> = {};
  let start: string | undefined;
  for (;;) {
    const r = await client.send(new ListTagsForStreamCommand({ StreamName: name, ...(start ? { ExclusiveStartTagKey: start } : {}) }));
    for (const t of r.Tags ?? []) if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
    const last = r.Tags?.[r.Tags.length - 1]?.Key;
    if (!r.HasMoreTags || !last) return out;
    start = last;
  }
}

export interface DeleteStreamOptions {
  /** Wait until the stream is gone (bounded). Default false. */
  wait?: boolean;
  timeoutMs?: number;
}

/**
 * Deletes a stream (and its enhanced fan-out consumers). Idempotent: returns false when the
 * stream did not exist.
 */
export async function deleteStream(client: KinesisClient, name: string, o: DeleteStreamOptions = {}): Promise<boolean> {
  const { DeleteStreamCommand, DescribeStreamSummaryCommand } = await loadKinesisSdk();
  const timeoutMs = o.timeoutMs ?? 300_000;
  const deadline = Date.now() + timeoutMs;
  let delay = 100;
  let transient = 0;
  for (;;) {
    try {
      await client.send(new DeleteStreamCommand({ StreamName: name, EnforceConsumerDeletion: true }));
      break;
    } catch (e) {
      const n = errorName(e);
      if (n === 'ResourceNotFoundException') return false;
      // A stream still CREATING or UPDATING cannot be deleted yet; other trouble gets a few tries.
      const again = n === 'ResourceInUseException' || (isRetryable(e) && ++transient <= 4);
      if (!again || Date.now() + delay > deadline) throw e;
      await sleep(delay);
      delay = Math.min(2_000, delay * 2);
    }
  }
  if (o.wait) {
    delay = 50;
    for (;;) {
      try {
        await client.send(new DescribeStreamSummaryCommand({ StreamName: name }));
      } catch (e) {
        if (errorName(e) === 'ResourceNotFoundException') break;
        if (!isRetryable(e)) throw e;
      }
      if (Date.now() + delay > deadline) throw new Error(`stream ${name} was still there ${Math.round(timeoutMs / 1000)} s after DeleteStream`);
      await sleep(delay);
      delay = Math.min(1_000, Math.round(delay * 1.5));
    }
  }
  return true;
}

/** Names of the streams whose name starts with `prefix` (for cleanup). */
export async function listStreams(client: KinesisClient, prefix = ''): Promise<string[]> {
  const { ListStreamsCommand } = await loadKinesisSdk();
  const out: string[] = [];
  let start: string | undefined;
  for (;;) {
    const r = await client.send(new ListStreamsCommand({ Limit: 1000, ...(start ? { ExclusiveStartStreamName: start } : {}) }));
    const names = r.StreamNames ?? [];
    for (const n of names) if (n.startsWith(prefix)) out.push(n);
    const last = names[names.length - 1];
    if (!r.HasMoreStreams || !last) return out;
    start = last;
  }
}

/** Every shard of a stream (open and closed), paginated. */
export async function listShards(client: KinesisClient, name: string): Promise<Shard[]> {
  const { ListShardsCommand } = await loadKinesisSdk();
  const out: Shard[] = [];
  let token: string | undefined;
  for (;;) {
    const r = await client.send(new ListShardsCommand(token ? { NextToken: token } : { StreamName: name }));
    out.push(...(r.Shards ?? []));
    if (!r.NextToken) return out;
    token = r.NextToken;
  }
}

export function isOpenShard(s: Shard): boolean {
  return s.SequenceNumberRange?.EndingSequenceNumber === undefined;
}

/**
 * One explicit hash key per open shard — the middle of its hash-key range — so a writer cycling
 * through them spreads records evenly over the shards.
 */
export function shardHashKeys(shards: readonly Shard[]): string[] {
  const keys: string[] = [];
  for (const s of shards) {
    if (!isOpenShard(s) || !s.HashKeyRange?.StartingHashKey || !s.HashKeyRange.EndingHashKey) continue;
    const lo = BigInt(s.HashKeyRange.StartingHashKey);
    const hi = BigInt(s.HashKeyRange.EndingHashKey);
    keys.push(((lo + hi) / 2n).toString());
  }
  return keys;
}
