import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mockClient } from 'aws-sdk-client-mock';
import {
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  DescribeApplicationOperationCommand,
  KinesisAnalyticsV2Client,
  ResourceInUseException,
  ResourceNotFoundException,
  StartApplicationCommand,
  StopApplicationCommand,
  type ApplicationStatus,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { DEFAULT_TIMING, deleteApplication, startApplication, stopApplication, type Timing } from './lifecycle.js';
import { fakeClock } from './fake-clock.test-util.js';

const NAME = 'streamscore-lifecycle';
const CREATED = new Date('2026-06-10T00:00:00Z');
const kdaMock = mockClient(KinesisAnalyticsV2Client);
const detail = (s: ApplicationStatus) => ({ ApplicationDetail: { ApplicationName: NAME, ApplicationARN: `arn:aws:kinesisanalytics:us-east-1:123456789012:application/${NAME}`, ApplicationStatus: s, ApplicationVersionId: 1, RuntimeEnvironment: 'FLINK-2_2' as const, CreateTimestamp: CREATED } });
/** The generic AWS throttling error (the KDA client has no class of its own for it). */
const throttle = () => Object.assign(new Error('Rate exceeded'), { name: 'ThrottlingException', $metadata: { httpStatusCode: 400 } });
const notFound = () => new ResourceNotFoundException({ message: 'not found', $metadata: {} });

let timing: Timing;
let clock: ReturnType<typeof fakeClock>;
let client: KinesisAnalyticsV2Client;

beforeEach(() => {
  kdaMock.reset();
  clock = fakeClock(CREATED.getTime() + 60_000);
  timing = { ...DEFAULT_TIMING, clock };
  client = new KinesisAnalyticsV2Client({ region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'x' } });
});
afterEach(() => client.destroy());

describe('start', () => {
  it('READY → STARTING → STARTING → RUNNING: starts once, measures the start-up time', async () => {
    kdaMock.on(StartApplicationCommand).resolves({ OperationId: 'op-1' });
    kdaMock
      .on(DescribeApplicationCommand)
      .resolvesOnce(detail('READY'))
      .resolvesOnce(detail('STARTING'))
      .resolvesOnce(detail('STARTING'))
      .resolves(detail('RUNNING'));
    const r = await startApplication(client, NAME, timing);
    expect(r.seen).toEqual(['STARTING', 'RUNNING']);
    // Two pauses of the 10 s poll between the three Describe calls after the start.
    expect(r.startupMs).toBe(20_000);
    const start = kdaMock.commandCalls(StartApplicationCommand);
    expect(start).toHaveLength(1);
    expect(start[0]!.args[0].input).toEqual({ ApplicationName: NAME, RunConfiguration: { ApplicationRestoreConfiguration: { ApplicationRestoreType: 'SKIP_RESTORE_FROM_SNAPSHOT' } } });
  });

  it('is idempotent: an application already RUNNING is not started again', async () => {
    kdaMock.on(DescribeApplicationCommand).resolves(detail('RUNNING'));
    const r = await startApplication(client, NAME, timing);
    expect(r.startupMs).toBe(0);
    expect(kdaMock.commandCalls(StartApplicationCommand)).toHaveLength(0);
  });

  it('a start that fails: STARTING falls back to READY, and the operation’s error is reported', async () => {
    kdaMock.on(StartApplicationCommand).resolves({ OperationId: 'op-2' });
    kdaMock.on(DescribeApplicationCommand).resolvesOnce(detail('READY')).resolvesOnce(detail('STARTING')).resolves(detail('READY'));
    kdaMock.on(DescribeApplicationOperationCommand).resolves({
      ApplicationOperationInfoDetails: {
        Operation: 'StartApplication',
        StartTime: CREATED,
        EndTime: CREATED,
        OperationStatus: 'FAILED',
        OperationFailureDetails: { ErrorInfo: { ErrorString: 'java.lang.IllegalArgumentException: no SQL given' } },
      },
    });
    await expect(startApplication(client, NAME, timing)).rejects.toThrow(/did not start \(statuses: STARTING → READY\): java.lang.IllegalArgumentException: no SQL given/);
  });

  it('a start that fails at once: StartApplication throws', async () => {
    kdaMock.on(DescribeApplicationCommand).resolves(detail('READY'));
    kdaMock.on(StartApplicationCommand).rejects(new ResourceInUseException({ message: 'Application is being updated', $metadata: {} }));
    await expect(startApplication(client, NAME, timing)).rejects.toThrow(/StartApplication streamscore-lifecycle failed: ResourceInUseException: Application is being updated/);
  });

  it('gives up after the start timeout', async () => {
    kdaMock.on(StartApplicationCommand).resolves({ OperationId: 'op-3' });
    kdaMock.on(DescribeApplicationCommand).resolvesOnce(detail('READY')).resolves(detail('STARTING'));
    await expect(startApplication(client, NAME, { ...timing, startTimeoutMs: 60_000 })).rejects.toThrow(/not RUNNING 60 s after StartApplication/);
  });

  it('throttling on Describe is retried with a growing pause, and counted', async () => {
    kdaMock.on(StartApplicationCommand).resolves({ OperationId: 'op-4' });
    kdaMock
      .on(DescribeApplicationCommand)
      .resolvesOnce(detail('READY'))
      .rejectsOnce(throttle())
      .rejectsOnce(throttle())
      .resolvesOnce(detail('STARTING'))
      .resolves(detail('RUNNING'));
    const r = await startApplication(client, NAME, timing);
    expect(r.throttled).toBe(2);
    expect(r.seen).toEqual(['STARTING', 'RUNNING']);
    // Backoff after each throttle: 20 s, then 40 s; then the normal 10 s poll.
    expect(clock.slept).toEqual([20_000, 40_000, 10_000]);
  });
});

describe('stop', () => {
  it('stops without force when the application reaches READY in time', async () => {
    kdaMock.on(StopApplicationCommand).resolves({ OperationId: 'op-s' });
    kdaMock.on(DescribeApplicationCommand).resolvesOnce(detail('RUNNING')).resolvesOnce(detail('STOPPING')).resolves(detail('READY'));
    const r = await stopApplication(client, NAME, timing);
    expect(r.forced).toBe(false);
    expect(kdaMock.commandCalls(StopApplicationCommand).map((c) => c.args[0].input)).toEqual([{ ApplicationName: NAME, Force: false }]);
  });

  it('a stop that hangs in STOPPING is forced after the stop timeout', async () => {
    let forced = false;
    kdaMock.on(StopApplicationCommand).callsFake((input: { Force?: boolean }) => {
      if (input.Force) forced = true;
      return { OperationId: input.Force ? 'op-force' : 'op-stop' };
    });
    kdaMock.on(DescribeApplicationCommand).callsFake(() => (forced ? detail('READY') : detail('STOPPING')));
    const r = await stopApplication(client, NAME, { ...timing, stopTimeoutMs: 120_000 });
    expect(r.forced).toBe(true);
    expect(kdaMock.commandCalls(StopApplicationCommand).map((c) => c.args[0].input.Force)).toEqual([false, true]);
    expect(r.seen).toEqual(['STOPPING', 'READY']);
  });

  it('forces at once when a plain stop is refused (ResourceInUse while STARTING)', async () => {
    kdaMock.on(StopApplicationCommand, { ApplicationName: NAME, Force: false }).rejects(new ResourceInUseException({ message: 'in use', $metadata: {} }));
    kdaMock.on(StopApplicationCommand, { ApplicationName: NAME, Force: true }).resolves({ OperationId: 'f' });
    kdaMock.on(DescribeApplicationCommand).resolvesOnce(detail('STARTING')).resolvesOnce(detail('FORCE_STOPPING')).resolves(detail('READY'));
    const r = await stopApplication(client, NAME, timing);
    expect(r.forced).toBe(true);
  });

  it('a stop that never ends, even forced, is an error', async () => {
    kdaMock.on(StopApplicationCommand).resolves({});
    kdaMock.on(DescribeApplicationCommand).resolves(detail('FORCE_STOPPING'));
    await expect(stopApplication(client, NAME, { ...timing, forceStopTimeoutMs: 30_000 })).rejects.toThrow(/did not stop, even forced/);
  });

  it('is a no-op for a stopped or missing application', async () => {
    kdaMock.on(DescribeApplicationCommand).rejects(notFound());
    expect((await stopApplication(client, NAME, timing)).forced).toBe(false);
    expect(kdaMock.commandCalls(StopApplicationCommand)).toHaveLength(0);
  });
});

describe('delete', () => {
  it('passes the CreateTimestamp from Describe and waits until the application is gone', async () => {
    kdaMock.on(DeleteApplicationCommand).resolves({});
    kdaMock.on(DescribeApplicationCommand).resolvesOnce(detail('READY')).resolvesOnce(detail('DELETING')).rejects(notFound());
    expect(await deleteApplication(client, NAME, timing)).toBe(true);
    expect(kdaMock.commandCalls(DeleteApplicationCommand)[0]!.args[0].input).toEqual({ ApplicationName: NAME, CreateTimestamp: CREATED });
  });

  it('returns false for an application already gone', async () => {
    kdaMock.on(DescribeApplicationCommand).rejects(notFound());
    expect(await deleteApplication(client, NAME, timing)).toBe(false);
    expect(kdaMock.commandCalls(DeleteApplicationCommand)).toHaveLength(0);
  });
});
