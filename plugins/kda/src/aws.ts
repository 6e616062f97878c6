import type { KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import type { S3Client } from '@aws-sdk/client-s3';
import type { IAMClient } from '@aws-sdk/client-iam';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { describeError, errorName, isLoopbackEndpoint } from '@streamscore/kinesis';
import { UserError } from '@streamscore/core';

/** The SDK modules, imported on first use (the CLI pays nothing for a backend it does not run). */
export interface Sdk {
  kda: typeof import('@aws-sdk/client-kinesis-analytics-v2');
  s3: typeof import('@aws-sdk/client-s3');
  iam: typeof import('@aws-sdk/client-iam');
  cw: typeof import('@aws-sdk/client-cloudwatch');
  logs: typeof import('@aws-sdk/client-cloudwatch-logs');
}

let sdk: Promise<Sdk> | undefined;
export function loadSdk(): Promise<Sdk> {
  sdk ??= (async () => {
    const [kda, s3, iam, cw, logs] = await Promise.all([
      import('@aws-sdk/client-kinesis-analytics-v2'),
      import('@aws-sdk/client-s3'),
      import('@aws-sdk/client-iam'),
      import('@aws-sdk/client-cloudwatch'),
      import('@aws-sdk/client-cloudwatch-logs'),
    ]);
    return { kda, s3, iam, cw, logs };
  })();
  return sdk;
}

export interface AwsClients {
  kda: KinesisAnalyticsV2Client;
  s3: S3Client;
  iam: IAMClient;
  cloudwatch: CloudWatchClient;
  logs: CloudWatchLogsClient;
  destroy(): void;
}

export interface ClientOptions {
  region: string;
  /**
   * Endpoint overrides per service (a local emulator such as moto for s3, iam, cloudwatch,
   * logs). Loopback endpoints get dummy credentials; S3 uses path-style addressing.
   */
  endpoints?: Partial<Record<'kda' | 's3' | 'iam' | 'cloudwatch' | 'logs', string>>;
}

export type ClientFactory = (o: ClientOptions) => Promise<AwsClients>;

/** The SDK clients for a region (the SDK's credential chain, 3 attempts with its own backoff). */
export const defaultClients: ClientFactory = async (o) => {
  const m = await loadSdk();
  const cfg = (service: keyof NonNullable<ClientOptions['endpoints']>) => {
    const endpoint = o.endpoints?.[service];
    return {
      region: o.region,
      maxAttempts: 3,
      ...(endpoint ? { endpoint } : {}),
      ...(isLoopbackEndpoint(endpoint) ? { credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } } : {}),
    };
  };
  const kda = new m.kda.KinesisAnalyticsV2Client(cfg('kda'));
  const s3 = new m.s3.S3Client({ ...cfg('s3'), ...(o.endpoints?.s3 ? { forcePathStyle: true } : {}) });
  const iam = new m.iam.IAMClient(cfg('iam'));
  const cloudwatch = new m.cw.CloudWatchClient(cfg('cloudwatch'));
  const logs = new m.logs.CloudWatchLogsClient(cfg('logs'));
  return {
    kda,
    s3,
    iam,
    cloudwatch,
    logs,
    destroy: () => {
      for (const c of [kda, s3, iam, cloudwatch, logs]) c.destroy();
    },
  };
};

/** Time, injectable so tests run the minutes-long waits instantly and bill known spans. */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(t);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const t = setTimeout(done, ms);
      signal?.addEventListener('abort', done, { once: true });
    }),
};

const THROTTLE = new Set(['ThrottlingException', 'Throttling', 'TooManyRequestsException', 'LimitExceededException', 'RequestLimitExceeded', 'SlowDown']);
const TRANSIENT = new Set(['ServiceUnavailable', 'ServiceUnavailableException', 'InternalFailure', 'InternalServerError', 'UnableToExecuteException', 'TimeoutError', 'ECONNRESET', 'ETIMEDOUT']);

export function isThrottling(e: unknown): boolean {
  return THROTTLE.has(errorName(e));
}

export function isTransient(e: unknown): boolean {
  if (isThrottling(e) || TRANSIENT.has(errorName(e))) return true;
  const status = (e as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return typeof status === 'number' && status >= 500;
}

export interface RetryOptions {
  clock: Clock;
  attempts?: number;
  baseMs?: number;
  maxMs?: number;
  signal?: AbortSignal;
  /** Also retry these errors (e.g. a role IAM has not propagated yet). */
  retryIf?: (e: unknown) => boolean;
}

/** Calls `fn` again after throttling and 5xx (and `retryIf`), with exponential backoff. */
export async function withRetry<T>(fn: () => Promise<T>, o: RetryOptions): Promise<T> {
  const attempts = o.attempts ?? 8;
  let delay = o.baseMs ?? 1_000;
  for (let i = 1; ; i++) {
    try {
      return await fn();
    } catch (e) {
      if (i >= attempts || o.signal?.aborted || !(isTransient(e) || o.retryIf?.(e))) throw e;
      await o.clock.sleep(delay, o.signal);
      delay = Math.min(o.maxMs ?? 30_000, delay * 2);
    }
  }
}

/** True for "it is not there" answers of any of the services used here. */
export function isNotFound(e: unknown): boolean {
  const n = errorName(e);
  return n === 'ResourceNotFoundException' || n === 'NoSuchEntityException' || n === 'NoSuchEntity' || n === 'NoSuchBucket' || n === 'NoSuchKey' || n === 'NotFound';
}

const AUTH = new Set(['AccessDenied', 'AccessDeniedException', 'UnrecognizedClientException', 'InvalidClientTokenId', 'ExpiredToken', 'ExpiredTokenException', 'InvalidSignatureException', 'SignatureDoesNotMatch']);

/** An SDK error as one the user can act on when the cause is known. */
export function explainAwsError(e: unknown, doing: string): Error {
  const name = errorName(e);
  const what = `${doing}: ${describeError(e)}`;
  if (name === 'CredentialsProviderError' || /credential/i.test(name)) {
    return new UserError(what, 'Configure AWS credentials (AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY) for the account to run in.');
  }
  if (AUTH.has(name)) return new UserError(what, 'Check the credentials and that they allow what `streamscore iam-policy --backend kda` prints.');
  if (name === 'LimitExceededException') return new UserError(what, 'An account quota was reached (applications, KPUs): remove leftovers with `streamscore cleanup --backend kda`, or ask AWS for more.');
  if (name === 'BucketAlreadyExists') return new UserError(what, 'S3 bucket names are global: name one of yours with --knob bucket=NAME.');
  if (e instanceof UserError) return e;
  return new Error(what, { cause: e });
}
