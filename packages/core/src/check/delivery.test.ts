import { describe, expect, it } from 'vitest';
import { compareOutputs } from './compare.js';
import type { OutputSpec, Row } from '../contracts/rows.js';

const spec: OutputSpec = {
  columns: [
    { name: 'k', type: 'bigint' },
    { name: 'ts', type: 'timestamp' },
  ],
  dueTimeColumn: 'ts',
};
const rows = (...ks: number[]): Row[] => ks.map((k) => ({ k, ts: 1000 + k }));

describe('the delivery a verdict names', () => {
  it('exactly-once: every expected record once', () => {
    const v = compareOutputs(rows(1, 2, 3), rows(3, 1, 2), spec);
    expect([v.status, v.delivery, v.duplicated]).toEqual(['pass', 'exactly-once', 0]);
  });

  it('at-least-once: records 2 and 3 delivered twice, nothing lost', () => {
    const v = compareOutputs(rows(1, 2, 3), rows(1, 2, 2, 3, 3), spec);
    expect([v.status, v.missing, v.unexpected, v.duplicated, v.delivery]).toEqual(['fail', 0, 2, 2, 'at-least-once']);
  });

  it('lossy: record 2 never arrived (a repeat of 3 does not hide it)', () => {
    const v = compareOutputs(rows(1, 2, 3), rows(1, 3, 3), spec);
    expect([v.missing, v.duplicated, v.delivery]).toEqual([1, 1, 'lossy']);
  });

  it('a wrong record is not a delivery fault: no delivery is named', () => {
    const v = compareOutputs(rows(1, 2), rows(1, 7), spec);
    expect([v.missing, v.unexpected, v.duplicated, v.delivery]).toEqual([1, 1, 0, undefined]);
  });

  it('a final-state check names only lossy (repeats of an upsert are invisible)', () => {
    const up = { ...spec, upsertKey: ['k'] };
    expect(compareOutputs(rows(1, 2), rows(1, 2, 2), up).delivery).toBeUndefined();
    expect(compareOutputs(rows(1, 2), rows(1), up).delivery).toBe('lossy');
  });
});
