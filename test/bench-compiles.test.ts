import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { expect, it } from 'vitest';

// `npm run bench` runs bench/*.ts through tsx, which does not type-check: a moved module or a
// renamed export would only surface when someone next measures. Type-check it with every run.
const ROOT = new URL('..', import.meta.url).pathname;
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');

it('bench/ type-checks against the packages it measures', () => {
  const r = spawnSync(process.execPath, [TSC, '-p', join(ROOT, 'bench/tsconfig.json')], { encoding: 'utf8', timeout: 240_000 });
  expect(r.stdout + r.stderr).toBe('');
  expect(r.status).toBe(0);
}, 240_000);
