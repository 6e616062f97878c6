import { describe, expect, it } from 'vitest';
import { Ledger, UserError, type Backend, type Deployment, type FaultSpec, type HarnessTransport, type RunContext } from '@streamscore/core';
import { FaultSchedule, assignFaults, parseFaultEntry, parseFaultFlag } from './faults.js';
import { MemoryHarnessTransport } from './harness-transport.js';

describe('--fault KIND@TIME[:options]', () => {
  it('reads times, shares, durations and plain options', () => {
    expect(parseFaultFlag('kill-taskmanager@30s')).toEqual({ kind: 'kill-taskmanager', atS: 30, options: {} });
    expect(parseFaultFlag('function-throttle@1.5m:share=20%,for=20s')).toEqual({ kind: 'function-throttle', atS: 90, forS: 20, options: { share: 0.2 } });
    expect(parseFaultFlag('network-delay@500ms:ms=200,ops=get')).toEqual({ kind: 'network-delay', atS: 0.5, options: { ms: 200, ops: 'get' } });
  });

  it('a run file entry says the same in YAML terms', () => {
    expect(parseFaultEntry({ kind: 'kinesis-throttle', at: '10s', for: '5s', options: { share: 0.1 } }, 'faults[0]')).toEqual({ kind: 'kinesis-throttle', atS: 10, forS: 5, options: { share: 0.1 } });
    expect(parseFaultEntry('function-crash@12s', 'faults[1]')).toEqual({ kind: 'function-crash', atS: 12, options: {} });
  });

  it('refuses malformed faults in one line', () => {
    for (const bad of ['kill-taskmanager', 'kill-taskmanager@soon', 'Kill@3s', 'function-throttle@3s:share=150%', 'function-throttle@3s:share']) {
      expect(() => parseFaultFlag(bad), bad).toThrow(UserError);
    }
    expect(() => parseFaultEntry({ kind: 'x', at: '1s', when: 'now' }, 'faults[0]')).toThrow(/faults\[0\]/);
  });
});

const backend = (faults?: string[]): Backend => ({
  name: 'fake',
  description: 'a backend that injects by recording',
  capabilities: { workloads: ['*'], targets: ['local'], transports: ['memory'], knobs: {}, ...(faults ? { faults } : {}) },
  transportFor: () => 'memory',
  plan: async () => { throw new Error('unused'); },
  provision: async () => { throw new Error('unused'); },
  start: async () => {},
  metrics: async () => ({}),
  stop: async () => {},
  teardown: async () => {},
  cleanup: async () => ({ found: [], deleted: [], failed: [] }),
});

describe('who injects what', () => {
  const wire = { faultKinds: ['kinesis-throttle', 'network-delay'] };
  it('wire faults go to the transport, the rest to the backend', () => {
    const f = [parseFaultFlag('kinesis-throttle@0s:share=10%'), parseFaultFlag('kill-taskmanager@30s')];
    expect(assignFaults(f, { backend: backend(['kill-taskmanager']), target: 'local', transport: wire, loadS: 60 })).toEqual(['transport', 'backend']);
  });

  it('refuses before anything starts: a kind nobody injects, a wire fault without the proxy, a fault after the load', () => {
    expect(() => assignFaults([parseFaultFlag('function-crash@3s')], { backend: backend(['kill-taskmanager']), target: 'local', transport: wire, loadS: 60 }))
      .toThrow('fake on target local cannot inject function-crash; it injects kill-taskmanager, kinesis-throttle, network-delay.');
    expect(() => assignFaults([parseFaultFlag('kinesis-throttle@3s')], { backend: backend(), target: 'aws', transport: {}, loadS: 60 }))
      .toThrow(/injects no faults/);
    expect(() => assignFaults([parseFaultFlag('kill-taskmanager@60s')], { backend: backend(['kill-taskmanager']), target: 'local', transport: wire, loadS: 60 }))
      .toThrow(/after the load ends/);
  });
});

describe('the schedule', () => {
  it('fires each fault once at its time, clears lasting ones at atS+forS or at the end, and records each', async () => {
    const calls: string[] = [];
    const b: Backend = {
      ...backend(['kill-taskmanager', 'function-throttle']),
      injectFault: async (_d: Deployment, f: FaultSpec) => {
        calls.push(`inject ${f.kind}`);
        if (f.kind === 'kill-taskmanager') throw new Error('no TaskManager 3');
        return { effect: `did ${f.kind}`, clear: async () => void calls.push(`clear ${f.kind}`) };
      },
    };
    const transport: HarnessTransport = Object.assign(new MemoryHarnessTransport(), {
      faultKinds: ['network-delay'],
      injectFault: async (f: FaultSpec) => {
        calls.push(`wire ${f.kind}`);
        return { effect: 'delaying', clear: async () => void calls.push('wire clear') };
      },
    });
    const faults = [parseFaultFlag('function-throttle@1s:share=20%,for=2s'), parseFaultFlag('kill-taskmanager@2s:index=3'), parseFaultFlag('network-delay@2.5s:ms=100'), parseFaultFlag('function-throttle@9s')];
    const by = assignFaults(faults, { backend: b, target: 'local', transport, loadS: 10 });
    const ctx: RunContext = { runId: 'r', ledger: new Ledger('r'), log: () => {}, signal: new AbortController().signal };
    const base = 1_000_000;
    const s = new FaultSchedule(faults, by, { backend: b, deployment: { backend: 'fake', target: 'local', runId: 'r', state: {}, provisioningMs: 0 }, ctx, transport, baseTimeMs: base });
    expect(s.nextDueMs()).toBe(base + 1000);
    s.poll(base + 999);
    expect(calls).toEqual([]);
    s.poll(base + 1001);
    s.poll(base + 1500); // not twice
    await new Promise((r) => setImmediate(r));
    expect(s.nextDueMs()).toBe(base + 2000);
    s.poll(base + 2600);
    await new Promise((r) => setImmediate(r));
    s.poll(base + 3000); // throttle's for=2s ends
    const records = await s.finish(base + 5000);
    expect(calls).toEqual(['inject function-throttle', 'inject kill-taskmanager', 'wire network-delay', 'clear function-throttle', 'wire clear']);
    expect(records.map((r) => [r.kind, r.by, r.firedAtS, r.clearedAtS, r.effect, r.error])).toEqual([
      ['function-throttle', 'backend', 1.001, 3, 'did function-throttle', undefined],
      ['kill-taskmanager', 'backend', 2.6, undefined, 'failed', 'no TaskManager 3'],
      ['network-delay', 'transport', 2.6, 5, 'delaying', undefined],
      ['function-throttle', 'backend', null, undefined, 'not fired: the load ended first', undefined],
    ]);
  });
});
