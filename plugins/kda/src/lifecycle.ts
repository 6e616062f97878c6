import type { ApplicationDetail, KinesisAnalyticsV2Client } from '@aws-sdk/client-kinesis-analytics-v2';
import { describeError, errorName } from '@streamscore/kinesis';
import { isNotFound, isThrottling, isTransient, loadSdk, type Clock } from './aws.js';

/**
 * The application's life on the managed service: StartApplication, then DescribeApplication
 * polled until RUNNING (the SDK has no waiters); StopApplication, forced after a timeout;
 * DeleteApplication with the CreateTimestamp from Describe. Throttling on Describe backs off.
 */

export interface Timing {
  clock: Clock;
  /** Between two Describe calls. Default 10 s. */
  pollMs: number;
  /** Longest pause after throttling. Default 60 s. */
  maxBackoffMs: number;
  /** STARTING → RUNNING. Default 15 min. */
  startTimeoutMs: number;
  /** STOPPING → READY before a forced stop. Default 5 min. */
  stopTimeoutMs: number;
  /** FORCE_STOPPING → READY. Default 5 min. */
  forceStopTimeoutMs: number;
  /** DELETING → gone. Default 5 min. */
  deleteTimeoutMs: number;
  signal?: AbortSignal;
}

export const DEFAULT_TIMING: Omit<Timing, 'clock'> = {
  pollMs: 10_000,
  maxBackoffMs: 60_000,
  startTimeoutMs: 15 * 60_000,
  stopTimeoutMs: 5 * 60_000,
  forceStopTimeoutMs: 5 * 60_000,
  deleteTimeoutMs: 5 * 60_000,
};

/** DescribeApplication; undefined when the application does not exist. Throttling is retried by the caller's loop. */
export async function describe(kda: KinesisAnalyticsV2Client, name: string): Promise<ApplicationDetail | undefined> {
  const { kda: m } = await loadSdk();
  try {
    return (await kda.send(new m.DescribeApplicationCommand({ ApplicationName: name }))).ApplicationDetail;
  } catch (e) {
    if (isNotFound(e)) return undefined;
    throw e;
  }
}

export interface PollOutcome {
  detail: ApplicationDetail | undefined;
  /** Statuses seen, in order, without repeats. */
  seen: string[];
  throttled: number;
}

/**
 * Polls Describe until `done(detail)` says so or the timeout passes (then returns the last
 * answer with `timedOut`). Throttling and 5xx double the pause up to maxBackoffMs.
 */
export async function poll(
  kda: KinesisAnalyticsV2Client,
  name: string,
  t: Timing,
  timeoutMs: number,
  done: (d: ApplicationDetail | undefined, seen: string[], answers: number) => boolean,
): Promise<PollOutcome & { timedOut: boolean }> {
  const deadline = t.clock.now() + timeoutMs;
  const seen: string[] = [];
  let throttled = 0;
  let delay = t.pollMs;
  let detail: ApplicationDetail | undefined;
  let answers = 0;
  for (;;) {
    let answered = false;
    try {
      detail = await describe(kda, name);
      answered = true;
      answers++;
      const s = detail?.ApplicationStatus ?? 'GONE';
      if (seen[seen.length - 1] !== s) seen.push(s);
      if (done(detail, seen, answers)) return { detail, seen, throttled, timedOut: false };
      delay = t.pollMs;
    } catch (e) {
      if (!isTransient(e)) throw e;
      if (isThrottling(e)) throttled++;
      delay = Math.min(t.maxBackoffMs, Math.max(t.pollMs, delay * 2));
    }
    if (t.signal?.aborted) throw new Error(`stopped waiting for application ${name} (interrupted)`);
    if (t.clock.now() + (answered ? t.pollMs : delay) > deadline) return { detail, seen, throttled, timedOut: true };
    await t.clock.sleep(answered ? t.pollMs : delay, t.signal);
  }
}

/** Why an operation failed, from DescribeApplicationOperation (best effort). */
async function operationFailure(kda: KinesisAnalyticsV2Client, name: string, operationId: string | undefined): Promise<string | undefined> {
  if (!operationId) return undefined;
  const { kda: m } = await loadSdk();
  try {
    const r = await kda.send(new m.DescribeApplicationOperationCommand({ ApplicationName: name, OperationId: operationId }));
    const d = r.ApplicationOperationInfoDetails;
    const err = d?.OperationFailureDetails?.ErrorInfo?.ErrorString;
    return err ?? (d?.OperationStatus ? `operation ${d.OperationStatus}` : undefined);
  } catch {
    return undefined;
  }
}

export interface Started {
  /** StartApplication sent → RUNNING seen, ms. */
  startupMs: number;
  seen: string[];
  throttled: number;
  detail: ApplicationDetail;
}

/** StartApplication (without restoring a snapshot), then waits for RUNNING. Idempotent: a RUNNING application is returned as is. */
export async function startApplication(kda: KinesisAnalyticsV2Client, name: string, t: Timing): Promise<Started> {
  const { kda: m } = await loadSdk();
  const before = await describe(kda, name);
  if (!before) throw new Error(`application ${name} does not exist`);
  if (before.ApplicationStatus === 'RUNNING') return { startupMs: 0, seen: ['RUNNING'], throttled: 0, detail: before };
  const sent = t.clock.now();
  let operationId: string | undefined;
  if (before.ApplicationStatus === 'READY') {
    try {
      const r = await kda.send(
        new m.StartApplicationCommand({
          ApplicationName: name,
          RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } },
        }),
      );
      operationId = r.OperationId;
    } catch (e) {
      throw new Error(`StartApplication ${name} failed: ${describeError(e)}`, { cause: e });
    }
  }
  const out = await poll(kda, name, t, t.startTimeoutMs, (d, seen, answers) => {
    const s = d?.ApplicationStatus;
    if (s === 'RUNNING') return true;
    // Back to READY after STARTING (or still READY a poll later): the start failed — the job
    // threw, the role was refused, the jar was not found, ….
    if (!d || (s === 'READY' && (seen.includes('STARTING') || answers > 1))) return true;
    return false;
  });
  const status = out.detail?.ApplicationStatus;
  if (status === 'RUNNING' && out.detail) return { startupMs: t.clock.now() - sent, seen: out.seen, throttled: out.throttled, detail: out.detail };
  const why = await operationFailure(kda, name, operationId);
  if (out.timedOut) throw new Error(`application ${name} was not RUNNING ${Math.round(t.startTimeoutMs / 1000)} s after StartApplication (statuses: ${out.seen.join(' → ')})${why ? `: ${why}` : ''}`);
  throw new Error(`application ${name} did not start (statuses: ${out.seen.join(' → ')})${why ? `: ${why}` : '; see its CloudWatch log stream'}`);
}

export interface Stopped {
  forced: boolean;
  /** When READY (or gone) was seen. */
  stoppedAtMs: number;
  seen: string[];
}

const STOPPED = (d: ApplicationDetail | undefined) => !d || d.ApplicationStatus === 'READY';

/** StopApplication; after stopTimeoutMs without READY, StopApplication with Force. Idempotent. */
export async function stopApplication(kda: KinesisAnalyticsV2Client, name: string, t: Timing): Promise<Stopped> {
  const { kda: m } = await loadSdk();
  const before = await pollOnce(kda, name, t);
  if (STOPPED(before)) return { forced: false, stoppedAtMs: t.clock.now(), seen: [before?.ApplicationStatus ?? 'GONE'] };
  let force = before?.ApplicationStatus === 'FORCE_STOPPING';
  if (!force) {
    try {
      await kda.send(new m.StopApplicationCommand({ ApplicationName: name, Force: false }));
    } catch (e) {
      // An application in a transient status (STARTING, UPDATING, AUTOSCALING) refuses a plain stop.
      if (errorName(e) !== 'ResourceInUseException' && !isTransient(e)) throw e;
      force = true;
    }
  }
  let seen: string[] = [];
  if (!force) {
    const r = await poll(kda, name, t, t.stopTimeoutMs, STOPPED);
    seen = r.seen;
    if (!r.timedOut) return { forced: false, stoppedAtMs: t.clock.now(), seen };
  }
  try {
    await kda.send(new m.StopApplicationCommand({ ApplicationName: name, Force: true }));
  } catch (e) {
    if (!isNotFound(e) && errorName(e) !== 'ResourceInUseException') throw e;
  }
  const r = await poll(kda, name, t, t.forceStopTimeoutMs, STOPPED);
  seen = [...seen, ...r.seen];
  if (r.timedOut) throw new Error(`application ${name} did not stop, even forced (statuses: ${seen.join(' → ')})`);
  return { forced: true, stoppedAtMs: t.clock.now(), seen };
}

/** One Describe, retried through throttling. */
async function pollOnce(kda: KinesisAnalyticsV2Client, name: string, t: Timing): Promise<ApplicationDetail | undefined> {
  return (await poll(kda, name, t, t.maxBackoffMs * 4, () => true)).detail;
}

/** DeleteApplication with the CreateTimestamp from Describe; waits (bounded) until it is gone. False if it did not exist. */
export async function deleteApplication(kda: KinesisAnalyticsV2Client, name: string, t: Timing): Promise<boolean> {
  const { kda: m } = await loadSdk();
  const d = await pollOnce(kda, name, t);
  if (!d) return false;
  if (d.ApplicationStatus !== 'DELETING') {
    try {
      await kda.send(new m.DeleteApplicationCommand({ ApplicationName: name, CreateTimestamp: d.CreateTimestamp }));
    } catch (e) {
      if (isNotFound(e)) return false;
      throw e;
    }
  }
  const r = await poll(kda, name, t, t.deleteTimeoutMs, (x) => !x);
  if (r.timedOut) throw new Error(`application ${name} was still there ${Math.round(t.deleteTimeoutMs / 1000)} s after DeleteApplication (status ${r.detail?.ApplicationStatus})`);
  return true;
}
