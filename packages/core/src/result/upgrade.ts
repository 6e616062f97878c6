/**
 * Brings an older Result document up to the current schema before it is validated, so old
 * files stay readable. Version 1 had the verdict `skipped`, which counted as success in places;
 * it meant "not checked", so it reads as `unchecked`.
 */
export function upgradeResultJson(json: unknown): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const doc = json as Record<string, unknown>;
  if (doc['schemaVersion'] !== 1) return json;
  const verdict = doc['verdict'] as Record<string, unknown> | undefined;
  const findMax = doc['findMax'] as { trials?: Record<string, unknown>[] } | undefined;
  return {
    ...doc,
    schemaVersion: 2,
    ...(verdict ? { verdict: { ...verdict, status: verdict['status'] === 'skipped' ? 'unchecked' : verdict['status'] } } : {}),
    ...(findMax?.trials
      ? { findMax: { ...findMax, trials: findMax.trials.map((t) => ({ ...t, verdict: t['verdict'] === 'skipped' ? 'unchecked' : t['verdict'] })) } }
      : {}),
  };
}
