import type { Result } from './schema.js';

/**
 * One line on a run answered by a backend's own semantics: what the true query would have said
 * of its answers. Printed by `run`, logged by the harness and shown in reports, so the verdict —
 * judged against the semantics' own oracle — is never read as the true query's.
 */
export function semanticsLine(s: NonNullable<Result['semantics']>): string {
  if (!s.trueQuery) return `${s.name} (verdict against its own oracle): ${s.note ?? 'not compared with the true query'}`;
  const t = s.trueQuery;
  const what = t.method === 'final-state' ? 'rows of its final table' : 'answers';
  return `${s.name} (verdict against its own oracle): of the true query's ${t.expected} ${what}, ${t.matched} given, ${t.missing} missed, ${t.wrong} wrong`;
}
