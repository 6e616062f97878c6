import { UserError } from '@streamscore/core';

/** Parses repeated `key=value` flags; numbers and booleans become numbers and booleans. */
export function parseKeyValues(items: string[] | undefined, flag: string): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const item of items ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UserError(`--${flag} "${item}" is not key=value.`, `Write it like --${flag} windowSizeMs=10000.`);
    const key = item.slice(0, i).trim();
    const raw = item.slice(i + 1).trim();
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}
