import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname } from 'node:path';
import { RESULT_SCHEMA_VERSION, ResultSchema, type Result } from './schema.js';
import { UserError } from '../errors.js';
import { upgradeResultJson } from './upgrade.js';

/** Validates and writes a Result atomically (temp file + rename). */
export function writeResult(path: string, result: Result): void {
  const checked = ResultSchema.parse(result);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(checked, null, 2) + '\n');
  renameSync(tmp, path);
}

/** Reads a Result file; every way it can be wrong becomes one clear UserError. */
export function readResult(path: string): Result {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read result file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Check the path.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`${path} is not JSON.`, 'Pass a Result file written by `streamscore run`.');
  }
  const version = (json as { schemaVersion?: unknown })?.schemaVersion;
  if (typeof version === 'number' && version > RESULT_SCHEMA_VERSION) {
    throw new UserError(
      `${path} has Result schemaVersion ${version}; this streamscore reads up to ${RESULT_SCHEMA_VERSION}.`,
      'Upgrade streamscore to read it.',
    );
  }
  const parsed = ResultSchema.safeParse(upgradeResultJson(json));
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    const where = first ? first.path.join('.') || '(root)' : '(root)';
    throw new UserError(
      `${path} is not a valid streamscore Result: ${where}: ${first?.message ?? 'invalid'} (${parsed.error.issues.length} problem(s)).`,
      'See docs/results.md for the schema.',
    );
  }
  return parsed.data;
}
