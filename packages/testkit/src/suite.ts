import { beforeAll, describe, it } from 'vitest';
import type { Backend } from '@streamscore/core';
import {
  checkCapabilities,
  checkCleanup,
  checkIdempotentSteps,
  checkLedgerJournal,
  checkNoSecrets,
  checkPlanCreatesNothing,
  checkRunResult,
  checkShape,
  checkTeardown,
  collectRunEvidence,
  type CheckOutcome,
  type KitOptions,
  type RunEvidence,
} from './checks.js';
import { ruleById, ruleLink, type RuleId } from './rules.js';

export interface ConformanceOptions extends KitOptions {
  /**
   * Rules the backend is known to break for now, with the reason. They run as expected failures
   * (`it.fails`): the suite stays green, and turns red the day the backend is fixed, so the
   * exception is removed rather than forgotten.
   */
  knownFailures?: Partial<Record<RuleId, string>>;
  /** Timeout of each check, ms (default 120 000; a run takes its duration plus the drain). */
  timeoutMs?: number;
}

/** Throws the outcome's message when the rule is broken: what vitest prints is the rule, the problem and the guide's section. */
export function assertConforms(o: CheckOutcome): void {
  if (!o.ok) throw new Error(o.message);
}

/**
 * Registers the conformance suite for a backend: call it at the top level of a vitest file in the
 * backend's package.
 *
 *   backendConformance(myBackend, { workloads, target: 'local' });
 *
 * Each rule (C1–C9, see RULES and docs/plugins.md) is one test; C7–C9 run once per workload,
 * over a real run through the harness.
 */
export function backendConformance(backend: Backend, options: ConformanceOptions): void {
  const timeout = options.timeoutMs ?? 120_000;
  const test = (id: RuleId, suffix: string, fn: () => Promise<CheckOutcome> | CheckOutcome) => {
    const rule = ruleById(id);
    const name = `${rule.id}: ${rule.title}${suffix}`;
    const known = options.knownFailures?.[id];
    const body = async () => assertConforms(await fn());
    if (known) it.fails(`${name} — known failure: ${known} (${ruleLink(id)})`, body, timeout);
    else it(name, body, timeout);
  };

  describe(`backend "${backend.name}" meets the streamscore contract (target ${options.target})`, () => {
    test('C1', '', () => checkShape(backend, options));
    test('C2', '', () => checkCapabilities(backend, options));
    test('C3', '', () => checkTeardown(backend, options));
    test('C4', '', () => checkIdempotentSteps(backend, options));
    test('C5', '', () => checkPlanCreatesNothing(backend, options));
    test('C6', '', () => checkCleanup(backend, options));

    for (const workload of options.workloads) {
      describe(`a run of ${workload.id} through the harness`, () => {
        let ev: RunEvidence;
        beforeAll(async () => {
          ev = await collectRunEvidence(backend, workload, options);
        }, timeout);
        test('C7', ` (${workload.id})`, () => checkLedgerJournal(ev));
        test('C8', ` (${workload.id})`, () => checkRunResult(backend, ev));
        test('C9', ` (${workload.id})`, () => checkNoSecrets(ev));
      });
    }
  });
}
