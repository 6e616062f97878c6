import { accessSync, constants, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '@streamscore/core';

/** Fails before a run starts if its Result could not be written, so no measurement is lost. */
export function ensureWritable(path: string): string {
  const abs = resolve(path);
  if (existsSync(abs) && statSync(abs).isDirectory()) {
    throw new UserError(`--out ${path} is a directory.`, 'Give a file name, e.g. results/run.json.');
  }
  const dir = dirname(abs);
  try {
    mkdirSync(dir, { recursive: true });
    accessSync(dir, constants.W_OK);
    if (existsSync(abs)) accessSync(abs, constants.W_OK);
  } catch (e) {
    throw new UserError(`Cannot write the Result to ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Choose a writable --out path.');
  }
  return abs;
}
