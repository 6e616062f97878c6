import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { UserError } from '@streamscore/core';
import { CpuSampler } from './cpu.js';
import { parsePin, requireTaskset } from './pin.js';

function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('--pin', () => {
  it('parses ROLE=CPUS as separate values or one list', () => {
    expect(parsePin(['harness=0', 'sut=1'], 2)).toEqual({ harness: '0', sut: '1' });
    expect(parsePin(['harness=0,sut=1-3', 'transport=0,2'], 4)).toEqual({ harness: '0', sut: '1-3', transport: '0,2' });
  });

  it('refuses unknown roles, malformed lists and CPUs the machine lacks, each in one line with an example', () => {
    const refusal = (v: string[], cpus = 2) => {
      try {
        parsePin(v, cpus);
      } catch (e) {
        expect(e).toBeInstanceOf(UserError);
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(refusal(['driver=0'])).toMatch(/ROLE one of harness, transport, sut/);
    expect(refusal(['sut=a'])).toMatch(/a CPU list/);
    expect(refusal(['sut=7'])).toMatch(/CPUs 0–1/);
    expect(refusal(['sut'])).toMatch(/expected ROLE=CPUS/);
  });

  // With CI=true a machine without taskset fails here (requireTaskset says why) instead of skipping.
  it.runIf(process.platform === 'linux' && (hasTaskset() || process.env['CI'] === 'true'))('pins the system under test and the child it starts later, as the sampler first sees them', async () => {
    requireTaskset();
    const child = spawn(process.execPath, ['-e', "setTimeout(() => require('child_process').spawn(process.execPath, ['-e', 'setTimeout(() => {}, 5000)'], { stdio: 'inherit' }), 300); setTimeout(() => {}, 5000);"], { detached: true, stdio: 'inherit' });
    const allowed = (pid: number) => /Cpus_allowed_list:\s*(\S+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1];
    try {
      const s = new CpuSampler(() => [{ role: 'sut', pid: child.pid! }], undefined, { sut: '0' });
      expect(allowed(child.pid!)).toBe('0');
      await new Promise((r) => setTimeout(r, 800));
      s.sample();
      const kids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).trim().split(/\s+/).map(Number);
      expect(kids).toHaveLength(1);
      expect(allowed(kids[0]!)).toBe('0');
      expect(allowed(process.pid)).not.toBe('0'); // the harness was not asked to move
    } finally {
      process.kill(-child.pid!, 'SIGKILL');
    }
  });
});
