import { describe, expect, it } from 'vitest';
import { isUserError, workloadMatches, type AnyWorkload, type RunRequest } from '@streamscore/core';
import { flockBackend } from './backend.js';
import { FLOCK_REFUSALS, FLOCK_WORKLOADS, planQuery } from './query.js';

// A workload package that fails to import fails this file with its error (never a silent skip).
const all: AnyWorkload[] = [
    ...((await import('@streamscore/workload-nexmark')) as { workloads: AnyWorkload[] }).workloads,
    ...((await import('@streamscore/workload-ysb')) as { workloads: AnyWorkload[] }).workloads,
];

function request(w: AnyWorkload, target = 'local'): RunRequest {
  return { runId: 'caps', workload: w, params: w.params.parse({}) as Record<string, unknown>, target, knobs: {}, rate: 1000, durationS: 10 };
}

describe('what the flock backend declares, runs and refuses', () => {
  it('declares exactly the queries it runs, by id', () => {
    expect(flockBackend.capabilities.workloads).toEqual(['nexmark/q0', 'nexmark/q1', 'nexmark/q2', 'nexmark/q5', 'nexmark/q7', 'nexmark/q8', 'nexmark/q11', 'ysb/campaigns']);
    const declared = all.filter((w) => flockBackend.capabilities.workloads.some((p) => workloadMatches(p, w.id))).map((w) => w.id);
    expect(declared.sort()).toEqual([...FLOCK_WORKLOADS].sort());
  });

  it('plans every declared workload with the window it needs', async () => {
    const shapes: Record<string, string> = {};
    for (const id of FLOCK_WORKLOADS) {
      const w = all.find((x) => x.id === id)!;
      const plan = await flockBackend.plan(request(w));
      expect(plan.backend).toBe('flock');
      const q = planQuery(w, request(w).params);
      shapes[id] = q.stage === 'per-event' ? 'per-event' : q.window!.kind;
    }
    expect(shapes).toEqual({
      'nexmark/q0': 'per-event',
      'nexmark/q1': 'per-event',
      'nexmark/q2': 'per-event',
      'nexmark/q5': 'hopping',
      'nexmark/q7': 'tumbling',
      'nexmark/q8': 'tumbling',
      'nexmark/q11': 'session',
      'ysb/campaigns': 'tumbling',
    });
    const ysb = planQuery(all.find((x) => x.id === 'ysb/campaigns')!, request(all.find((x) => x.id === 'ysb/campaigns')!).params);
    expect(ysb).toMatchObject({ eventTable: 'ad_events', statics: [{ table: 'campaigns', module: '@streamscore/workload-ysb', export: 'campaignTable' }] });
  });

  it('refuses q3, q4, q9 and q12 in plan(), before anything is created, saying why', async () => {
    for (const id of ['nexmark/q3', 'nexmark/q4', 'nexmark/q9', 'nexmark/q12']) {
      const w = all.find((x) => x.id === id)!;
      const e = await flockBackend.plan(request(w)).catch((x: unknown) => x);
      expect(isUserError(e), id).toBe(true);
      expect((e as Error).message).toBe(`The flock backend cannot run ${id}: ${FLOCK_REFUSALS[id]}`);
      expect((e as { nextStep?: string }).nextStep).toMatch(/It runs: nexmark\/q0, .*ysb\/campaigns/);
      // Flock's epoch-scoped form is offered where it exists (not for q12).
      expect((e as { nextStep?: string }).nextStep?.includes('semantics=flock-epoch'), id).toBe(id !== 'nexmark/q12');
    }
    // q3 is a per-event query by kind; its SQL needs every event so far, which is why it is named.
    expect(all.find((x) => x.id === 'nexmark/q3')!.kind).toBe('per-event');
  });

  it('refuses an unknown target in plan()', async () => {
    const w = all.find((x) => x.id === 'nexmark/q0')!;
    await expect(flockBackend.plan(request(w, 'gcp'))).rejects.toThrow(/targets local and aws, not gcp/);
  });

  it('iamPolicy(aws): the caller policy, scoped to flock’s names; local needs none', () => {
    const p = flockBackend.iamPolicy!('aws');
    expect(p.Version).toBe('2012-10-17');
    const actions = p.Statement.flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]));
    for (const a of ['lambda:CreateFunction', 'lambda:PutFunctionConcurrency', 'lambda:InvokeFunction', 'lambda:GetAccountSettings', 'lambda:ListTags', 'logs:FilterLogEvents', 'iam:CreateRole', 'iam:PutRolePolicy', 'iam:PassRole', 'kinesis:PutRecords']) {
      expect(actions, a).toContain(a);
    }
    expect(actions).not.toContain('iam:AttachRolePolicy');
    const fn = p.Statement.find((s) => s.Sid === 'Functions')!;
    expect(fn.Resource).toBe('arn:aws:lambda:*:*:function:ss-flock-*');
    expect(p.Statement.find((s) => s.Sid === 'PassRoleToLambda')!.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'lambda.amazonaws.com' } });
    expect(() => flockBackend.iamPolicy!('local')).toThrow(/creates nothing in AWS/);
  });
});
