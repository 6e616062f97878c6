import { spawn } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LAUNCHER } from '../paths.js';

/**
 * The local target starts the JobManager and every TaskManager at once, each through
 * launch-node.sh, and on a fresh machine each finds the jar cache empty. A stand-in for Maven
 * (slow enough that the fetches overlap) shows they share one fetch: before, one node moved the
 * half-fetched directory from under another, which exited ("mv: cannot stat …lib.tmp").
 */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function fetch(cache: string, mvn: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const p = spawn('bash', [LAUNCHER, 'fetch'], { env: { ...process.env, STREAMSCORE_FLINK_CACHE: cache, MVN: mvn }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', (code) => resolve({ code, out }));
  });
}

describe('launch-node.sh fetch', () => {
  it('three nodes starting at once on an empty cache: one fetch, all three succeed', async () => {
    const root = mkdtempSync(join(tmpdir(), 'ss-launcher-'));
    dirs.push(root);
    const calls = join(root, 'calls');
    const mvn = join(root, 'fake-mvn.sh');
    // Writes two jars into -DoutputDirectory=… after a second, and counts its calls.
    writeFileSync(
      mvn,
      `#!/usr/bin/env bash\necho call >> ${JSON.stringify(calls)}\nfor a in "$@"; do case "$a" in -DoutputDirectory=*) out="\${a#-DoutputDirectory=}";; esac; done\nsleep 1\nmkdir -p "$out"\ntouch "$out/flink-runtime-2.2.0.jar" "$out/log4j-core.jar"\n`,
    );
    chmodSync(mvn, 0o755);
    const cache = join(root, 'cache');
    const results = await Promise.all([fetch(cache, mvn), fetch(cache, mvn), fetch(cache, mvn)]);
    for (const r of results) expect(r.code, r.out).toBe(0);
    const lib = join(cache, '2.2.0', 'lib');
    expect(readdirSync(lib).sort()).toEqual(['.complete', 'flink-runtime-2.2.0.jar', 'log4j-core.jar']);
    // flock(1) serialises them: the first fetches, the others find the cache complete.
    expect(readFileSync(calls, 'utf8').trim().split('\n')).toHaveLength(1);
    // No temporary directory is left behind.
    expect(readdirSync(join(cache, '2.2.0')).filter((f) => f.startsWith('lib.tmp'))).toEqual([]);
  });
});
