/**
 * The rules of the backend contract that the conformance kit checks. One list, shared by the kit
 * (its failure messages), the guide (docs/plugins.md has one heading per rule, `### C3: …`) and the
 * test that keeps the two in step (test/docs-samples.test.ts).
 */
export interface Rule {
  id: RuleId;
  /** The heading's text after `Cn: ` in docs/plugins.md. */
  title: string;
  /** One sentence: what the contract promises. */
  promise: string;
}

export type RuleId = 'C1' | 'C2' | 'C3' | 'C4' | 'C5' | 'C6' | 'C7' | 'C8' | 'C9';

/** Where the guide lives, relative to the repository root. */
export const GUIDE_PATH = 'docs/plugins.md';

export const RULES: readonly Rule[] = [
  {
    id: 'C1',
    title: 'the backend matches the contract',
    promise: 'The object the hook hands over passes BackendSchema, and transportFor() names a declared transport for every declared target.',
  },
  {
    id: 'C2',
    title: 'capabilities are declared and honoured',
    promise: 'plan() accepts every declared workload and target, and refuses an undeclared workload or target with a UserError that names it.',
  },
  {
    id: 'C3',
    title: 'teardown is idempotent and leaves nothing',
    promise:
      'teardown() can be called twice, on a deployment that never started, and from a fresh context after a crash; afterwards no ledger entry is outstanding and no thread, process or handle is left.',
  },
  {
    id: 'C4',
    title: 'provision, start and stop are idempotent',
    promise: 'Calling provision(), start() or stop() a second time with the same arguments succeeds and creates nothing new.',
  },
  {
    id: 'C5',
    title: 'plan creates nothing',
    promise: 'plan() only describes: it writes nothing to the ledger and starts no thread, process or handle.',
  },
  {
    id: 'C6',
    title: 'cleanup finds what a killed run left',
    promise:
      'After a run is abandoned between provision and teardown, cleanup({ runId }) finds every resource it left (a dry run only lists them) and deletes them.',
  },
  {
    id: 'C7',
    title: 'the ledger records every resource before it exists',
    promise: 'Every resource enters the ledger as intended before it is created, every intent is resolved, and what plan() announced is recorded.',
  },
  {
    id: 'C8',
    title: 'every result is valid and carries a verdict',
    promise: 'Every Result produced through runBenchmark validates against ResultSchema and carries a verdict, which is pass for the workloads the backend declares.',
  },
  {
    id: 'C9',
    title: 'no secret appears in any output',
    promise: 'No credential (an AWS access key id, a secret access key, a session token) appears in a plan, deployment, Result or log line.',
  },
];

/** GitHub's heading anchor for a rule's heading `### Cn: title`. */
export function ruleAnchor(rule: Rule): string {
  return slug(`${rule.id}: ${rule.title}`);
}

/** GitHub's slug of a Markdown heading: lower case, punctuation dropped, spaces to hyphens. */
export function slug(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

export function ruleById(id: RuleId): Rule {
  const r = RULES.find((x) => x.id === id);
  if (!r) throw new Error(`no conformance rule ${id}`);
  return r;
}

/** Where the guide explains a rule: `docs/plugins.md#c3-teardown-is-idempotent-and-leaves-nothing`. */
export function ruleLink(id: RuleId): string {
  return `${GUIDE_PATH}#${ruleAnchor(ruleById(id))}`;
}

/** The message of a broken rule: names the rule, what went wrong, and where the guide explains it. */
export function ruleMessage(id: RuleId, problems: readonly string[]): string {
  const r = ruleById(id);
  const what = problems.length === 1 ? problems[0]! : problems.map((p, i) => `(${i + 1}) ${p}`).join('; ');
  return `rule ${r.id} (${r.title}) broken: ${what} — see ${ruleLink(id)}`;
}
