import {
  CreateApplicationCommand,
  DeleteApplicationCommand,
  DescribeApplicationCommand,
  KinesisAnalyticsV2Client,
  ListApplicationsCommand,
  ListTagsForResourceCommand,
  ResourceInUseException,
  ResourceNotFoundException,
  StartApplicationCommand,
  StopApplicationCommand,
  type ApplicationStatus,
  type CreateApplicationCommandInput,
  type Tag,
} from '@aws-sdk/client-kinesis-analytics-v2';
import { mockClient } from 'aws-sdk-client-mock';
import type { Clock } from './aws.js';

interface App {
  name: string;
  arn: string;
  status: ApplicationStatus;
  created: Date;
  tags: Tag[];
  input: CreateApplicationCommandInput;
  /** Describe calls left before a transient status moves on. */
  left: number;
}

/**
 * The managed service's control plane, in memory, behind aws-sdk-client-mock (moto's KDA v2
 * cannot be used from SDK v3). Start takes `startPolls` Describe calls, stop `stopPolls`.
 */
export function simulateKda(clock: Clock, o: { startPolls?: number; stopPolls?: number } = {}) {
  const mock = mockClient(KinesisAnalyticsV2Client);
  const apps = new Map<string, App>();
  const get = (name: string | undefined) => {
    const a = apps.get(name ?? '');
    if (!a) throw new ResourceNotFoundException({ message: `Application ${name} not found`, $metadata: {} });
    return a;
  };
  const detail = (a: App) => ({
    ApplicationName: a.name,
    ApplicationARN: a.arn,
    ApplicationStatus: a.status,
    ApplicationVersionId: 1,
    RuntimeEnvironment: a.input.RuntimeEnvironment,
    ServiceExecutionRole: a.input.ServiceExecutionRole,
    CreateTimestamp: a.created,
  });
  mock.on(CreateApplicationCommand).callsFake((input: CreateApplicationCommandInput) => {
    const name = input.ApplicationName!;
    if (apps.has(name)) throw new ResourceInUseException({ message: 'exists', $metadata: {} });
    const a: App = { name, arn: `arn:aws:kinesisanalytics:us-east-1:123456789012:application/${name}`, status: 'READY', created: new Date(clock.now()), tags: input.Tags ?? [], input, left: 0 };
    apps.set(name, a);
    return { ApplicationDetail: detail(a) };
  });
  mock.on(DescribeApplicationCommand).callsFake((input: { ApplicationName?: string }) => {
    const a = get(input.ApplicationName);
    // `left` answers in the transient status, then the next one.
    if (a.left > 0) a.left--;
    else if (a.status === 'STARTING') a.status = 'RUNNING';
    else if (a.status === 'STOPPING' || a.status === 'FORCE_STOPPING') a.status = 'READY';
    else if (a.status === 'DELETING') {
      apps.delete(a.name);
      return get(a.name);
    }
    return { ApplicationDetail: detail(a) };
  });
  mock.on(StartApplicationCommand).callsFake((input: { ApplicationName?: string }) => {
    const a = get(input.ApplicationName);
    a.status = 'STARTING';
    a.left = o.startPolls ?? 2;
    return { OperationId: `start-${a.name}` };
  });
  mock.on(StopApplicationCommand).callsFake((input: { ApplicationName?: string; Force?: boolean }) => {
    const a = get(input.ApplicationName);
    a.status = input.Force ? 'FORCE_STOPPING' : 'STOPPING';
    a.left = o.stopPolls ?? 1;
    return { OperationId: `stop-${a.name}` };
  });
  mock.on(DeleteApplicationCommand).callsFake((input: { ApplicationName?: string; CreateTimestamp?: Date }) => {
    const a = get(input.ApplicationName);
    if (input.CreateTimestamp?.getTime() !== a.created.getTime()) throw new Error(`InvalidArgumentException: CreateTimestamp does not match`);
    a.status = 'DELETING';
    a.left = 0;
    return {};
  });
  mock.on(ListApplicationsCommand).callsFake(() => ({
    ApplicationSummaries: [...apps.values()].map((a) => ({ ApplicationName: a.name, ApplicationARN: a.arn, ApplicationStatus: a.status, ApplicationVersionId: 1, RuntimeEnvironment: a.input.RuntimeEnvironment })),
  }));
  mock.on(ListTagsForResourceCommand).callsFake((input: { ResourceARN?: string }) => ({ Tags: [...apps.values()].find((a) => a.arn === input.ResourceARN)?.tags ?? [] }));
  return { mock, apps };
}
