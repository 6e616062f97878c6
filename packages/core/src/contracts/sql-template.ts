/**
 * Query text ships as templates so that one file serves every transport and every parameter
 * value. Placeholders:
 *
 * - `${interval:NAME}`: the workload parameter NAME (milliseconds) as a SQL interval literal,
 *   `INTERVAL '10' SECOND` or `INTERVAL '2.5' SECOND`;
 * - `${NAME}`: a runtime value the backend supplies in `vars` (upper case by convention:
 *   `SOURCE_WITH`, `SINK_WITH`, `WINDOW_START`, `WINDOW_END`), else the workload parameter NAME
 *   verbatim (e.g. `${sessionGapMs}`).
 *
 * Rendering fails on a placeholder it cannot fill, so a backend never runs half-rendered SQL.
 */
export type SqlVars = Record<string, string | number>;

const PLACEHOLDER = /\$\{(?:(interval):)?([A-Za-z_][A-Za-z0-9_]*)\}/g;

/** A millisecond duration as a Flink/Calcite interval literal (whole or fractional seconds). */
export function intervalLiteral(ms: number): string {
  if (!(Number.isInteger(ms) && ms >= 0)) throw new Error(`an interval must be a whole number of ms ≥ 0 (got ${ms})`);
  const whole = Math.floor(ms / 1000);
  const frac = ms % 1000;
  const seconds = frac === 0 ? String(whole) : `${whole}.${String(frac).padStart(3, '0').replace(/0+$/, '')}`;
  return `INTERVAL '${seconds}' SECOND`;
}

export function renderSqlTemplate(template: string, params: Record<string, unknown>, vars: SqlVars = {}): string {
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
    const p = params[name];
    if (typeof p === 'number' || typeof p === 'string' || typeof p === 'boolean') return String(p);
    problems.push(`${whole}: no value given`);
    return whole;
  });
  if (problems.length > 0) throw new Error(`Cannot render the query template: ${problems.join('; ')}.`);
  return out;
}

/** Names of the placeholders a template uses (`interval:` ones prefixed), for backends that check what they must supply. */
export function templatePlaceholders(template: string): string[] {
  const names = new Set<string>();
  for (const m of template.matchAll(PLACEHOLDER)) names.add(m[1] ? `${m[1]}:${m[2]}` : m[2]!);
  return [...names];
}
