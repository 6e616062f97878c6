import { describe, expect, it } from 'vitest';
import { upgradeResultJson } from './upgrade.js';

describe('reading a version-1 Result', () => {
  it("reads the verdict 'skipped' (not checked) as 'unchecked', in the verdict and in find-max trials", () => {
    const v1 = {
      schemaVersion: 1,
      runId: 'r',
      verdict: { status: 'skipped', notes: ['too many events'] },
      findMax: { sustainedRate: 5, trials: [{ rate: 5, verdict: 'skipped' }, { rate: 10, verdict: 'fail' }] },
    };
    expect(upgradeResultJson(v1)).toEqual({
      schemaVersion: 2,
      runId: 'r',
      verdict: { status: 'unchecked', notes: ['too many events'] },
      findMax: { sustainedRate: 5, trials: [{ rate: 5, verdict: 'unchecked' }, { rate: 10, verdict: 'fail' }] },
    });
  });

  it('keeps pass and fail, and leaves a current or foreign document alone', () => {
    expect(upgradeResultJson({ schemaVersion: 1, verdict: { status: 'pass' } })).toEqual({ schemaVersion: 2, verdict: { status: 'pass' } });
    const v2 = { schemaVersion: 2, verdict: { status: 'vacuous' } };
    expect(upgradeResultJson(v2)).toBe(v2);
    expect(upgradeResultJson('x')).toBe('x');
  });
});
