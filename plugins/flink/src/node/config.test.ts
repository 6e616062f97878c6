import { describe, expect, it } from 'vitest';
import { launcherArgs, nodeConfigEntries, nodeJvm, renderNodeConfig, taskManagerMemory, type FlinkClusterSpec } from './config.js';

const spec: FlinkClusterSpec = {
  flinkVersion: '2.2.0',
  jobManagerHost: '127.0.0.1',
  bindHost: '127.0.0.1',
  rpcPort: 40123,
  restPort: 40081,
  taskManagers: 2,
  slotsPerTaskManager: 2,
  parallelism: 4,
  taskManagerMemoryMb: 1024,
  jobManagerHeapMb: 512,
};

function parse(yaml: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const line of yaml.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const i = line.indexOf(': ');
    expect(i, `line "${line}" is key: value`).toBeGreaterThan(0);
    expect(m.has(line.slice(0, i)), `key ${line.slice(0, i)} is written once`).toBe(false);
    m.set(line.slice(0, i), line.slice(i + 2));
  }
  return m;
}

describe('node config writer', () => {
  it('binds every endpoint to the given host and uses the chosen ports', () => {
    const c = parse(renderNodeConfig(spec, { role: 'jobmanager' }));
    expect(c.get('jobmanager.rpc.address')).toBe('127.0.0.1');
    expect(c.get('jobmanager.bind-host')).toBe('127.0.0.1');
    expect(c.get('rest.bind-address')).toBe('127.0.0.1');
    expect(c.get('rest.port')).toBe('40081');
    expect(c.get('jobmanager.rpc.port')).toBe('40123');
    expect(c.get('parallelism.default')).toBe('4');
    expect(c.get('web.submit.enable')).toBe('true');
    // A JobManager gets no TaskManager memory keys.
    expect([...c.keys()].some((k) => k.startsWith('taskmanager.memory.'))).toBe(false);
  });

  it('gives TaskManagers every memory component TaskManagerRunner requires, adding up to the process size', () => {
    const c = parse(renderNodeConfig(spec, { role: 'taskmanager', index: 1 }));
    for (const k of [
      'taskmanager.cpu.cores',
      'taskmanager.memory.task.heap.size',
      'taskmanager.memory.task.off-heap.size',
      'taskmanager.memory.network.min',
      'taskmanager.memory.network.max',
      'taskmanager.memory.managed.size',
    ]) {
      expect(c.has(k), k).toBe(true);
    }
    expect(c.get('taskmanager.memory.network.min')).toBe(c.get('taskmanager.memory.network.max'));
    expect(c.get('taskmanager.resource-id')).toBe('tm-1');
    // A TaskManager started again after a crash is a new resource to the JobManager.
    const again = new Map(nodeConfigEntries(spec, { role: 'taskmanager', index: 1, generation: 2 }));
    expect(again.get('taskmanager.resource-id')).toBe('tm-1-r2');
    expect(c.get('taskmanager.host')).toBe('127.0.0.1');
    const m = taskManagerMemory(1024);
    const sum = m.frameworkHeapMb + m.taskHeapMb + m.frameworkOffHeapMb + m.taskOffHeapMb + m.networkMb + m.managedMb + m.metaspaceMb + m.overheadMb;
    expect(sum).toBe(1024);
    expect(m.taskHeapMb).toBeGreaterThan(256);
    const jvm = nodeJvm(spec, 'taskmanager');
    expect(jvm.heap).toBe(`${m.frameworkHeapMb + m.taskHeapMb}m`);
    expect(jvm.direct).toBe(`${m.frameworkOffHeapMb + m.networkMb}m`);
  });

  it('refuses a TaskManager too small to start', () => {
    expect(() => taskManagerMemory(512)).toThrow(/at least 768/);
  });

  it('lets extra keys override the defaults, once', () => {
    const e = nodeConfigEntries({ ...spec, extra: { 'state.backend.type': 'rocksdb', 'metrics.latency.interval': 1000 } }, { role: 'jobmanager' });
    expect(e.filter(([k]) => k === 'state.backend.type')).toEqual([['state.backend.type', 'rocksdb']]);
    expect(e.at(-1)).toEqual(['metrics.latency.interval', 1000]);
  });

  it('quotes values YAML would misread', () => {
    const c = parse(renderNodeConfig({ ...spec, extra: { 'a.flag': 'yes', 'a.port': '0', 'a.text': 'two words' } }, { role: 'jobmanager' }));
    expect(c.get('a.flag')).toBe('"yes"');
    expect(c.get('a.port')).toBe('"0"');
    expect(c.get('a.text')).toBe('"two words"');
  });

  it('hands the launcher the config base64-encoded, with the JVM sizes', () => {
    const args = launcherArgs(spec, { role: 'taskmanager', index: 0 }, { home: '/tmp/node' });
    expect(args[0]).toBe('taskmanager');
    const b64 = args[args.indexOf('--config-b64') + 1]!;
    expect(Buffer.from(b64, 'base64').toString('utf8')).toBe(renderNodeConfig(spec, { role: 'taskmanager', index: 0 }));
    expect(args[args.indexOf('--home') + 1]).toBe('/tmp/node');
    expect(args[args.indexOf('--heap') + 1]).toMatch(/^\d+m$/);
  });
});
