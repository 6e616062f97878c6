/**
 * The flock backend's AWS control plane against moto's server (scripts/install-moto.sh): the
 * execution role (IAM), CreateFunction with the package inline, tags, reserved concurrency for
 * group members, the GetFunction waiters, teardown, and cleanup by tag after a run killed
 * half-way. moto's Invoke cannot run Node code (it echoes payloads), so nothing here invokes a
 * function: the data path is tested on the local target (e2e.test.ts). moto has no
 * GetAccountSettings either: the concurrency check is tested with aws-sdk-client-mock
 * (errors.test.ts). Skipped without moto.
 */
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GetFunctionCommand, LambdaClient, ListFunctionsCommand, ListLayersCommand } from '@aws-sdk/client-lambda';
import { GetRoleCommand, GetRolePolicyCommand, IAMClient, ListAttachedRolePoliciesCommand } from '@aws-sdk/client-iam';
import { Ledger, type AnyWorkload, type RunContext, type RunRequest } from '@streamscore/core';
import { startMotoServer, type MotoServer } from '@streamscore/testkit/moto';
import { createFlockBackend, runStem, TAG_RUN_ID, TAG_TOOL } from './backend.js';
import { INLINE_POLICY, ROLE_PATH, functionPolicy } from './iam.js';
import { motoPrerequisite } from '@streamscore/testkit/prerequisites';

// A workload package that fails to import fails this file with its error (never a silent skip).
const nexmark = ((await import('@streamscore/workload-nexmark')) as { workloads: AnyWorkload[] }).workloads;
const wl = (id: string) => nexmark.find((w) => w.id === id)!;

const creds = { accessKeyId: 'testing', secretAccessKey: 'testing' };

function request(workloadId: string, runId: string, knobs: Record<string, string | number> = {}): RunRequest {
  const workload = wl(workloadId);
  return { runId, workload, params: workload.params.parse({}) as Record<string, unknown>, target: 'aws', knobs: { memory: 512, arch: 'arm64', ...knobs }, rate: 1000, durationS: 10 };
}

function context(runId: string): RunContext & { logs: string[] } {
  const logs: string[] = [];
  return { runId, ledger: new Ledger(runId), log: (m) => logs.push(m), signal: new AbortController().signal, logs };
}

motoPrerequisite().describe('flock control plane on the aws target, against moto', () => {
  let moto: MotoServer;
  let lambda: LambdaClient;
  let iam: IAMClient;
  const backend = () =>
    createFlockBackend({ region: 'us-east-1', endpoints: { lambda: moto.endpoint, iam: moto.endpoint, logs: moto.endpoint }, credentials: creds, retryDelayMs: () => 50 });

  beforeAll(async () => {
    moto = await startMotoServer();
    // moto's docker-less Lambda (the testkit's setting, for Invoke) keeps published layers where
    // CreateFunction does not look for them; nothing here invokes, so use its main backend.
    await fetch(`${moto.endpoint}/moto-api/config`, { method: 'POST', body: JSON.stringify({ lambda: { use_docker: true } }) });
    lambda = new LambdaClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: creds });
    iam = new IAMClient({ region: 'us-east-1', endpoint: moto.endpoint, credentials: creds });
  }, 60_000);
  afterAll(async () => {
    lambda?.destroy();
    iam?.destroy();
    await moto?.stop();
  });
  beforeEach(async () => {
    await moto.reset();
  });

  async function functionNames(): Promise<string[]> {
    return ((await lambda.send(new ListFunctionsCommand({}))).Functions ?? []).map((f) => f.FunctionName!).sort();
  }

  /** Layers with at least one version left. */
  async function layerNames(): Promise<string[]> {
    return ((await lambda.send(new ListLayersCommand({}))).Layers ?? []).filter((l) => l.LatestMatchingVersion).map((l) => l.LayerName!).sort();
  }

  it('provision: role under /streamscore/, a group of 3 created inline, tagged, reserved concurrency 1; teardown deletes it all', async () => {
    const b = backend();
    const runId = 'moto-run-group';
    const req = request('nexmark/q5', runId, { 'group-size': 3 });
    const plan = await b.plan(req);
    expect(plan.resources.map((r) => r.kind)).toEqual(['lambda-function', 'lambda-invocations', 'lambda-invocations', 'cloudwatch-logs', 'iam-role', 'lambda-layer']);
    expect(plan.notes.join('\n')).toMatch(/account settings not read/); // moto has no GetAccountSettings
    const ctx = context(runId);
    const d = await b.provision(plan, ctx);
    const stem = runStem(runId);
    const names = [0, 1, 2].map((i) => `${stem}-agg-0${i}`);
    expect(d.state['functions']).toEqual(names);
    expect(await functionNames()).toEqual(names);

    const role = await iam.send(new GetRoleCommand({ RoleName: `${stem}-role` }));
    expect(role.Role?.Path).toBe(ROLE_PATH);
    expect(JSON.stringify(decodeURIComponent(role.Role?.AssumeRolePolicyDocument ?? ''))).toMatch(/lambda\.amazonaws\.com/);
    const inline = await iam.send(new GetRolePolicyCommand({ RoleName: `${stem}-role`, PolicyName: INLINE_POLICY }));
    expect(JSON.parse(decodeURIComponent(inline.PolicyDocument ?? ''))).toEqual(JSON.parse(functionPolicy()));
    const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: `${stem}-role` }));
    expect(attached.AttachedPolicies).toEqual([]);

    for (const name of names) {
      const f = await lambda.send(new GetFunctionCommand({ FunctionName: name }));
      expect(f.Configuration).toMatchObject({ Runtime: 'nodejs20.x', Handler: 'index.handler', MemorySize: 512, Role: role.Role!.Arn, State: 'Active' });
      expect(f.Configuration?.Architectures).toEqual(['arm64']);
      expect(f.Configuration?.Environment?.Variables?.['FLOCK_CONTEXT']).toBeTypeOf('string');
      expect(f.Tags).toMatchObject({ [TAG_TOOL]: 'streamscore', [TAG_RUN_ID]: runId, 'streamscore/backend': 'flock' });
      expect(f.Concurrency?.ReservedConcurrentExecutions).toBe(1);
      expect(f.Configuration?.CodeSha256).toBe(d.state['codeSha256']);
      // DuckDB from the layer built for arm64 and published for this run.
      expect(f.Configuration?.Layers?.map((l) => l.Arn)).toEqual([(d.state['layer'] as { arn: string }).arn]);
    }
    expect((d.state['layer'] as { name: string }).name).toBe(`${stem}-duckdb`);
    expect(await layerNames()).toEqual([`${stem}-duckdb`]);
    const ledger = ctx.ledger.list();
    expect(ledger.filter((e) => e.kind === 'lambda-function').map((e) => e.state)).toEqual(['created', 'created', 'created']);
    expect(ledger.find((e) => e.kind === 'iam-role')).toMatchObject({ state: 'created', cloudId: role.Role!.Arn });
    expect(ledger.find((e) => e.kind === 'lambda-layer')).toMatchObject({ state: 'created', cloudId: (d.state['layer'] as { arn: string }).arn });

    await b.teardown(d, ctx);
    expect(await functionNames()).toEqual([]);
    expect(await layerNames()).toEqual([]);
    await expect(iam.send(new GetRoleCommand({ RoleName: `${stem}-role` }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
    expect(ctx.ledger.list().every((e) => e.state === 'deleted')).toBe(true);
    // teardown is idempotent
    await b.teardown(d, ctx);
  }, 60_000);

  it('a per-event query gets one function without reserved concurrency', async () => {
    const b = backend();
    const runId = 'moto-run-map';
    const ctx = context(runId);
    const d = await b.provision(await b.plan(request('nexmark/q0', runId)), ctx);
    const f = await lambda.send(new GetFunctionCommand({ FunctionName: `${runStem(runId)}-map` }));
    expect(f.Concurrency?.ReservedConcurrentExecutions).toBeUndefined();
    await b.teardown(d, ctx);
    expect(await functionNames()).toEqual([]);
  }, 60_000);

  it('cleanup finds the functions and role of a run killed half-way by their tags, and deletes only what the filter names', async () => {
    // Two runs provisioned, then "killed": their process state is gone, nothing was torn down.
    const killed = createFlockBackend({ region: 'us-east-1', endpoints: { lambda: moto.endpoint, iam: moto.endpoint }, credentials: creds });
    await killed.provision(await killed.plan(request('nexmark/q5', 'killed-a', { 'group-size': 2 })), context('killed-a'));
    await killed.provision(await killed.plan(request('nexmark/q0', 'killed-b')), context('killed-b'));
    expect(await functionNames()).toHaveLength(3);

    const b = backend(); // a new process: knows nothing but the filter
    const dry = await b.cleanup({ runId: 'killed-a', dryRun: true }, context('cleanup'));
    expect(dry.found.map((f) => f.kind).sort()).toEqual(['iam-role', 'lambda-function', 'lambda-function', 'lambda-layer']);
    expect(dry.found.filter((f) => f.kind !== 'lambda-layer').every((f) => f.runId === 'killed-a')).toBe(true);
    expect(dry.found.find((f) => f.kind === 'lambda-layer')?.id).toBe(`${runStem('killed-a')}-duckdb:1`);
    expect(dry.deleted).toEqual([]);
    expect(await functionNames()).toHaveLength(3);

    const a = await b.cleanup({ runId: 'killed-a' }, context('cleanup'));
    expect(a.deleted.map((x) => x.id).sort()).toEqual([`${runStem('killed-a')}-agg-00`, `${runStem('killed-a')}-agg-01`, `${runStem('killed-a')}-duckdb:1`, `${runStem('killed-a')}-role`]);
    expect(a.failed).toEqual([]);
    expect(await functionNames()).toEqual([`${runStem('killed-b')}-map`]);

    const rest = await b.cleanup({}, context('cleanup'));
    expect(rest.deleted.map((x) => x.id).sort()).toEqual([`${runStem('killed-b')}-duckdb:1`, `${runStem('killed-b')}-map`, `${runStem('killed-b')}-role`]);
    expect(await functionNames()).toEqual([]);
    expect(await layerNames()).toEqual([]);
    await expect(iam.send(new GetRoleCommand({ RoleName: `${runStem('killed-b')}-role` }))).rejects.toMatchObject({ name: 'NoSuchEntityException' });
  }, 60_000);
});
