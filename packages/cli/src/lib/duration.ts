import { UserError } from '@streamscore/core';

const UNITS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Parses `30s`, `2m`, `1.5h`, `500ms` or a bare number of seconds into seconds. */
export function parseDuration(text: string, flag: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text);
  if (!m) throw new UserError(`--${flag} "${text}" is not a duration.`, 'Write it like 30s, 2m, 1h or 500ms.');
  const seconds = Number(m[1]) * UNITS[m[2] ?? 's']!;
  if (!(seconds > 0)) throw new UserError(`--${flag} must be longer than zero (got "${text}").`);
  return seconds;
}
