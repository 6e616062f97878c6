import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { KinesisBinding } from '@streamscore/core';
import { kdaKnobs } from './knobs.js';
import { runNames } from './names.js';
import { callerPolicy, createApplicationInput, fillSql, jobPropertyGroups, MAX_PROPERTY_VALUE, servicePolicy } from './request.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/create-application.json', import.meta.url), 'utf8')) as Record<string, unknown>;

/** Every leaf of a JSON value by its path (`A.B[0].C`), keys starting with _ left out. */
function leaves(v: unknown, path = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (Array.isArray(v)) v.forEach((x, i) => leaves(x, `${path}[${i}]`, out));
  else if (v && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) if (!k.startsWith('_')) leaves(x, path ? `${path}.${k}` : k, out);
  } else out.set(path, v);
  return out;
}

const SQL =
  'CREATE TABLE bid (auction BIGINT) WITH (${SOURCE_WITH});\nCREATE TABLE out (auction BIGINT) WITH (${SINK_WITH});\nINSERT INTO out SELECT auction FROM bid WHERE auction % ${modulo} = 0;';
const binding: KinesisBinding = { kind: 'kinesis', region: 'us-east-1', inputStream: 'streamscore-fixture-run-in', outputStream: 'streamscore-fixture-run-out', framing: 'x' };

describe('CreateApplication request shape', () => {
  it('matches the hand-written fixture field by field', () => {
    const runId = 'fixture-run';
    const n = runNames(runId);
    const knobs = kdaKnobs({ parallelism: 8, 'parallelism-per-kpu': 2, bucket: 'my-jars', region: 'us-east-1' }, {});
    const input = createApplicationInput({
      runId,
      applicationName: n.application,
      knobs,
      roleArn: `arn:aws:iam::123456789012:role/streamscore/${n.role}`,
      bucket: 'my-jars',
      jarKey: n.jarKey,
      logStreamArn: `arn:aws:logs:us-east-1:123456789012:log-group:${n.logGroup}:log-stream:${n.logStream}`,
      propertyGroups: jobPropertyGroups({ workloadId: 'test/filter', sql: fillSql(SQL, { modulo: 7 }), binding, parallelism: 8, params: { modulo: 7 } }),
      workloadId: 'test/filter',
    });
    const want = leaves(fixture);
    const got = leaves(JSON.parse(JSON.stringify(input)));
    for (const [path, value] of want) expect({ path, value: got.get(path) }).toEqual({ path, value });
    // …and nothing the fixture does not have.
    expect([...got.keys()].filter((k) => !want.has(k))).toEqual([]);
    // The SQL reaches the job with the workload's parameter filled and the job's own placeholders kept.
    const b64 = (input.ApplicationConfiguration?.EnvironmentProperties?.PropertyGroups?.[0]?.PropertyMap ?? {})['sql-b64']!;
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(SQL.replace('${modulo}', '7'));
  });

  it('splits SQL longer than a property value can hold over job.sql-b64.0, .1, … in order', () => {
    const long = 'INSERT INTO out SELECT * FROM bid;\n'.repeat(120);
    const groups = jobPropertyGroups({ workloadId: 'nexmark/q5', sql: long, binding, parallelism: 2, params: {} });
    const job = groups.find((g) => g.PropertyGroupId === 'job')!.PropertyMap!;
    const parts = Number(job['sql-b64.parts']);
    expect(parts).toBe(Math.ceil(Buffer.from(long).toString('base64').length / MAX_PROPERTY_VALUE));
    expect(job['sql-b64']).toBeUndefined();
    let joined = '';
    for (let i = 0; i < parts; i++) {
      expect(job[`sql-b64.${i}`]!.length).toBeLessThanOrEqual(MAX_PROPERTY_VALUE);
      joined += job[`sql-b64.${i}`];
    }
    expect(Buffer.from(joined, 'base64').toString('utf8')).toBe(long);
    for (const g of groups) for (const v of Object.values(g.PropertyMap ?? {})) expect(v.length).toBeGreaterThan(0);
  });

  it('asks for checkpoints the service way, and the job for the mode and the sink’s delivery', () => {
    const knobs = kdaKnobs({ checkpointing: 'exactly-once', 'checkpoint-interval-s': 5 }, {});
    const groups = jobPropertyGroups({ workloadId: 'w', sql: 'x', binding, parallelism: 1, params: {}, checkpointing: knobs.checkpointing });
    expect(groups.find((g) => g.PropertyGroupId === 'flink')!.PropertyMap).toEqual({ 'execution.checkpointing.mode': 'EXACTLY_ONCE' });
    expect(groups.find((g) => g.PropertyGroupId === 'sink')!.PropertyMap).toEqual({ stream: binding.outputStream, delivery: 'exactly-once' });
    const input = createApplicationInput({ runId: 'r', applicationName: 'a', knobs, roleArn: 'arn', bucket: 'b', jarKey: 'k', logStreamArn: 'l', propertyGroups: groups, workloadId: 'w' });
    expect(input.ApplicationConfiguration?.FlinkApplicationConfiguration?.CheckpointConfiguration).toEqual({ ConfigurationType: 'CUSTOM', CheckpointingEnabled: true, CheckpointInterval: 5000, MinPauseBetweenCheckpoints: 0 });
    const alo = jobPropertyGroups({ workloadId: 'w', sql: 'x', binding, parallelism: 1, params: {}, checkpointing: 'at-least-once' });
    expect(alo.find((g) => g.PropertyGroupId === 'sink')!.PropertyMap).toEqual({ stream: binding.outputStream });
  });

  it('refuses a local Kinesis endpoint', () => {
    expect(() => jobPropertyGroups({ workloadId: 'w', sql: 'x', binding: { ...binding, endpoint: 'http://127.0.0.1:4567' }, parallelism: 1, params: {} })).toThrow(/on AWS/);
  });

  it('validates knobs', () => {
    expect(kdaKnobs({}, {})).toEqual({ parallelism: 1, parallelismPerKpu: 1, autoscaling: false, runtime: 'FLINK-2_2', region: 'us-east-1', checkpointing: 'none', checkpointIntervalS: 10 });
    expect(() => kdaKnobs({ 'parallelism-per-kpu': 9 }, {})).toThrow(/1 to 8/);
    expect(() => kdaKnobs({ runtime: 'FLINK-1_18' }, {})).toThrow(/FLINK-2_2, FLINK-1_20/);
    expect(kdaKnobs({ autoscaling: 'true', runtime: 'FLINK-1_20' }, { AWS_REGION: 'eu-west-1' })).toMatchObject({ autoscaling: true, runtime: 'FLINK-1_20', region: 'eu-west-1' });
  });
});

describe('policies', () => {
  it('gives the service role only the run’s streams, jar object and log stream', () => {
    const p = servicePolicy({
      partition: 'aws', region: 'us-east-1', account: '123456789012', inputStream: 'in', outputStream: 'out', bucket: 'b', jarKey: 'k/job.jar',
      logGroup: '/aws/kinesis-analytics/streamscore-r', logStream: 'kinesis-analytics-log-stream',
    });
    const by = Object.fromEntries(p.Statement.map((s) => [s.Sid, s]));
    expect(by['ReadInput']!.Resource).toBe('arn:aws:kinesis:us-east-1:123456789012:stream/in');
    expect(by['ReadInput']!.Action).not.toContain('kinesis:PutRecords');
    expect(by['WriteOutput']!.Resource).toBe('arn:aws:kinesis:us-east-1:123456789012:stream/out');
    expect(by['WriteOutput']!.Action).not.toContain('kinesis:GetRecords');
    expect(by['ReadJar']!.Resource).toBe('arn:aws:s3:::b/k/job.jar');
    expect(by['Metrics']!.Condition).toEqual({ StringEquals: { 'cloudwatch:namespace': 'AWS/KinesisAnalytics' } });
    for (const s of p.Statement) if (s.Resource === '*') expect(s.Condition).toBeDefined();
  });

  it('scopes the caller policy to streamscore names, PassRole only to the service', () => {
    const p = callerPolicy();
    const pass = p.Statement.find((s) => s.Sid === 'PassServiceRole')!;
    expect(pass.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'kinesisanalytics.amazonaws.com' } });
    const apps = p.Statement.find((s) => s.Sid === 'Applications')!;
    expect(apps.Resource).toBe('arn:aws:kinesisanalytics:*:*:application/streamscore-*');
    // Only list/read calls that have no resource-level permissions run on '*'.
    const star = p.Statement.filter((s) => s.Resource === '*').flatMap((s) => s.Action as string[]);
    expect(star.sort()).toEqual(['cloudwatch:GetMetricData', 'iam:ListRoles', 'kinesis:ListStreams', 'kinesisanalytics:ListApplications', 'logs:DescribeLogGroups', 's3:ListAllMyBuckets']);
  });

  it('names resources within each service’s limits', () => {
    const n = runNames('20261125T101010Z-kda-nexmark-q5-abc123'.repeat(4));
    expect(n.role.length).toBeLessThanOrEqual(64);
    expect(n.bucket.length).toBeLessThanOrEqual(63);
    expect(n.bucket).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
    expect(n.application.length).toBeLessThanOrEqual(128);
    expect(n.application).toMatch(/^[a-zA-Z0-9_.-]+$/);
  });
});
