import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '@streamscore/core';

/**
 * Where a command writes, checked before it does any work, so no measurement or render is lost.
 * One policy for every command (`run --out`, `report --out`, `plan --chart`, `compare --out`):
 * missing folders are created and the command says so in one line; a path that cannot be
 * written is refused in one line naming the path, the reason and the next step.
 */

/** The nearest folder of `path` that exists. */
function existingAncestor(abs: string): string {
  let dir = abs;
  while (!existsSync(dir)) {
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return dir;
}

interface Target {
  /** What is written, for the message: "the Result", "the report". */
  what: string;
  flag: string;
  example: string;
}

function refuse(t: Target, path: string, e: unknown): UserError {
  const code = typeof e === 'string' ? e : (e as NodeJS.ErrnoException).code;
  const why =
    code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : code === 'ENOTDIR' ? 'a part of the path is a file' : code === 'ENOENT' ? 'no folder can be created there' : (code ?? String(e));
  return new UserError(`Cannot write ${t.what} to ${path} (${t.flag}): ${why}.`, `Choose a path you can write to, e.g. ${t.flag} ${t.example}.`);
}

/** Makes `dir` (and its missing parents), telling `note` which folder it created. */
function makeFolder(abs: string, shown: string, t: Target, note?: (m: string) => void): void {
  if (existsSync(abs)) {
    if (!statSync(abs).isDirectory()) throw refuse(t, shown, 'ENOTDIR');
    return;
  }
  const base = existingAncestor(abs);
  try {
    if (!statSync(base).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(base, constants.W_OK);
    // One level at a time: Node's recursive mkdir never returns where a parent refuses with
    // ENOENT (under /proc, Node 20).
    const missing: string[] = [];
    for (let d = abs; d !== base; d = dirname(d)) missing.unshift(d);
    for (const d of missing) mkdirSync(d);
  } catch (e) {
    throw refuse(t, shown, e);
  }
  note?.(`created the folder ${shown}`);
}

/** A file a command will write (`run --out`): its folder exists (created if missing) and is writable. */
export function ensureWritable(path: string, note?: (m: string) => void, what = 'the Result'): string {
  const t: Target = { what, flag: '--out', example: 'results/run.json' };
  const abs = resolve(path);
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    throw new UserError(`--out ${path} is a directory.`, 'Give a file name, e.g. results/run.json.');
  }
  makeFolder(dirname(abs), dirname(path), t, note);
  try {
    accessSync(dirname(abs), constants.W_OK);
    if (existsSync(abs)) accessSync(abs, constants.W_OK);
  } catch (e) {
    throw refuse(t, path, e);
  }
  return abs;
}

/** A folder a command will write into (`report --out`, `plan --chart`): exists (created if missing) and is writable. */
export function ensureWritableFolder(path: string, flag: string, what: string, note?: (m: string) => void): string {
  const t: Target = { what, flag, example: './out' };
  const abs = resolve(path);
  makeFolder(abs, path, t, note);
  try {
    accessSync(abs, constants.W_OK);
  } catch (e) {
    throw refuse(t, path, e);
  }
  return abs;
}
