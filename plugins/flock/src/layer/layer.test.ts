/**
 * The DuckDB layer, built from the npm registry's platform packages (npm pack, through npm's
 * cache), and the function bundle loaded with it in the local Lambda service as Lambda would:
 * the layer unpacked under a directory standing for /opt, DuckDB reachable from nowhere else.
 * The arm64 layer cannot run on this x86-64 machine: its native files are checked to be aarch64
 * ELF objects instead.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { buildTemplate } from '../function/bundle.js';
import { readZip } from '../lambda-local/zip.js';
import { buildDuckdbLayer, checkNative, duckdbLayerPackages, elfMachine, LAYER_DIRECT_UPLOAD_MAX_BYTES } from './build.js';
import { checkLayerLocally } from './check.js';
import { readTgz } from './tar.js';

const cache = mkdtempSync(join(tmpdir(), 'ss-layer-cache-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));

function ustar(name: string, data: Buffer, type = '0'): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 'utf8');
  h.write('0000644\0', 100);
  h.write(data.length.toString(8).padStart(11, '0') + '\0', 124);
  h.write(type, 156);
  h.write('ustar\0', 257);
  return Buffer.concat([h, data, Buffer.alloc((512 - (data.length % 512)) % 512)]);
}

describe('the DuckDB Lambda layer', () => {
  it('reads npm tarballs, pax long paths included', () => {
    const long = 'package/' + 'd/'.repeat(60) + 'f.js';
    const pax = Buffer.from(`${long.length + 7 + String(long.length + 7).length} path=${long}\n`);
    const tgz = gzipSync(Buffer.concat([ustar('package/a.js', Buffer.from('A')), ustar('PaxHeader', pax, 'x'), ustar('package/short', Buffer.from('B')), Buffer.alloc(1024)]));
    expect(readTgz(tgz).map((f) => [f.path, f.data.toString(), f.mode])).toEqual([
      ['package/a.js', 'A', 0o644],
      [long, 'B', 0o644],
    ]);
  });

  it('holds the API, the loader, its libc probe and the binary for the architecture, at the installed versions', () => {
    const arm = duckdbLayerPackages('arm64').map((p) => p.name);
    expect(arm).toEqual(['@duckdb/node-api', '@duckdb/node-bindings', '@duckdb/node-bindings-linux-arm64', 'detect-libc']);
    expect(duckdbLayerPackages('x86_64')[2]!.name).toBe('@duckdb/node-bindings-linux-x64');
    const v = duckdbLayerPackages('x86_64');
    expect(v[2]!.version).toBe(v[1]!.version);
  });

  it('refuses a native file of the wrong architecture', () => {
    const x64Elf = Buffer.alloc(64);
    x64Elf.writeUInt32BE(0x7f454c46, 0);
    x64Elf[5] = 1;
    x64Elf.writeUInt16LE(62, 18);
    expect(elfMachine(x64Elf)).toBe(62);
    expect(() => checkNative([{ name: 'nodejs/node_modules/@duckdb/node-bindings-linux-arm64/duckdb.node', data: x64Elf }], 'arm64')).toThrow(/not an ELF object for arm64 \(e_machine 62, expected 183\)/);
    expect(() => checkNative([], 'x86_64')).toThrow(/has no nodejs\/node_modules\/@duckdb\/node-bindings-linux-x64\/duckdb.node/);
  });

  it('builds the x86_64 layer and the bundle runs DuckDB with it in the local Lambda service', async () => {
    const layer = await buildDuckdbLayer({ arch: 'x86_64', cacheDir: cache });
    expect(layer.zip.length).toBeLessThan(LAYER_DIRECT_UPLOAD_MAX_BYTES);
    const names = readZip(layer.zip).map((e) => e.name);
    expect(names).toContain('nodejs/node_modules/@duckdb/node-api/package.json');
    expect(names).toContain('nodejs/node_modules/@duckdb/node-bindings-linux-x64/libduckdb.so');
    expect(names).toContain('nodejs/node_modules/detect-libc/package.json');
    const check = await checkLayerLocally(await buildTemplate(), layer);
    expect(check).toMatchObject({ loaded: true });
    expect(check.initMs).toBeGreaterThan(0);
    // A second build is the cached zip, byte for byte.
    expect((await buildDuckdbLayer({ arch: 'x86_64', cacheDir: cache })).sha256).toBe(layer.sha256);
  }, 240_000);

  it('builds the arm64 layer with aarch64 binaries; this x86-64 machine says it did not load it', async () => {
    const layer = await buildDuckdbLayer({ arch: 'arm64', cacheDir: cache });
    const so = readZip(layer.zip).find((e) => e.name.endsWith('/libduckdb.so'))!;
    expect(so.name).toBe('nodejs/node_modules/@duckdb/node-bindings-linux-arm64/libduckdb.so');
    expect(elfMachine(so.data)).toBe(183);
    const check = await checkLayerLocally(await buildTemplate(), layer, { hostArch: 'x64' });
    expect(check.loaded).toBe(false);
    expect(check.reason).toContain('checked to be ELF for arm64, not loaded');
  }, 240_000);

  it('fails the check when the layer lacks DuckDB: the bundle has nowhere else to load it from', async () => {
    const layer = await buildDuckdbLayer({ arch: 'x86_64', cacheDir: cache });
    const { writeZip } = await import('../lambda-local/zip.js');
    const gutted = { ...layer, zip: writeZip(readZip(layer.zip).filter((e) => !e.name.includes('/@duckdb/node-api/')), 1) };
    await expect(checkLayerLocally(await buildTemplate(), gutted)).rejects.toThrow(/did not run with the DuckDB layer[\s\S]*@duckdb\/node-api/);
  }, 240_000);
});
