import type { DescribeSecurityGroupsCommandOutput, Instance, IpPermission, _InstanceType } from '@aws-sdk/client-ec2';
import type { ListInstanceProfilesCommandOutput, ListRolesCommandOutput } from '@aws-sdk/client-iam';
import { errorName } from '@streamscore/kinesis';
import { UserError, type CleanupFilter, type CleanupReport, type Ledger, type RunContext } from '@streamscore/core';
import type { ClusterKnobs } from '../targets/target.js';
import type { FlinkClusterSpec, NodeIdentity } from '../node/config.js';
import { FLINK_VERSION } from '../paths.js';
import { FlinkRestClient } from '../rest/client.js';
import { awsClients, isCredentialsError, isNotFound, messageOf, type AwsClients } from './aws.js';
import { al2023Parameter, EC2_TRUST_POLICY, nodeKinesisPolicy, NODE_POLICY_NAME, sessionKinesisPolicy } from './iam.js';
import { IAM_PATH, iamName, NAME_PREFIX, runTags, securityGroupName, tagValue, TAG_BACKEND, TAG_CREATED_AT, TAG_RUN_ID, TAG_TOOL, type Tag } from './naming.js';
import { assertNoOpenIngress, DEFAULT_EGRESS, discoverCallerCidr, EC2_PORT_CONFIG, egressRules, FLINK_PORTS, ingressRules } from './network.js';
import type { Ec2Settings } from './settings.js';
import { encodeUserData, PRIVATE_IP_PLACEHOLDER, renderUserData } from './user-data.js';

/**
 * The ec2 target's cloud side: create a Flink cluster on EC2 (security group, role + instance
 * profile, one instance per node), wait for its REST endpoint, tear it down in reverse order, and
 * find leftovers by tag. Every resource goes into the run's ledger before it is created.
 * Everything that talks to the world is injectable (Ec2Deps) so moto and aws-sdk-client-mock can
 * stand in for AWS and a stub for the Flink REST endpoint.
 */

export interface Ec2Deps {
  clients(region: string): Promise<AwsClients>;
  /** Resolves when the REST endpoint answers with every TaskManager registered; throws on timeout. */
  waitForRest(restUrl: string, o: { taskManagers: number; timeoutMs: number; signal?: AbortSignal }): Promise<void>;
  /** The caller's public address as a /32, when no caller-cidr knob gives it. */
  callerCidr(): Promise<string>;
  sleep(ms: number): Promise<void>;
  /** The launcher's text (default resources/launch-node.sh). */
  launcher?: string;
  instanceRunningTimeoutMs: number;
  terminateTimeoutMs: number;
  securityGroupDeleteTimeoutMs: number;
  pollMs: number;
  /** Delays between RunInstances attempts while a new instance profile is not yet visible. */
  profileRetryDelaysMs: number[];
}

export const defaultEc2Deps: Ec2Deps = {
  clients: (region) => awsClients({ region }),
  waitForRest: async (restUrl, o) => {
    await new FlinkRestClient(restUrl, { timeoutMs: 5_000 }).waitUntilReady({ taskManagers: o.taskManagers, timeoutMs: o.timeoutMs, intervalMs: 5_000, ...(o.signal ? { signal: o.signal } : {}) });
  },
  callerCidr: () => discoverCallerCidr(),
  sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
  instanceRunningTimeoutMs: 300_000,
  terminateTimeoutMs: 600_000,
  securityGroupDeleteTimeoutMs: 300_000,
  pollMs: 5_000,
  profileRetryDelaysMs: [2_000, 4_000, 8_000, 15_000, 15_000, 15_000, 15_000],
};

export interface Ec2NodeRecord {
  index: number;
  role: 'jobmanager' | 'taskmanager';
  instanceId?: string;
  privateIp?: string;
  publicIp?: string;
  volumeIds?: string[];
  ledger: { instance: string; volume: string; ipv4: string };
}

/** Plain JSON: kept in Deployment.state (and a session's file) so teardown works from anywhere. */
export interface Ec2ClusterState {
  region: string;
  runId: string;
  instanceType: string;
  createdAt: number;
  session: boolean;
  securityGroupId?: string;
  roleName?: string;
  instanceProfileName?: string;
  imageId?: string;
  nodes: Ec2NodeRecord[];
  restUrl?: string;
  /** ms from the first RunInstances until REST answered with every TaskManager. */
  startMs?: number;
  ledgerIds: { securityGroup: string; role: string; instanceProfile: string };
}

export interface ProvisionEc2Input {
  settings: Ec2Settings;
  cluster: ClusterKnobs & { jobManagerHeapMb: number };
  /** A session cluster: its role may use every streamscore stream, not one run's two. */
  session?: boolean;
}

const BACKEND = 'flink';
const LIVE_STATES = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

function ledgerSafe(f: () => unknown): void {
  try {
    f();
  } catch {
    // not in this ledger (a teardown from another process, e.g. `session down`)
  }
}

/** Turns a RunInstances refusal into a UserError saying what to do; undefined when it is not one we know. */
export function explainRunInstancesError(e: unknown, s: Pick<Ec2Settings, 'instanceType' | 'region' | 'nodes'>): UserError | undefined {
  const name = errorName(e);
  const msg = messageOf(e);
  if (name === 'InsufficientInstanceCapacity' || name === 'InsufficientCapacity' || name === 'Unsupported') {
    return new UserError(
      `EC2 refused to start ${s.instanceType} in ${s.region}: ${msg}`,
      'AWS has no capacity for that type there right now: try another --knob instance-type (e.g. c6i.xlarge), another --region, or later. Everything created so far was deleted.',
    );
  }
  if (name === 'InstanceLimitExceeded' || name === 'VcpuLimitExceeded' || name === 'MaxSpotInstanceCountExceeded') {
    return new UserError(
      `EC2 refused to start ${s.nodes} × ${s.instanceType} in ${s.region}: the account's quota is reached (${name}: ${msg})`,
      'Use fewer or smaller nodes (--knob nodes, --knob instance-type), remove leftovers with `streamscore cleanup --backend flink`, or ask for a higher "Running On-Demand Standard instances" vCPU quota in Service Quotas. Everything created so far was deleted.',
    );
  }
  if (name === 'UnauthorizedOperation' || name === 'AccessDenied' || name === 'AccessDeniedException') {
    return new UserError(`AWS refused an EC2 or IAM call: ${msg}`, 'Give your identity the policy `streamscore iam-policy --backend flink` prints. Everything created so far was deleted.');
  }
  if (isProfileNotYetVisible(e)) {
    return new UserError(
      `EC2 still did not see the new instance profile after retrying (${msg})`,
      'IAM changes usually show in seconds; try again in a minute. Everything created so far was deleted.',
    );
  }
  return undefined;
}

/** RunInstances right after CreateInstanceProfile: "Invalid IamInstanceProfile" until IAM has propagated. */
export function isProfileNotYetVisible(e: unknown): boolean {
  const name = errorName(e);
  return (name === 'InvalidParameterValue' || name === 'InvalidParameterCombination' || name === 'InvalidIamInstanceProfile') && /iam ?instance ?profile/i.test(messageOf(e).replace(/[._]/g, ' '));
}

/** The Flink configuration every EC2 node shares (node/config.ts writes it; ports pinned for the group). */
export function ec2ClusterSpec(c: ProvisionEc2Input['cluster'], jobManagerHost: string): FlinkClusterSpec {
  return {
    flinkVersion: FLINK_VERSION,
    jobManagerHost,
    bindHost: '0.0.0.0',
    restBindHost: '0.0.0.0',
    rpcPort: FLINK_PORTS.jobManagerRpc,
    restPort: FLINK_PORTS.rest,
    taskManagers: c.taskManagers,
    slotsPerTaskManager: c.slotsPerTaskManager,
    parallelism: c.parallelism,
    taskManagerMemoryMb: c.taskManagerMemoryMb,
    jobManagerHeapMb: c.jobManagerHeapMb,
    extra: { ...EC2_PORT_CONFIG },
  };
}

export async function provisionEc2Cluster(input: ProvisionEc2Input, ctx: RunContext, deps: Ec2Deps = defaultEc2Deps): Promise<Ec2ClusterState> {
  const s = input.settings;
  const createdAt = new Date();
  const tags = runTags(ctx.runId, createdAt);
  const state: Ec2ClusterState = {
    region: s.region,
    runId: ctx.runId,
    instanceType: s.instanceType,
    createdAt: createdAt.getTime(),
    session: input.session ?? false,
    nodes: [],
    ledgerIds: { securityGroup: 'flink-ec2-security-group', role: 'flink-ec2-iam-role', instanceProfile: 'flink-ec2-instance-profile' },
  };
  const aws = await deps.clients(s.region);
  const { ec2: E, iam: I, ssm: S, sts: T } = aws.sdk;
  const intend = (id: string, kind: string, o: { size?: string; attributes?: Record<string, string | number | boolean> } = {}) =>
    ctx.ledger.intend({ id, backend: BACKEND, kind, count: 1, region: s.region, ...(o.size ? { size: o.size } : {}), ...(o.attributes ? { attributes: o.attributes } : {}) });
  const started = Date.now();
  try {
    // The account and the caller's address are used here only: neither goes into the state (which
    // ends up in the Result) nor the ledger.
    const account = (await aws.sts.send(new T.GetCallerIdentityCommand({}))).Account;
    if (!account) throw new Error('STS GetCallerIdentity answered without an account');
    const callerCidr = s.callerCidr ?? (await deps.callerCidr());
    const param = al2023Parameter(s.architecture);
    const ami = (await aws.ssm.send(new S.GetParameterCommand({ Name: param }))).Parameter?.Value;
    if (!ami) throw new UserError(`SSM parameter ${param} has no value in ${s.region}.`, 'Amazon Linux 2023 may not be offered there; try another --region.');
    state.imageId = ami;

    // 1. The security group: Flink's ports within the group, REST from the caller's /32 only.
    intend(state.ledgerIds.securityGroup, 'security-group');
    const sg = await aws.ec2.send(
      new E.CreateSecurityGroupCommand({
        GroupName: securityGroupName(ctx.runId),
        Description: `streamscore Flink cluster of run ${ctx.runId}`.slice(0, 255).replace(/[^a-zA-Z0-9 ._\-:/()#,@[\]+=&;{}!$*]/g, '-'),
        TagSpecifications: [{ ResourceType: 'security-group', Tags: tags }],
      }),
    );
    const groupId = sg.GroupId!;
    state.securityGroupId = groupId;
    ctx.ledger.created(state.ledgerIds.securityGroup, { cloudId: groupId });
    const ingress = ingressRules(groupId, callerCidr);
    assertNoOpenIngress(ingress);
    await aws.ec2.send(new E.AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: ingress }));
    await aws.ec2.send(new E.RevokeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: DEFAULT_EGRESS })).catch(() => undefined);
    await aws.ec2.send(new E.AuthorizeSecurityGroupEgressCommand({ GroupId: groupId, IpPermissions: egressRules(groupId) }));

    // 2. The nodes' role (Kinesis: the run's two streams) and its instance profile.
    const name = iamName(ctx.runId);
    intend(state.ledgerIds.role, 'iam-role');
    await aws.iam.send(
      new I.CreateRoleCommand({
        RoleName: name,
        Path: IAM_PATH,
        AssumeRolePolicyDocument: EC2_TRUST_POLICY,
        Description: `streamscore Flink nodes of run ${ctx.runId}`.slice(0, 1000),
        MaxSessionDuration: 3600 * 12,
        Tags: tags,
      }),
    );
    state.roleName = name;
    ctx.ledger.created(state.ledgerIds.role, { cloudId: name });
    const policy = input.session ? sessionKinesisPolicy(s.region, account) : nodeKinesisPolicy(s.region, account, ctx.runId);
    await aws.iam.send(new I.PutRolePolicyCommand({ RoleName: name, PolicyName: NODE_POLICY_NAME, PolicyDocument: JSON.stringify(policy) }));
    intend(state.ledgerIds.instanceProfile, 'iam-instance-profile');
    await aws.iam.send(new I.CreateInstanceProfileCommand({ InstanceProfileName: name, Path: IAM_PATH, Tags: tags }));
    state.instanceProfileName = name;
    ctx.ledger.created(state.ledgerIds.instanceProfile, { cloudId: name });
    await aws.iam.send(new I.AddRoleToInstanceProfileCommand({ InstanceProfileName: name, RoleName: name }));

    // 3. The nodes: the JobManager first (the TaskManagers' configuration names its address).
    const launch = async (node: NodeIdentity, index: number, jobManagerHost: string): Promise<Ec2NodeRecord> => {
      const rec: Ec2NodeRecord = {
        index,
        role: node.role,
        ledger: { instance: `flink-ec2-node-${index}`, volume: `flink-ec2-node-${index}-volume`, ipv4: `flink-ec2-node-${index}-ipv4` },
      };
      state.nodes.push(rec);
      const attrs = { role: node.role, node: index };
      intend(rec.ledger.instance, 'ec2-instance', { size: s.instanceType, attributes: attrs });
      intend(rec.ledger.volume, 'ebs-gp3', { size: String(s.volumeGb), attributes: attrs });
      intend(rec.ledger.ipv4, 'public-ipv4', { attributes: attrs });
      const userData = renderUserData({ spec: ec2ClusterSpec(input.cluster, jobManagerHost), node, ...(deps.launcher ? { launcher: deps.launcher } : {}) });
      const nodeTags: Tag[] = [...tags, { Key: 'Name', Value: `streamscore-flink-${node.role === 'jobmanager' ? 'jm' : `tm${node.index ?? 0}`}` }, { Key: 'streamscore/flink-role', Value: node.role }];
      const res = await runInstancesWithRetry(aws, deps, {
        ImageId: ami,
        InstanceType: s.instanceType as _InstanceType,
        MinCount: 1,
        MaxCount: 1,
        SecurityGroupIds: [groupId],
        IamInstanceProfile: { Name: name },
        ...(s.keyName ? { KeyName: s.keyName } : {}),
        UserData: encodeUserData(userData),
        MetadataOptions: { HttpTokens: 'required', HttpEndpoint: 'enabled', HttpPutResponseHopLimit: 1 },
        InstanceInitiatedShutdownBehavior: 'terminate',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: s.volumeGb, VolumeType: 'gp3', DeleteOnTermination: true, Encrypted: true } }],
        TagSpecifications: [
          { ResourceType: 'instance', Tags: nodeTags },
          { ResourceType: 'volume', Tags: nodeTags },
        ],
      }, ctx);
      const inst = res.Instances?.[0];
      if (!inst?.InstanceId) throw new Error('RunInstances answered without an instance');
      rec.instanceId = inst.InstanceId;
      rec.privateIp = inst.PrivateIpAddress;
      ctx.ledger.created(rec.ledger.instance, { cloudId: inst.InstanceId, attributes: { ...attrs, instanceType: s.instanceType } });
      ctx.log(`started EC2 instance ${inst.InstanceId} (${s.instanceType}, Flink ${node.role}${node.role === 'taskmanager' ? ` #${node.index}` : ''})`);
      return rec;
    };
    const jm = await launch({ role: 'jobmanager', host: PRIVATE_IP_PLACEHOLDER }, 0, PRIVATE_IP_PLACEHOLDER);
    if (!jm.privateIp) throw new Error(`instance ${jm.instanceId} has no private address`);
    for (let i = 1; i < s.nodes; i++) await launch({ role: 'taskmanager', index: i - 1, host: PRIVATE_IP_PLACEHOLDER }, i, jm.privateIp);

    // 4. Running: public addresses and volumes; then the REST endpoint on the JobManager.
    const running = await waitForInstances(aws, deps, state.nodes.map((n) => n.instanceId!), 'running', deps.instanceRunningTimeoutMs, ctx.signal);
    for (const n of state.nodes) {
      const inst = running.get(n.instanceId!);
      n.publicIp = inst?.PublicIpAddress;
      n.privateIp = inst?.PrivateIpAddress ?? n.privateIp;
      n.volumeIds = (inst?.BlockDeviceMappings ?? []).map((b) => b.Ebs?.VolumeId).filter((v): v is string => !!v);
      ctx.ledger.created(n.ledger.volume, { cloudId: n.volumeIds.join(',') || `${n.instanceId}:root` });
      ctx.ledger.created(n.ledger.ipv4, { cloudId: n.publicIp ?? `${n.instanceId}:public-ipv4` });
    }
    if (!jm.publicIp) {
      throw new UserError(
        `the JobManager instance ${jm.instanceId} has no public address, so its REST endpoint cannot be reached from here.`,
        'The default VPC’s subnets must give instances public IPv4 addresses (MapPublicIpOnLaunch). Everything created was deleted.',
      );
    }
    state.restUrl = `http://${jm.publicIp}:${FLINK_PORTS.rest}`;
    ctx.log(`waiting for Flink's REST endpoint at ${state.restUrl} (up to ${Math.round(s.startTimeoutMs / 1000)} s: boot, Java, Flink's jars, start)`);
    try {
      await deps.waitForRest(state.restUrl, { taskManagers: s.nodes - 1, timeoutMs: s.startTimeoutMs, signal: ctx.signal });
    } catch (e) {
      if (ctx.signal.aborted) throw e;
      throw new UserError(
        `the Flink REST endpoint ${state.restUrl} did not answer with ${s.nodes - 1} TaskManager(s) within ${Math.round(s.startTimeoutMs / 1000)} s: ${messageOf(e)}`,
        `Every instance was terminated and everything created was deleted. A node's boot log is /var/log/streamscore-node.log (EC2 console → instance → Monitor and troubleshoot → Get system log shows cloud-init); raise --knob start-timeout-s if the nodes are just slow.`,
      );
    }
    state.startMs = Date.now() - started;
    ctx.log(`Flink cluster on EC2 ready at ${state.restUrl} in ${Math.round(state.startMs / 1000)} s`);
    return state;
  } catch (e) {
    ctx.log(`provisioning failed (${messageOf(e)}); deleting what was created`);
    try {
      await teardownEc2Cluster(state, ctx, deps, aws);
    } catch (t) {
      ctx.log(`teardown after the failure: ${messageOf(t)}`);
    }
    throw explainRunInstancesError(e, s) ?? e;
  } finally {
    aws.destroy();
  }
}

type RunInstancesInput = ConstructorParameters<AwsClients['sdk']['ec2']['RunInstancesCommand']>[0];

async function runInstancesWithRetry(aws: AwsClients, deps: Ec2Deps, req: RunInstancesInput, ctx: RunContext) {
  for (let attempt = 0; ; attempt++) {
    try {
      return await aws.ec2.send(new aws.sdk.ec2.RunInstancesCommand(req));
    } catch (e) {
      const delay = deps.profileRetryDelaysMs[attempt];
      if (!isProfileNotYetVisible(e) || delay === undefined || ctx.signal.aborted) throw e;
      ctx.log(`the new instance profile is not visible to EC2 yet (IAM propagation); retrying in ${Math.round(delay / 1000)} s`);
      await deps.sleep(delay);
    }
  }
}

/** Polls DescribeInstances until every instance is in `want` (bounded); a node that ends up terminated while starting fails it. */
async function waitForInstances(aws: AwsClients, deps: Ec2Deps, ids: string[], want: 'running' | 'terminated', timeoutMs: number, signal?: AbortSignal): Promise<Map<string, Instance>> {
  const E = aws.sdk.ec2;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = new Map<string, Instance>();
    try {
      const r = await aws.ec2.send(new E.DescribeInstancesCommand({ InstanceIds: ids }));
      for (const res of r.Reservations ?? []) for (const i of res.Instances ?? []) if (i.InstanceId) seen.set(i.InstanceId, i);
    } catch (e) {
      // Right after RunInstances, DescribeInstances may not know the ids yet (eventual consistency).
      if (!isNotFound(e)) throw e;
      if (want === 'terminated') return seen; // unknown ids: long gone
    }
    const states = ids.map((id) => seen.get(id)?.State?.Name);
    if (states.every((st) => st === want)) return seen;
    if (want === 'running') {
      const dead = ids.find((id) => ['shutting-down', 'terminated'].includes(seen.get(id)?.State?.Name ?? ''));
      if (dead) {
        const reason = seen.get(dead)?.StateReason?.Message ?? 'no reason given';
        throw new UserError(`EC2 instance ${dead} stopped while starting: ${reason}.`, 'Everything created was deleted; try again, or another --knob instance-type.');
      }
    }
    if (signal?.aborted && want === 'running') throw new Error('interrupted while waiting for the instances to run');
    if (Date.now() > deadline) {
      throw new Error(`instances not ${want} after ${Math.round(timeoutMs / 1000)} s: ${ids.map((id, i) => `${id} ${states[i] ?? 'unknown'}`).join(', ')}`);
    }
    await deps.sleep(deps.pollMs);
  }
}

/**
 * Deletes everything of a cluster in reverse order: instances (terminated, waited for), the
 * instance profile and role, the security group (retried while EC2 still holds its network
 * interfaces: DependencyViolation). Idempotent: what is already gone is skipped. Throws at the end
 * when something could not be deleted, naming it.
 */
export async function teardownEc2Cluster(state: Ec2ClusterState, ctx: RunContext, deps: Ec2Deps = defaultEc2Deps, given?: AwsClients): Promise<void> {
  const aws = given ?? (await deps.clients(state.region));
  const { ec2: E, iam: I } = aws.sdk;
  const failures: string[] = [];
  try {
    const ids = state.nodes.map((n) => n.instanceId).filter((i): i is string => !!i);
    if (ids.length) {
      try {
        await aws.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: ids }));
        ctx.log(`terminating ${ids.join(', ')}`);
        await waitForInstances(aws, deps, ids, 'terminated', deps.terminateTimeoutMs);
      } catch (e) {
        if (!isNotFound(e)) failures.push(`instances ${ids.join(', ')}: ${messageOf(e)}`);
      }
    }
    if (!failures.length) {
      // Nodes that never started (their RunInstances failed) are gone too.
      for (const n of state.nodes) for (const id of [n.ledger.instance, n.ledger.volume, n.ledger.ipv4]) ledgerSafe(() => ctx.ledger.deleted(id));
    }
    if (state.instanceProfileName) {
      try {
        if (state.roleName) await aws.iam.send(new I.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: state.instanceProfileName, RoleName: state.roleName })).catch(ignoreNotFound);
        await aws.iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: state.instanceProfileName })).catch(ignoreNotFound);
        ledgerSafe(() => ctx.ledger.deleted(state.ledgerIds.instanceProfile));
      } catch (e) {
        failures.push(`instance profile ${state.instanceProfileName}: ${messageOf(e)}`);
      }
    } else ledgerSafe(() => ledgerIntendedOnly(ctx.ledger, state.ledgerIds.instanceProfile));
    if (state.roleName) {
      try {
        await deleteRole(aws, state.roleName);
        ledgerSafe(() => ctx.ledger.deleted(state.ledgerIds.role));
      } catch (e) {
        failures.push(`role ${state.roleName}: ${messageOf(e)}`);
      }
    } else ledgerSafe(() => ledgerIntendedOnly(ctx.ledger, state.ledgerIds.role));
    if (state.securityGroupId) {
      try {
        await deleteSecurityGroup(aws, deps, state.securityGroupId);
        ledgerSafe(() => ctx.ledger.deleted(state.ledgerIds.securityGroup));
      } catch (e) {
        failures.push(`security group ${state.securityGroupId}: ${messageOf(e)}`);
      }
    } else ledgerSafe(() => ledgerIntendedOnly(ctx.ledger, state.ledgerIds.securityGroup));
  } finally {
    if (!given) aws.destroy();
  }
  if (failures.length) {
    throw new UserError(`could not delete every EC2 resource of run ${state.runId}: ${failures.join('; ')}`, `Run \`streamscore cleanup --backend flink --run-id ${state.runId}\` to retry.`);
  }
}

/** An entry intended but never created (its create call failed): mark it gone. */
function ledgerIntendedOnly(ledger: Ledger, id: string): void {
  if (ledger.get(id).state === 'intended') ledger.deleted(id);
}

function ignoreNotFound(e: unknown): undefined {
  if (isNotFound(e)) return undefined;
  throw e;
}

async function deleteRole(aws: AwsClients, roleName: string): Promise<void> {
  const I = aws.sdk.iam;
  let policies: string[] = [];
  try {
    policies = (await aws.iam.send(new I.ListRolePoliciesCommand({ RoleName: roleName }))).PolicyNames ?? [];
  } catch (e) {
    if (isNotFound(e)) return;
    throw e;
  }
  try {
    const profiles = (await aws.iam.send(new I.ListInstanceProfilesForRoleCommand({ RoleName: roleName }))).InstanceProfiles ?? [];
    for (const p of profiles) await aws.iam.send(new I.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.InstanceProfileName!, RoleName: roleName })).catch(ignoreNotFound);
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
  for (const p of policies) await aws.iam.send(new I.DeleteRolePolicyCommand({ RoleName: roleName, PolicyName: p })).catch(ignoreNotFound);
  await aws.iam.send(new I.DeleteRoleCommand({ RoleName: roleName })).catch(ignoreNotFound);
}

async function deleteSecurityGroup(aws: AwsClients, deps: Ec2Deps, groupId: string): Promise<void> {
  const deadline = Date.now() + deps.securityGroupDeleteTimeoutMs;
  for (;;) {
    try {
      await aws.ec2.send(new aws.sdk.ec2.DeleteSecurityGroupCommand({ GroupId: groupId }));
      return;
    } catch (e) {
      if (isNotFound(e)) return;
      // EC2 keeps a terminated instance's network interface a little while.
      if (errorName(e) !== 'DependencyViolation' || Date.now() > deadline) throw e;
      await deps.sleep(deps.pollMs);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Cleanup: leftovers by tag

function tagFilters(runId?: string) {
  return [
    { Name: `tag:${TAG_TOOL}`, Values: ['streamscore'] },
    { Name: `tag:${TAG_BACKEND}`, Values: [BACKEND] },
    ...(runId ? [{ Name: `tag:${TAG_RUN_ID}`, Values: [runId] }] : []),
  ];
}

function oldEnough(createdMs: number | undefined, filter: CleanupFilter, now: number): boolean {
  if (filter.olderThanMinutes === undefined) return true;
  if (createdMs === undefined || !Number.isFinite(createdMs)) return true;
  return now - createdMs >= filter.olderThanMinutes * 60_000;
}

/**
 * Finds what the ec2 target created in a region (tags `streamscore/tool=streamscore`,
 * `streamscore/backend=flink`, optionally the run id; roles and profiles under /streamscore/)
 * and deletes it: instances (terminated and waited for), instance profiles, roles, security groups.
 */
export async function cleanupEc2(region: string, filter: CleanupFilter, ctx: RunContext, deps: Ec2Deps = defaultEc2Deps): Promise<CleanupReport> {
  const report: CleanupReport = { found: [], deleted: [], failed: [] };
  const aws = await deps.clients(region);
  const { ec2: E, iam: I } = aws.sdk;
  const now = Date.now();
  try {
    // Instances
    const instances: { id: string; runId?: string }[] = [];
    let token: string | undefined;
    do {
      const r = await aws.ec2.send(
        new E.DescribeInstancesCommand({ Filters: [...tagFilters(filter.runId), { Name: 'instance-state-name', Values: LIVE_STATES }], ...(token ? { NextToken: token } : {}) }),
      );
      for (const res of r.Reservations ?? []) {
        for (const i of res.Instances ?? []) {
          if (!i.InstanceId || !oldEnough(i.LaunchTime?.getTime(), filter, now)) continue;
          instances.push({ id: i.InstanceId, runId: tagValue(i.Tags, TAG_RUN_ID) });
        }
      }
      token = r.NextToken;
    } while (token);
    // Security groups
    const groups: { id: string; runId?: string }[] = [];
    token = undefined;
    do {
      const r: DescribeSecurityGroupsCommandOutput = await aws.ec2.send(new E.DescribeSecurityGroupsCommand({ Filters: tagFilters(filter.runId), ...(token ? { NextToken: token } : {}) }));
      for (const g of r.SecurityGroups ?? []) {
        if (!g.GroupId || !oldEnough(Date.parse(tagValue(g.Tags, TAG_CREATED_AT) ?? ''), filter, now)) continue;
        groups.push({ id: g.GroupId, runId: tagValue(g.Tags, TAG_RUN_ID) });
      }
      token = r.NextToken;
    } while (token);
    // Roles and instance profiles under /streamscore/, named and tagged as flink's
    const ours = (tags: { Key?: string; Value?: string }[] | undefined) =>
      tagValue(tags, TAG_TOOL) === 'streamscore' && tagValue(tags, TAG_BACKEND) === BACKEND && (!filter.runId || tagValue(tags, TAG_RUN_ID) === filter.runId);
    const roles: { name: string; runId?: string }[] = [];
    let marker: string | undefined;
    do {
      const r: ListRolesCommandOutput = await aws.iam.send(new I.ListRolesCommand({ PathPrefix: IAM_PATH, ...(marker ? { Marker: marker } : {}) }));
      for (const role of r.Roles ?? []) {
        if (!role.RoleName?.startsWith(NAME_PREFIX) || !oldEnough(role.CreateDate?.getTime(), filter, now)) continue;
        const tags = (await aws.iam.send(new I.ListRoleTagsCommand({ RoleName: role.RoleName }))).Tags;
        if (ours(tags)) roles.push({ name: role.RoleName, runId: tagValue(tags, TAG_RUN_ID) });
      }
      marker = r.IsTruncated ? r.Marker : undefined;
    } while (marker);
    const profiles: { name: string; roles: string[]; runId?: string }[] = [];
    marker = undefined;
    do {
      const r: ListInstanceProfilesCommandOutput = await aws.iam.send(new I.ListInstanceProfilesCommand({ PathPrefix: IAM_PATH, ...(marker ? { Marker: marker } : {}) }));
      for (const p of r.InstanceProfiles ?? []) {
        if (!p.InstanceProfileName?.startsWith(NAME_PREFIX) || !oldEnough(p.CreateDate?.getTime(), filter, now)) continue;
        const tags = p.Tags?.length ? p.Tags : (await aws.iam.send(new I.ListInstanceProfileTagsCommand({ InstanceProfileName: p.InstanceProfileName }))).Tags;
        if (ours(tags)) profiles.push({ name: p.InstanceProfileName, roles: (p.Roles ?? []).map((x) => x.RoleName!).filter(Boolean), runId: tagValue(tags, TAG_RUN_ID) });
      }
      marker = r.IsTruncated ? r.Marker : undefined;
    } while (marker);

    for (const i of instances) report.found.push({ kind: 'ec2-instance', id: i.id, ...(i.runId ? { runId: i.runId } : {}) });
    for (const p of profiles) report.found.push({ kind: 'iam-instance-profile', id: p.name, ...(p.runId ? { runId: p.runId } : {}) });
    for (const r of roles) report.found.push({ kind: 'iam-role', id: r.name, ...(r.runId ? { runId: r.runId } : {}) });
    for (const g of groups) report.found.push({ kind: 'security-group', id: g.id, ...(g.runId ? { runId: g.runId } : {}) });
    if (filter.dryRun) return report;

    if (instances.length) {
      const ids = instances.map((i) => i.id);
      try {
        await aws.ec2.send(new E.TerminateInstancesCommand({ InstanceIds: ids }));
        await waitForInstances(aws, deps, ids, 'terminated', deps.terminateTimeoutMs);
        for (const id of ids) report.deleted.push({ kind: 'ec2-instance', id });
      } catch (e) {
        for (const id of ids) report.failed.push({ kind: 'ec2-instance', id, reason: messageOf(e) });
      }
    }
    for (const p of profiles) {
      try {
        for (const role of p.roles) await aws.iam.send(new I.RemoveRoleFromInstanceProfileCommand({ InstanceProfileName: p.name, RoleName: role })).catch(ignoreNotFound);
        await aws.iam.send(new I.DeleteInstanceProfileCommand({ InstanceProfileName: p.name })).catch(ignoreNotFound);
        report.deleted.push({ kind: 'iam-instance-profile', id: p.name });
      } catch (e) {
        report.failed.push({ kind: 'iam-instance-profile', id: p.name, reason: messageOf(e) });
      }
    }
    for (const r of roles) {
      try {
        await deleteRole(aws, r.name);
        report.deleted.push({ kind: 'iam-role', id: r.name });
      } catch (e) {
        report.failed.push({ kind: 'iam-role', id: r.name, reason: messageOf(e) });
      }
    }
    for (const g of groups) {
      try {
        await deleteSecurityGroup(aws, deps, g.id);
        report.deleted.push({ kind: 'security-group', id: g.id });
      } catch (e) {
        report.failed.push({ kind: 'security-group', id: g.id, reason: messageOf(e) });
      }
    }
    return report;
  } catch (e) {
    if (isCredentialsError(e)) {
      ctx.log(`EC2 leftovers in ${region} not searched: no AWS credentials (${messageOf(e)})`);
      return report;
    }
    throw e;
  } finally {
    aws.destroy();
  }
}

/** The ingress rules of a group as EC2 reports them (for tests and `session status`). */
export async function describeIngress(aws: AwsClients, groupId: string): Promise<IpPermission[]> {
  const r = await aws.ec2.send(new aws.sdk.ec2.DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return r.SecurityGroups?.[0]?.IpPermissions ?? [];
}
