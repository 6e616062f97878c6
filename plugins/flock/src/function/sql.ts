/**
 * Renders a query template, with the placeholders of core's engine/sql-template (the workload
 * packages write their micro-batch SQL with them): `${interval:NAME}` → an interval literal of
 * the parameter NAME (ms), `${NAME}` → a runtime value (WINDOW_START, WINDOW_END, …) or the
 * parameter NAME verbatim. `keep` names placeholders left in place for a later pass (the
 * backend renders parameters once; the function fills the window's values per window).
 */
const PLACEHOLDER = /\$\{(?:(interval):)?([A-Za-z_][A-Za-z0-9_]*)\}/g;

export function intervalLiteral(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0)) throw new Error(`an interval must be a whole number of ms ≥ 0 (got ${ms})`);
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  const seconds = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  return `INTERVAL '${seconds}' SECOND`;
}

export function renderSql(template: string, params: Record<string, unknown>, vars: Record<string, string | number> = {}, keep: readonly string[] = []): string {
  const problems: string[] = [];
  const out = template.replace(PLACEHOLDER, (whole, interval: string | undefined, name: string) => {
    if (interval) {
      const v = params[name];
      if (typeof v !== 'number') {
        problems.push(`${whole}: no numeric parameter '${name}'`);
        return whole;
      }
      return intervalLiteral(v);
    }
    if (Object.prototype.hasOwnProperty.call(vars, name)) return String(vars[name]);
    if (keep.includes(name)) return whole;
    const p = params[name];
    if (typeof p === 'number' || typeof p === 'string' || typeof p === 'boolean') return String(p);
    problems.push(`${whole}: no value given`);
    return whole;
  });
  if (problems.length > 0) throw new Error(`Cannot render the query template: ${problems.join('; ')}.`);
  return out;
}

/** Runtime placeholders the function fills per window. */
export const WINDOW_VARS = ['WINDOW_START', 'WINDOW_END', 'WINDOW_ID'] as const;
