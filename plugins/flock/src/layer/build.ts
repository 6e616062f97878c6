import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { UserError } from '@streamscore/core';
import { readZip, writeZip, type ZipEntry } from '../lambda-local/zip.js';
import { readTgz } from './tar.js';

export type LayerArch = 'arm64' | 'x86_64';

/** One npm package the layer holds, at the exact version this machine's DuckDB binding uses. */
export interface LayerPackage {
  name: string;
  version: string;
}

export interface DuckdbLayer {
  arch: LayerArch;
  zip: Buffer;
  /** sha256 of the zip, base64 (what Lambda reports as CodeSha256). */
  sha256: string;
  packages: LayerPackage[];
  unzippedBytes: number;
  /** The path of the cached zip. */
  path: string;
}

/** Lambda's limits for a layer uploaded in the request (not through S3), and unzipped with the function. */
export const LAYER_DIRECT_UPLOAD_MAX_BYTES = 50 * 1024 * 1024;
export const LAMBDA_UNZIPPED_MAX_BYTES = 250 * 1024 * 1024;

/** ELF e_machine of the native library each architecture must carry. */
const ELF_MACHINE: Record<LayerArch, number> = { x86_64: 62, arm64: 183 };

export function platformPackageOf(arch: LayerArch): string {
  return `@duckdb/node-bindings-linux-${arch === 'arm64' ? 'arm64' : 'x64'}`;
}

function installedVersion(name: string): string {
  const req = createRequire(import.meta.url);
  // node-bindings and detect-libc are dependencies of node-api: resolve them from there.
  const from = name === '@duckdb/node-api' ? req : createRequire(req.resolve('@duckdb/node-api/package.json'));
  const fromBindings = name === 'detect-libc' ? createRequire(from.resolve('@duckdb/node-bindings/package.json')) : from;
  return (JSON.parse(readFileSync(fromBindings.resolve(`${name}/package.json`), 'utf8')) as { version: string }).version;
}

/**
 * What the layer must hold for `require('@duckdb/node-api')` to work in a Lambda function of
 * this architecture: the API, the loader, its libc probe, and the glibc binary for the
 * architecture (Lambda's Node runtimes run on Amazon Linux 2023, glibc), all at the versions the
 * function bundle was built and tested against.
 */
export function duckdbLayerPackages(arch: LayerArch): LayerPackage[] {
  const bindings = installedVersion('@duckdb/node-bindings');
  return [
    { name: '@duckdb/node-api', version: installedVersion('@duckdb/node-api') },
    { name: '@duckdb/node-bindings', version: bindings },
    { name: platformPackageOf(arch), version: bindings },
    { name: 'detect-libc', version: installedVersion('detect-libc') },
  ];
}

export type PackFetcher = (spec: string, destDir: string) => Promise<string>;

/** `npm pack NAME@VERSION`: the tarball from the npm registry (npm's cache and config apply). */
export const npmPack: PackFetcher = async (spec, destDir) => {
  const { stdout } = await promisify(execFile)('npm', ['pack', spec, '--pack-destination', destDir, '--json', '--silent'], { maxBuffer: 16 * 1024 * 1024, timeout: 300_000 });
  const out = JSON.parse(stdout) as { filename: string }[];
  const file = out[0]?.filename;
  if (!file) throw new Error(`npm pack ${spec} printed no file name`);
  return join(destDir, file);
};

/** The ELF machine number of a shared object, or undefined when it is not ELF. */
export function elfMachine(data: Buffer): number | undefined {
  if (data.length < 20 || data.readUInt32BE(0) !== 0x7f454c46) return undefined;
  return data[5] === 2 ? data.readUInt16BE(18) : data.readUInt16LE(18);
}

export interface BuildLayerOptions {
  arch: LayerArch;
  /** Where tarballs and built zips are kept (default ~/.streamscore/layers). */
  cacheDir?: string;
  fetch?: PackFetcher;
}

/**
 * Builds (or takes from the cache) the DuckDB layer for one architecture: the packages' files
 * under nodejs/node_modules/NAME/, which Lambda unpacks to /opt/nodejs/node_modules, a path on
 * the Node runtimes' NODE_PATH. Checks the native files are ELF for the architecture and the
 * sizes are within Lambda's limits.
 */
export async function buildDuckdbLayer(o: BuildLayerOptions): Promise<DuckdbLayer> {
  const dir = o.cacheDir ?? join(homedir(), '.streamscore', 'layers');
  mkdirSync(dir, { recursive: true });
  const packages = duckdbLayerPackages(o.arch);
  const key = createHash('sha256').update(JSON.stringify(packages)).digest('hex').slice(0, 12);
  const path = join(dir, `duckdb-${o.arch}-${packages[0]!.version}-${key}.zip`);
  const entries: ZipEntry[] = [];
  if (!existsSync(path)) {
    const fetch = o.fetch ?? npmPack;
    for (const p of packages) {
      const spec = `${p.name}@${p.version}`;
      const tgzName = `${p.name.replace('@', '').replace('/', '-')}-${p.version}.tgz`;
      let tgz = join(dir, tgzName);
      if (!existsSync(tgz)) {
        try {
          tgz = await fetch(spec, dir);
        } catch (e) {
          throw new UserError(`Could not fetch ${spec} from the npm registry for the DuckDB layer: ${(e as Error).message.split('\n')[0]}`, 'Check that npm can reach its registry (npm view ' + spec + ' version).');
        }
      }
      for (const f of readTgz(readFileSync(tgz))) {
        if (!f.path.startsWith('package/')) continue;
        entries.push({ name: `nodejs/node_modules/${p.name}/${f.path.slice('package/'.length)}`, data: f.data, mode: f.mode || 0o644 });
      }
    }
    checkNative(entries, o.arch);
    const zip = writeZip(entries, 6);
    if (zip.length > LAYER_DIRECT_UPLOAD_MAX_BYTES) {
      throw new Error(`the DuckDB layer is ${(zip.length / 1048576).toFixed(1)} MiB zipped, over Lambda's ${LAYER_DIRECT_UPLOAD_MAX_BYTES / 1048576} MiB direct-upload limit (an S3 upload is not implemented)`);
    }
    writeFileSync(path + '.tmp', zip);
    renameSync(path + '.tmp', path);
  }
  const zip = readFileSync(path);
  const files = entries.length ? entries : readZip(zip);
  const unzippedBytes = files.reduce((s, e) => s + e.data.length, 0);
  if (unzippedBytes > LAMBDA_UNZIPPED_MAX_BYTES) throw new Error(`the DuckDB layer unzips to ${unzippedBytes} bytes, over Lambda's ${LAMBDA_UNZIPPED_MAX_BYTES}`);
  return { arch: o.arch, zip, sha256: createHash('sha256').update(zip).digest('base64'), packages, unzippedBytes, path };
}

/** The native binding and library must be ELF objects of the layer's architecture. */
export function checkNative(entries: readonly ZipEntry[], arch: LayerArch): void {
  const prefix = `nodejs/node_modules/${platformPackageOf(arch)}/`;
  const natives = entries.filter((e) => e.name.startsWith(prefix) && /\.(node|so)$/.test(e.name));
  if (!natives.some((e) => e.name.endsWith('/duckdb.node'))) throw new Error(`the DuckDB layer for ${arch} has no ${prefix}duckdb.node`);
  for (const e of natives) {
    const m = elfMachine(e.data);
    if (m !== ELF_MACHINE[arch]) throw new Error(`${e.name} is not an ELF object for ${arch} (e_machine ${m ?? 'none'}, expected ${ELF_MACHINE[arch]})`);
  }
}
