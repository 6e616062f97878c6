import type { Result } from '@streamscore/core';
import { formatRateShort } from './format.js';

/**
 * The label of a run on charts and in tables: `backend[/target] workload @rate`, e.g.
 * `flink/ec2 nexmark/q5 @100k`. The target is left out when it is `local`. Labels are made
 * unique by appending ` #2`, ` #3`, … to repeats, in input order.
 */
export function runLabel(r: Result): string {
  const c = r.config;
  const target = c.target !== 'local' ? `/${c.target}` : '';
  return `${c.backend}${target} ${c.workload} @${formatRateShort(c.load.rate)}`;
}

export function runLabels(results: readonly Result[]): string[] {
  const seen = new Map<string, number>();
  const base = results.map(runLabel);
  const taken = new Set(base);
  return base.map((l) => {
    const n = (seen.get(l) ?? 0) + 1;
    seen.set(l, n);
    if (n === 1) return l;
    let k = n;
    let candidate = `${l} #${k}`;
    while (taken.has(candidate)) candidate = `${l} #${++k}`;
    taken.add(candidate);
    return candidate;
  });
}
