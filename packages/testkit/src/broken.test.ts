import { describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { runBenchmark } from '@streamscore/harness';
import { type Backend, type Deployment, type Plan, type RunContext, type RunRequest } from '@streamscore/core';
import {
  checkCapabilities,
  checkCleanup,
  checkLedgerJournal,
  checkNoSecrets,
  checkPlanCreatesNothing,
  checkResult,
  checkRunResult,
  checkTeardown,
  collectRunEvidence,
  type KitOptions,
} from './checks.js';
import { RULES, ruleLink } from './rules.js';
import { pulseWorkloads } from './fixtures.js';
import { modelBackend } from '../test-support/backends.js';

/**
 * Deliberately broken backends: each breaks one promise of the contract, and the kit must fail it
 * with a message naming the rule and the guide's section. The checks run as plain functions.
 */
const options: KitOptions = { workloads: [pulseWorkloads[0]!], target: 'local', rate: 2000, durationS: 1 };
const sum = pulseWorkloads[1]!;

function names(rule: string, title: string) {
  const link = ruleLink(rule as 'C1');
  return new RegExp(`^rule ${rule} \\(${title.replace(/[()]/g, '\\$&')}\\) broken: .* — see ${link.replace(/[.#]/g, '\\$&')}$`);
}

describe('the kit fails a broken backend, naming the rule', () => {
  it('every rule has a title and a link into docs/plugins.md', () => {
    expect(RULES.map((r) => r.id)).toEqual(['C1', 'C2', 'C3', 'C4', 'C5', 'C6', 'C7', 'C8', 'C9']);
    expect(ruleLink('C3')).toBe('docs/plugins.md#c3-teardown-is-idempotent-and-leaves-nothing');
  });

  it('C3: a teardown that leaves a resource (its ledger entry stays created)', async () => {
    const good = modelBackend('leaky');
    const leaky: Backend = {
      ...good,
      // Forgets the scratch file and its ledger entry.
      async teardown() {},
    };
    const o = await checkTeardown(leaky, options);
    expect(o.ok).toBe(false);
    expect(o.rule).toBe('C3');
    expect(o.message).toMatch(names('C3', 'teardown is idempotent and leaves nothing'));
    expect(o.message).toMatch(/after teardown the ledger still has local-file scratch-kit-teardown-\S+ \(created\)/);
    // What the broken backend left behind, the test removes.
    await good.cleanup({}, { runId: 'x', ledger: new (await import('@streamscore/core')).Ledger('x'), log: () => {}, signal: new AbortController().signal });
  });

  it('C3: a teardown that throws the second time', async () => {
    const good = modelBackend('once');
    const seen = new Set<string>();
    const once: Backend = {
      ...good,
      async teardown(d: Deployment, ctx: RunContext) {
        if (seen.has(d.runId)) throw new Error('already torn down');
        seen.add(d.runId);
        await good.teardown(d, ctx);
      },
    };
    const o = await checkTeardown(once, options);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C3', 'teardown is idempotent and leaves nothing'));
    expect(o.message).toContain('teardown() called a second time threw Error: already torn down');
  });

  it('C8: a Result with no verdict', async () => {
    const result = await runBenchmark({ backend: modelBackend(), workload: pulseWorkloads[0]!, target: 'local', rate: 1000, durationS: 1, toolVersion: 'test' });
    expect(checkResult(result).ok).toBe(true);
    // A wrapper that writes Results on its own and forgets the verdict.
    const { verdict: _dropped, ...stripped } = result;
    const o = checkResult(stripped);
    expect(o.ok).toBe(false);
    expect(o.rule).toBe('C8');
    expect(o.message).toMatch(names('C8', 'every result is valid and carries a verdict'));
    expect(o.message).toContain('the Result has no verdict');
  });

  it('C8: a backend that loses answers gets a failing verdict', async () => {
    const good = modelBackend('lossy');
    const lossy: Backend = {
      ...good,
      async start(d, req, ctx) {
        let i = 0;
        const binding = req.transport as import('@streamscore/core').MemoryBinding;
        const emit = binding.emit;
        await good.start(d, { ...req, transport: { ...binding, emit: (row) => (i++ % 10 === 0 ? undefined : emit(row)) } }, ctx);
      },
    };
    const ev = await collectRunEvidence(lossy, pulseWorkloads[0]!, options);
    const o = checkRunResult(lossy, ev);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C8', 'every result is valid and carries a verdict'));
    expect(o.message).toMatch(/the verdict is fail, not pass \(\d+ matched, \d+ missing/);
  });

  it('C2: a plan that accepts a target the backend does not declare', async () => {
    const good = modelBackend('lax');
    const lax: Backend = { ...good, plan: async (req: RunRequest): Promise<Plan> => ({ ...(await good.plan({ ...req, target: 'local' })), target: req.target }) };
    const o = await checkCapabilities(lax, options);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C2', 'capabilities are declared and honoured'));
    expect(o.message).toContain("plan() accepted target 'conformance-undeclared-target'");
  });

  it('C5: a plan that starts something', async () => {
    const good = modelBackend('eager');
    const timers: NodeJS.Timeout[] = [];
    const eager: Backend = {
      ...good,
      async plan(req) {
        timers.push(setInterval(() => {}, 1000));
        return good.plan(req);
      },
    };
    const o = await checkPlanCreatesNothing(eager, options);
    for (const t of timers) clearInterval(t);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C5', 'plan creates nothing'));
    expect(o.message).toMatch(/more active Timeout handle/);
  });

  it('C6: a cleanup that finds nothing', async () => {
    const good = modelBackend('blind');
    const blind: Backend = { ...good, cleanup: async () => ({ found: [], deleted: [], failed: [] }) };
    let leftover = '';
    const watching: Backend = {
      ...blind,
      async provision(plan, ctx) {
        const d = await good.provision(plan, ctx);
        if (ctx.runId.startsWith('kit-killed')) leftover = String(d.state['file']);
        return d;
      },
    };
    const o = await checkCleanup(watching, options);
    rmSync(leftover, { force: true });
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C6', 'cleanup finds what a killed run left'));
    expect(o.message).toMatch(/did not find local-file scratch-kit-killed-\S+ \(created\) left by the killed run/);
  });

  it('C7: a backend whose plan announces resources it never records', async () => {
    const good = modelBackend('unrecorded');
    const unrecorded: Backend = {
      ...good,
      async provision(plan, ctx) {
        return { backend: 'unrecorded', target: plan.target, runId: ctx.runId, state: {}, provisioningMs: 0 };
      },
      async teardown() {},
    };
    const ev = await collectRunEvidence(unrecorded, pulseWorkloads[0]!, options);
    const o = checkLedgerJournal(ev);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C7', 'the ledger records every resource before it exists'));
    expect(o.message).toContain('plan() announced local-file scratch but the run recorded nothing in the ledger');
  });

  it('C9: a backend that logs its credentials', async () => {
    const good = modelBackend('chatty');
    const chatty: Backend = {
      ...good,
      async start(d, req, ctx) {
        ctx.log(`connecting with ${process.env['AWS_ACCESS_KEY_ID']} / ${process.env['AWS_SECRET_ACCESS_KEY']}`);
        await good.start(d, req, ctx);
      },
    };
    const ev = await collectRunEvidence(chatty, pulseWorkloads[0]!, options);
    expect(checkRunResult(chatty, ev).ok).toBe(true);
    const o = checkNoSecrets(ev);
    expect(o.ok).toBe(false);
    expect(o.message).toMatch(names('C9', 'no secret appears in any output'));
    expect(o.message).toContain('log line 1 contains the value of a credential variable of this process');
    expect(o.message).toContain('an AWS access key id');
  });

  it('a correct backend passes the same checks on a windowed workload', async () => {
    const ev = await collectRunEvidence(modelBackend(), sum, { ...options, workloads: [sum] });
    for (const o of [checkLedgerJournal(ev), checkRunResult(modelBackend(), ev), checkNoSecrets(ev)]) expect(o.ok, o.message).toBe(true);
  });
});
