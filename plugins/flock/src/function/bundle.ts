import { existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeZip } from '../lambda-local/zip.js';

/**
 * Builds the one deployment package every flock function is created from: esbuild bundles the
 * handler (with the AWS SDK's Kinesis client and apache-arrow) into a single CommonJS file,
 * `index.js` (handler `index.handler`, runtime nodejs20.x/22.x), and this module zips it.
 * @duckdb/node-api stays external (a native module: a layer provides it; see engine.ts).
 */
export interface TemplatePackage {
  zip: Buffer;
  /** sha256 of the zip, base64 (what Lambda reports as CodeSha256). */
  sha256: string;
  bundleBytes: number;
  handler: string;
  runtime: string;
  buildMs: number;
}

export const TEMPLATE_HANDLER = 'index.handler';
export const TEMPLATE_RUNTIME = 'nodejs20.x';
export const EXTERNAL_MODULES = ['@duckdb/node-api'];

let cached: Promise<TemplatePackage> | undefined;

function entryPoint(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  // From dist/function/bundle.js prefer the TypeScript sources shipped beside dist; from
  // src/function/bundle.ts (tests) they are next door.
  for (const p of [join(here, 'handler.ts'), join(here, '..', '..', 'src', 'function', 'handler.ts'), join(here, 'handler.js')]) {
    if (existsSync(p)) return p;
  }
  throw new Error(`the flock function template's source was not found next to ${here}`);
}

export function buildTemplate(): Promise<TemplatePackage> {
  cached ??= (async () => {
    const t0 = performance.now();
    const esbuild = await import('esbuild');
    const out = await esbuild.build({
      entryPoints: [entryPoint()],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'cjs',
      minify: true,
      legalComments: 'none',
      write: false,
      external: EXTERNAL_MODULES,
      logLevel: 'silent',
      define: { 'import.meta.url': '__importMetaUrl' },
      banner: { js: 'var __importMetaUrl = require("url").pathToFileURL(__filename).href;' },
    });
    const file = out.outputFiles[0];
    if (!file) throw new Error('esbuild produced no output for the flock function template');
    const code = Buffer.from(file.contents);
    const zip = writeZip([{ name: 'index.js', data: code }], 9);
    return {
      zip,
      sha256: createHash('sha256').update(zip).digest('base64'),
      bundleBytes: code.length,
      handler: TEMPLATE_HANDLER,
      runtime: TEMPLATE_RUNTIME,
      buildMs: performance.now() - t0,
    };
  })();
  cached.catch(() => {
    cached = undefined;
  });
  return cached;
}
