import type { CreateApplicationCommandInput, PropertyGroup } from '@aws-sdk/client-kinesis-analytics-v2';
import { renderSqlTemplate, UserError, type IamPolicyDocument, type KinesisBinding } from '@streamscore/core';
import type { Checkpointing, KdaKnobs } from './knobs.js';
import { INLINE_POLICY, runTags } from './names.js';

/**
 * Placeholders the job fills itself (dev.streamscore.flink.SqlScript): only it knows the
 * streamscore-kinesis connector's options. The same set as the flink backend's.
 */
export const JOB_PLACEHOLDERS = ['SOURCE_WITH', 'SINK_WITH', 'INPUT_STREAM', 'OUTPUT_STREAM'] as const;

/** Longest value the service accepts in a PropertyMap (API reference, PropertyGroup). */
export const MAX_PROPERTY_VALUE = 2048;
/** Most entries in one PropertyMap. */
export const MAX_PROPERTY_ENTRIES = 50;

/** The workload's parameters filled into its Flink SQL; the job's own placeholders kept. */
export function fillSql(sql: string, params: Record<string, unknown>): string {
  return renderSqlTemplate(sql, params, Object.fromEntries(JOB_PLACEHOLDERS.map((n) => [n, `\${${n}}`])));
}

export interface JobPropertiesInput {
  workloadId: string;
  /** The Flink SQL with the workload's parameters filled in. */
  sql: string;
  binding: KinesisBinding;
  parallelism: number;
  params: Record<string, unknown>;
  /**
   * Pass a local Kinesis endpoint (kinesalite) on to the job, with dummy credentials, as the
   * flink backend does on its local target. Only for tests against a mocked service: a job on
   * AWS cannot reach this machine.
   */
  allowLocalEndpoint?: boolean;
  /** The delivery asked for (knob `checkpointing`): the checkpointing mode, and the sink's delivery. */
  checkpointing?: Checkpointing;
}

/**
 * The job's parameters as the managed service's runtime properties, in the layout the job's
 * JobParams reads (group id = the part before the dot of a `--group.key` flag): `job`
 * (workload, parallelism, name, the SQL), `source` / `sink` (streams), `aws` (region), `params`
 * (the workload's parameters). The SQL goes base64-encoded in `job.sql-b64`; a value may hold
 * at most 2,048 characters, so a longer one is split in order over `job.sql-b64.0`,
 * `job.sql-b64.1`, … (`job.sql-b64.parts` says how many).
 */
export function jobPropertyGroups(o: JobPropertiesInput): PropertyGroup[] {
  if (o.binding.endpoint && !o.allowLocalEndpoint) throw new UserError('The kda backend runs on AWS: its Kinesis streams cannot be a local endpoint.');
  const b64 = Buffer.from(o.sql, 'utf8').toString('base64');
  const job: Record<string, string> = { workload: o.workloadId, parallelism: String(o.parallelism), name: `streamscore ${o.workloadId}` };
  if (b64.length <= MAX_PROPERTY_VALUE) {
    job['sql-b64'] = b64;
  } else {
    const parts = Math.ceil(b64.length / MAX_PROPERTY_VALUE);
    if (parts + 4 > MAX_PROPERTY_ENTRIES) throw new UserError(`The Flink SQL of ${o.workloadId} is too long for the managed service's runtime properties (${b64.length} base64 characters).`);
    job['sql-b64.parts'] = String(parts);
    for (let i = 0; i < parts; i++) job[`sql-b64.${i}`] = b64.slice(i * MAX_PROPERTY_VALUE, (i + 1) * MAX_PROPERTY_VALUE);
  }
  const groups: PropertyGroup[] = [
    { PropertyGroupId: 'job', PropertyMap: job },
    { PropertyGroupId: 'source', PropertyMap: { stream: o.binding.inputStream } },
    { PropertyGroupId: 'sink', PropertyMap: { stream: o.binding.outputStream } },
    {
      PropertyGroupId: 'aws',
      PropertyMap: o.binding.endpoint
        ? { region: o.binding.region, endpoint: o.binding.endpoint, cbor: 'false', 'access-key-id': 'streamscore-local', 'secret-key': 'streamscore-local' }
        : { region: o.binding.region },
    },
  ];
  if (o.checkpointing && o.checkpointing !== 'none') {
    // The service has no mode in CheckpointConfiguration: the job sets it on its environment.
    groups.push({ PropertyGroupId: 'flink', PropertyMap: { 'execution.checkpointing.mode': o.checkpointing === 'exactly-once' ? 'EXACTLY_ONCE' : 'AT_LEAST_ONCE' } });
    // Exactly-once end to end: the transactional sink (docs/faults.md). No commit log here, so a
    // restore writes the restored checkpoint's output again.
    const sink = groups.find((g) => g.PropertyGroupId === 'sink')!;
    if (o.checkpointing === 'exactly-once') sink.PropertyMap = { ...sink.PropertyMap, delivery: 'exactly-once' };
  }
  const params: Record<string, string> = {};
  for (const [k, v] of Object.entries(o.params)) {
    if (v === undefined || v === null || typeof v === 'object') continue;
    const s = String(v);
    // The service rejects empty values; an empty parameter is the same as an absent one to the job.
    if (s.length > 0) params[k] = s.slice(0, MAX_PROPERTY_VALUE);
  }
  if (Object.keys(params).length > 0) groups.push({ PropertyGroupId: 'params', PropertyMap: params });
  return groups;
}

export interface CreateApplicationArgs {
  runId: string;
  applicationName: string;
  knobs: KdaKnobs;
  roleArn: string;
  bucket: string;
  jarKey: string;
  logStreamArn: string;
  propertyGroups: PropertyGroup[];
  workloadId: string;
}

/** The CreateApplication request of a run (checked field by field in request.test.ts). */
export function createApplicationInput(a: CreateApplicationArgs): CreateApplicationCommandInput {
  return {
    ApplicationName: a.applicationName,
    ApplicationDescription: `streamscore run ${a.runId}: ${a.workloadId}`.slice(0, 1024),
    RuntimeEnvironment: a.knobs.runtime,
    ServiceExecutionRole: a.roleArn,
    ApplicationMode: 'STREAMING',
    ApplicationConfiguration: {
      ApplicationCodeConfiguration: {
        CodeContentType: 'ZIPFILE',
        CodeContent: { S3ContentLocation: { BucketARN: `arn:aws:s3:::${a.bucket}`, FileKey: a.jarKey } },
      },
      FlinkApplicationConfiguration: {
        ParallelismConfiguration: {
          ConfigurationType: 'CUSTOM',
          Parallelism: a.knobs.parallelism,
          ParallelismPerKPU: a.knobs.parallelismPerKpu,
          AutoScalingEnabled: a.knobs.autoscaling,
        },
        MonitoringConfiguration: { ConfigurationType: 'CUSTOM', MetricsLevel: 'APPLICATION', LogLevel: 'INFO' },
        // Always explicit: the service's DEFAULT would checkpoint every 60 s whatever the knob says.
        CheckpointConfiguration:
          a.knobs.checkpointing === 'none'
            ? { ConfigurationType: 'CUSTOM', CheckpointingEnabled: false }
            : { ConfigurationType: 'CUSTOM', CheckpointingEnabled: true, CheckpointInterval: a.knobs.checkpointIntervalS * 1000, MinPauseBetweenCheckpoints: 0 },
      },
      EnvironmentProperties: { PropertyGroups: a.propertyGroups },
      // No snapshots: every run starts fresh, and no durable backup is billed.
      ApplicationSnapshotConfiguration: { SnapshotsEnabled: false },
    },
    CloudWatchLoggingOptions: [{ LogStreamARN: a.logStreamArn }],
    Tags: runTags(a.runId),
  };
}

/** Trust policy of the service execution role: only the managed service may assume it. */
export const SERVICE_TRUST_POLICY = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'kinesisanalytics.amazonaws.com' }, Action: 'sts:AssumeRole' }],
} as const;

export interface ServicePolicyArgs {
  partition: string;
  region: string;
  account: string;
  inputStream: string;
  outputStream: string;
  bucket: string;
  jarKey: string;
  logGroup: string;
  logStream: string;
}

/**
 * The service execution role's inline policy: read the run's input stream, write its output
 * stream (the calls the job's streamscore-kinesis connector makes), read the jar object, write
 * the application's log stream, and publish metrics to the service's own namespace. Nothing else.
 */
export function servicePolicy(a: ServicePolicyArgs): IamPolicyDocument {
  const stream = (n: string) => `arn:${a.partition}:kinesis:${a.region}:${a.account}:stream/${n}`;
  const logGroup = `arn:${a.partition}:logs:${a.region}:${a.account}:log-group:${a.logGroup}`;
  return {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'ReadInput', Effect: 'Allow', Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:GetShardIterator', 'kinesis:GetRecords'], Resource: stream(a.inputStream) },
      { Sid: 'WriteOutput', Effect: 'Allow', Action: ['kinesis:DescribeStreamSummary', 'kinesis:ListShards', 'kinesis:PutRecord', 'kinesis:PutRecords'], Resource: stream(a.outputStream) },
      { Sid: 'ReadJar', Effect: 'Allow', Action: ['s3:GetObject', 's3:GetObjectVersion'], Resource: `arn:${a.partition}:s3:::${a.bucket}/${a.jarKey}` },
      { Sid: 'FindLogGroups', Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: `arn:${a.partition}:logs:${a.region}:${a.account}:log-group:*` },
      { Sid: 'WriteLogs', Effect: 'Allow', Action: ['logs:DescribeLogStreams', 'logs:PutLogEvents'], Resource: [`${logGroup}:*`, `${logGroup}:log-stream:${a.logStream}`] },
      { Sid: 'Metrics', Effect: 'Allow', Action: ['cloudwatch:PutMetricData'], Resource: '*', Condition: { StringEquals: { 'cloudwatch:namespace': 'AWS/KinesisAnalytics' } } },
    ],
  };
}

export { INLINE_POLICY };

/** What `streamscore iam-policy --backend kda` prints: what the caller needs to run the kda backend. */
export function callerPolicy(): IamPolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'Applications',
        Effect: 'Allow',
        Action: [
          'kinesisanalytics:CreateApplication', 'kinesisanalytics:StartApplication', 'kinesisanalytics:StopApplication', 'kinesisanalytics:DeleteApplication',
          'kinesisanalytics:DescribeApplication', 'kinesisanalytics:DescribeApplicationOperation', 'kinesisanalytics:TagResource', 'kinesisanalytics:ListTagsForResource',
        ],
        Resource: 'arn:aws:kinesisanalytics:*:*:application/streamscore-*',
      },
      { Sid: 'ListApplications', Effect: 'Allow', Action: ['kinesisanalytics:ListApplications'], Resource: '*' },
      {
        Sid: 'ServiceRole',
        Effect: 'Allow',
        Action: ['iam:CreateRole', 'iam:GetRole', 'iam:DeleteRole', 'iam:TagRole', 'iam:ListRoleTags', 'iam:PutRolePolicy', 'iam:DeleteRolePolicy', 'iam:ListRolePolicies'],
        Resource: 'arn:aws:iam::*:role/streamscore/streamscore-kda-*',
      },
      {
        Sid: 'PassServiceRole',
        Effect: 'Allow',
        Action: ['iam:PassRole'],
        Resource: 'arn:aws:iam::*:role/streamscore/streamscore-kda-*',
        Condition: { StringEquals: { 'iam:PassedToService': 'kinesisanalytics.amazonaws.com' } },
      },
      { Sid: 'ListRoles', Effect: 'Allow', Action: ['iam:ListRoles'], Resource: '*' },
      {
        Sid: 'JarBucket',
        Effect: 'Allow',
        Action: ['s3:CreateBucket', 's3:DeleteBucket', 's3:PutBucketTagging', 's3:GetBucketTagging', 's3:ListBucket'],
        Resource: 'arn:aws:s3:::streamscore-kda-*',
      },
      {
        Sid: 'JarObject',
        Effect: 'Allow',
        Action: ['s3:PutObject', 's3:PutObjectTagging', 's3:GetObject', 's3:DeleteObject'],
        Resource: ['arn:aws:s3:::streamscore-kda-*/*', 'arn:aws:s3:::*/streamscore/*'],
      },
      { Sid: 'ListBuckets', Effect: 'Allow', Action: ['s3:ListAllMyBuckets'], Resource: '*' },
      {
        Sid: 'Logs',
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:DeleteLogGroup', 'logs:TagResource', 'logs:ListTagsForResource'],
        Resource: ['arn:aws:logs:*:*:log-group:/aws/kinesis-analytics/streamscore-*', 'arn:aws:logs:*:*:log-group:/aws/kinesis-analytics/streamscore-*:*'],
      },
      { Sid: 'FindLogGroups', Effect: 'Allow', Action: ['logs:DescribeLogGroups'], Resource: '*' },
      { Sid: 'Metrics', Effect: 'Allow', Action: ['cloudwatch:GetMetricData'], Resource: '*' },
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
