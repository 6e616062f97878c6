export { RULES, GUIDE_PATH, ruleAnchor, ruleById, ruleLink, ruleMessage, slug, type Rule, type RuleId } from './rules.js';
export {
  checkShape,
  checkCapabilities,
  checkTeardown,
  checkIdempotentSteps,
  checkPlanCreatesNothing,
  checkCleanup,
  collectRunEvidence,
  checkLedgerJournal,
  checkResult,
  checkRunResult,
  checkNoSecrets,
  requestFor,
  kitRunId,
  type CheckOutcome,
  type KitOptions,
  type ResultExpectation,
  type RunEvidence,
} from './checks.js';
export { backendConformance, assertConforms, type ConformanceOptions } from './suite.js';
export { findSecrets, installCanaries, SECRET_ENV_VARS, type Canaries, type Text } from './secrets.js';
export {
  snapshot,
  settle,
  leaksSince,
  warmUp,
  journalLines,
  ledgerFromJournal,
  endsWithProcess,
  PROCESS_LIFETIME_KINDS,
  type ResourceSnapshot,
} from './probe.js';
export { pulseWorkloads, workloads } from './fixtures.js';
