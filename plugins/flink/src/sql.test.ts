import { describe, expect, it } from 'vitest';
import { clusterKnobs } from './backend.js';
import { fillWorkloadParams, jobArgs, placeholders } from './sql.js';

describe('Flink SQL parameters and job arguments', () => {
  it('fills workload parameters and leaves the stream placeholders to the job', () => {
    const sql = "CREATE TABLE t (a INT) WITH (${SINK_WITH}); INSERT INTO t SELECT a FROM bid WHERE price > ${minPrice} -- ${interval:w}";
    expect(placeholders(sql)).toEqual(['SINK_WITH', 'minPrice', 'interval:w']);
    expect(fillWorkloadParams(sql, { minPrice: 10, w: 2500 })).toBe(
      "CREATE TABLE t (a INT) WITH (${SINK_WITH}); INSERT INTO t SELECT a FROM bid WHERE price > 10 -- INTERVAL '2.5' SECOND",
    );
    expect(() => fillWorkloadParams(sql, {})).toThrow(/minPrice/);
  });

  it('gives the job dummy credentials and CBOR off for a local endpoint only', () => {
    const binding = { kind: 'kinesis' as const, region: 'us-east-1', inputStream: 'in', outputStream: 'out', framing: 'streamscore-ndjson-v1' };
    const local = jobArgs({ workloadId: 'nexmark/q0', sql: 'SELECT 1', binding: { ...binding, endpoint: 'http://127.0.0.1:4567' }, parallelism: 2, params: { windowSizeS: 10 } });
    const at = (args: string[], flag: string) => args[args.indexOf(flag) + 1];
    expect(at(local, '--endpoint')).toBe('http://127.0.0.1:4567');
    expect(at(local, '--cbor')).toBe('false');
    expect(at(local, '--access-key-id')).toBeTruthy();
    expect(at(local, '--params.windowSizeS')).toBe('10');
    expect(Buffer.from(at(local, '--sql-b64')!, 'base64').toString()).toBe('SELECT 1');
    const aws = jobArgs({ workloadId: 'nexmark/q0', sql: 'SELECT 1', binding, parallelism: 1, params: {} });
    expect(aws).not.toContain('--endpoint');
    expect(aws).not.toContain('--access-key-id');
  });

  it('validates the knobs and sizes slots to the parallelism', () => {
    expect(clusterKnobs({ parallelism: 4, taskmanagers: 2 })).toMatchObject({ parallelism: 4, taskManagers: 2, slotsPerTaskManager: 2, taskManagerMemoryMb: 1024 });
    expect(() => clusterKnobs({ parallelism: 4, taskmanagers: 1, slots: 2 })).toThrow(/needs 4 slots/);
    expect(() => clusterKnobs({ 'tm-memory-mb': 256 })).toThrow(/tm-memory-mb/);
  });
});
