import { describe, expect, it } from 'vitest';
import { loadPriceBook } from '@streamscore/cost';
import { UserError } from '@streamscore/core';
import { flinkBackend } from '../backend.js';
import { renderNodeConfig } from '../node/config.js';
import { ec2ClusterSpec } from './cluster.js';
import { ec2UserPolicy, nodeKinesisPolicy, sessionKinesisPolicy } from './iam.js';
import { iamName, runTags } from './naming.js';
import { assertNoOpenIngress, callerCidrOf, discoverCallerCidr, egressRules, ingressRules } from './network.js';
import { ec2ClusterDefaults, ec2Settings, planEc2 } from './settings.js';
import { encodeUserData, readLauncher, renderUserData, USER_DATA_MAX_BYTES } from './user-data.js';

const book = loadPriceBook('us-east-1');

describe('ec2 network rules', () => {
  it('takes the caller as one /32 and refuses anything wider', () => {
    expect(callerCidrOf('203.0.113.7')).toBe('203.0.113.7/32');
    expect(callerCidrOf(' 203.0.113.7/32 ')).toBe('203.0.113.7/32');
    for (const bad of ['0.0.0.0/0', '0.0.0.0/32', '203.0.113.0/24', '10.0.0.0/8', '2001:db8::1/128', '999.1.1.1/32', '']) {
      expect(() => callerCidrOf(bad), bad).toThrow(UserError);
    }
  });

  it('asks checkip.amazonaws.com when no caller-cidr is given, and says what to do when it cannot', async () => {
    const asked: string[] = [];
    const ok = (async (url: string) => {
      asked.push(url);
      return new Response('198.51.100.4\n');
    }) as unknown as typeof fetch;
    expect(await discoverCallerCidr(ok)).toBe('198.51.100.4/32');
    expect(asked).toEqual(['https://checkip.amazonaws.com']);
    const down = (async () => {
      throw new Error('getaddrinfo ENOTFOUND');
    }) as unknown as typeof fetch;
    const e = await discoverCallerCidr(down).catch((x: unknown) => x as UserError);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).nextStep).toMatch(/--knob caller-cidr=A\.B\.C\.D\/32/);
  });

  it('opens REST only to the caller, Flink ports only within the group, and never 0.0.0.0/0 inbound', () => {
    const rules = ingressRules('sg-1', '203.0.113.7/32');
    expect(JSON.stringify(rules)).not.toContain('0.0.0.0');
    expect(rules.find((r) => r.FromPort === 8081)?.IpRanges).toEqual([{ CidrIp: '203.0.113.7/32', Description: expect.any(String) }]);
    expect(rules.find((r) => r.FromPort === 6121)).toMatchObject({ ToPort: 6125, UserIdGroupPairs: [{ GroupId: 'sg-1' }] });
    expect(() => assertNoOpenIngress(rules)).not.toThrow();
    expect(() => assertNoOpenIngress([{ IpProtocol: 'tcp', FromPort: 8081, ToPort: 8081, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }])).toThrow(/refusing/);
    expect(() => assertNoOpenIngress([{ IpProtocol: 'tcp', FromPort: 8081, ToPort: 8081, Ipv6Ranges: [{ CidrIpv6: '::/0' }] }])).toThrow(/refusing/);
    // Outbound: the world only on 443.
    for (const r of egressRules('sg-1')) if (JSON.stringify(r).includes('0.0.0.0/0')) expect([r.FromPort, r.ToPort]).toEqual([443, 443]);
  });
});

describe('ec2 user-data', () => {
  const s = ec2Settings({ region: 'us-east-1' }, book);
  const d = ec2ClusterDefaults(s);
  const cluster = { parallelism: d.parallelism, taskManagers: d.taskManagers, slotsPerTaskManager: d.slots, taskManagerMemoryMb: d.taskManagerMemoryMb, jobManagerHeapMb: d.jobManagerHeapMb };

  it('embeds the launcher verbatim and the config writer’s output, within EC2’s 16 KB', () => {
    const spec = ec2ClusterSpec(cluster, '10.0.0.5');
    const script = renderUserData({ spec, node: { role: 'taskmanager', index: 1, host: 'STREAMSCORE_PRIVATE_IP' } });
    expect(Buffer.byteLength(script)).toBeLessThan(USER_DATA_MAX_BYTES);
    expect(script).toContain(readLauncher());
    expect(script).toContain('dnf install -y java-17-amazon-corretto-headless');
    const args = /^ARGS=\((.*)\)$/m.exec(script)![1]!;
    const b64 = /--config-b64 (\S+)/.exec(args)![1]!;
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(renderNodeConfig(spec, { role: 'taskmanager', index: 1, host: 'STREAMSCORE_PRIVATE_IP' }));
    expect(Buffer.from(encodeUserData(script), 'base64').toString('utf8')).toBe(script);
  });

  it('sizes the nodes from the instance type: c6g.xlarge → 4 slots, a 6 GiB TaskManager', () => {
    expect(s).toMatchObject({ instanceType: 'c6g.xlarge', architecture: 'arm64', nodes: 3 });
    expect(d).toEqual({ taskManagers: 2, slots: 4, parallelism: 8, taskManagerMemoryMb: 6144, jobManagerHeapMb: 4096 });
    expect(ec2Settings({ region: 'us-east-1', 'instance-type': 'c6i.xlarge' }, book).architecture).toBe('x86_64');
    expect(() => ec2Settings({ region: 'us-east-1', 'instance-type': 'z9.mega' }, book)).toThrow(/No price for EC2 instance type z9\.mega/);
    expect(() => ec2Settings({}, book, {})).toThrow(/needs an AWS region/);
  });
});

describe('ec2 plan and cost', () => {
  it('prices the worked example of docs/backends/flink.md: 3 × c6g.xlarge for 10 minutes + EBS + IPv4 + 2 shards', () => {
    const s = ec2Settings({ region: 'us-east-1' }, book);
    // durationS 0: only the 600 s provisioning allowance, i.e. 10 minutes.
    const p = planEc2(s, book, 0);
    const cost = (kind: string) => p.resources.find((r) => r.kind === kind)!.projectedCostUsd!;
    expect(cost('ec2-instance')).toBeCloseTo(3 * 0.136 * (600 / 3600), 9); // $0.068
    expect(cost('ebs-gp3')).toBeCloseTo((3 * 20 * 0.08 * 600) / (730 * 3600), 9); // $0.0011
    expect(cost('public-ipv4')).toBeCloseTo(3 * 0.005 * (600 / 3600), 9); // $0.0025
    expect(cost('kinesis-shard')).toBeCloseTo(2 * 0.015 * (600 / 3600), 9); // $0.005
    expect(cost('security-group') + cost('iam-role') + cost('iam-instance-profile')).toBe(0);
    expect(p.projectedCostUsd).toBeCloseTo(0.068 + 0.0010959 + 0.0025 + 0.005, 6);
    expect(p.perHourUsd).toBeCloseTo(6 * p.projectedCostUsd, 6);
  });

  it('the backend plans ec2 with the run’s duration plus the provisioning allowance', async () => {
    const plan = await flinkBackend.plan({
      runId: 'r',
      workload: { id: 'nexmark/q0', sql: { 'flink-sql': 'x' } } as never,
      params: {},
      target: 'ec2',
      knobs: { region: 'us-east-1', nodes: 2, 'instance-type': 'm7g.large' },
      rate: 1,
      durationS: 3000,
    });
    expect(plan.projectedCostUsd).toBeCloseTo(planEc2(ec2Settings({ region: 'us-east-1', nodes: 2, 'instance-type': 'm7g.large' }, book), book, 3000).projectedCostUsd, 9);
    expect(plan.resources.find((r) => r.kind === 'ec2-instance')).toMatchObject({ size: 'm7g.large', count: 2 });
    await expect(
      flinkBackend.plan({ runId: 'r', workload: { id: 'nexmark/x' } as never, params: {}, target: 'ec2', knobs: { region: 'us-east-1', taskmanagers: 3 }, rate: 1, durationS: 1 }),
    ).rejects.toThrow(/set --knob nodes, not taskmanagers/);
  });
});

describe('ec2 IAM', () => {
  it('the nodes may read the run’s input and write its output stream, nothing else', () => {
    const p = nodeKinesisPolicy('us-east-1', '111122223333', 'run-1');
    expect(p.Statement.map((s) => s.Resource)).toEqual([
      'arn:aws:kinesis:us-east-1:111122223333:stream/streamscore-run-1-in',
      'arn:aws:kinesis:us-east-1:111122223333:stream/streamscore-run-1-out',
    ]);
    expect(p.Statement[0]!.Action).not.toContain('kinesis:PutRecords');
    expect(p.Statement[1]!.Action).not.toContain('kinesis:GetRecords');
    expect(JSON.stringify(sessionKinesisPolicy('us-east-1', '111122223333'))).toContain('stream/streamscore-*');
  });

  it('iam-policy --backend flink: tag-conditioned EC2, IAM under /streamscore/, PassRole to EC2 only', () => {
    const p = flinkBackend.iamPolicy!('ec2');
    expect(p).toEqual(ec2UserPolicy());
    const by = (sid: string) => p.Statement.find((s) => s.Sid === sid)!;
    expect(by('RunTaggedInstances').Condition).toEqual({ StringEquals: { 'aws:RequestTag/streamscore/tool': 'streamscore' } });
    expect(by('TerminateOwnInstances').Condition).toEqual({ StringEquals: { 'aws:ResourceTag/streamscore/tool': 'streamscore' } });
    expect(by('PassNodeRoleToEc2Only')).toMatchObject({ Resource: 'arn:aws:iam::*:role/streamscore/*', Condition: { StringEquals: { 'iam:PassedToService': 'ec2.amazonaws.com' } } });
    expect(by('NodeRoles').Resource).toBe('arn:aws:iam::*:role/streamscore/*');
    expect(by('AmazonLinux2023Ami').Resource).toContain('arn:aws:ssm:*::parameter/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64');
    expect(by('RunStreams').Resource).toBe('arn:aws:kinesis:*:*:stream/streamscore-*');
    const actions = p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    for (const a of ['ec2:RunInstances', 'ec2:CreateSecurityGroup', 'ec2:AuthorizeSecurityGroupIngress', 'ec2:DescribeInstances', 'ec2:TerminateInstances', 'iam:CreateRole', 'iam:PutRolePolicy', 'iam:CreateInstanceProfile', 'iam:AddRoleToInstanceProfile', 'iam:PassRole', 'ssm:GetParameter']) {
      expect(actions).toContain(a);
    }
    expect(actions.some((a) => a === '*' || a.endsWith(':*'))).toBe(false);
    expect(() => flinkBackend.iamPolicy!('local')).toThrow(UserError);
  });

  it('names and tags fit IAM’s limits', () => {
    const long = '20261125T101010Z-flink-nexmark-q5-abc123-and-then-some-more-characters-to-be-long';
    expect(iamName(long).length).toBeLessThanOrEqual(64);
    expect(iamName(long)).toMatch(/^streamscore-flink-[\w+=,.@-]+$/);
    expect(iamName(long)).not.toBe(iamName(long + 'x'));
    expect(runTags('r1', new Date(Date.UTC(2026, 10, 25, 10, 0, 0)))).toEqual([
      { Key: 'streamscore/tool', Value: 'streamscore' },
      { Key: 'streamscore/run-id', Value: 'r1' },
      { Key: 'streamscore/backend', Value: 'flink' },
      { Key: 'streamscore/created-at', Value: '2026-11-25T10:00:00Z' },
    ]);
  });
});
