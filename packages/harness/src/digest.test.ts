import { describe, expect, it } from 'vitest';
import type { OutputSpec, Row } from '@streamscore/core';
import { AnswerDigest } from './answer-digest.js';
import { MultisetDigest, hash64 } from './digest.js';

function digestOf(texts: string[]): MultisetDigest {
  const d = new MultisetDigest();
  for (const t of texts) d.add(t);
  return d;
}

describe('multiset digest', () => {
  const texts = Array.from({ length: 1000 }, (_, i) => `row ${i}\u0001${i * 7}`);

  it('is the same in any order', () => {
    const shuffled = [...texts].sort((a, b) => hash(a) - hash(b));
    expect(shuffled).not.toEqual(texts);
    expect(digestOf(shuffled).equals(digestOf(texts))).toBe(true);
    expect(digestOf([...texts].reverse())).toEqual(digestOf(texts));
  });

  it('tells a changed, a dropped and a repeated record apart from the original', () => {
    const base = digestOf(texts);
    const changed = [...texts];
    changed[500] = 'row 500\u00013501';
    expect(digestOf(changed).equals(base)).toBe(false);
    expect(digestOf(changed).count).toBe(base.count);
    expect(digestOf(texts.slice(1)).equals(base)).toBe(false);
    expect(digestOf([...texts, texts[3]!]).count).toBe(1001);
    // Two records swapping a value between them is a different multiset.
    expect(digestOf(['a\u00011', 'b\u00012']).equals(digestOf(['a\u00012', 'b\u00011']))).toBe(false);
  });

  it('sums modulo 2^64: the low lane carries into the high lane', () => {
    const d = new MultisetDigest();
    d.addHash(0xffff_ffff, 0);
    d.addHash(2, 0xffff_ffff);
    // 0xffffffff + (0xffffffff_00000002) = 0x1_00000000_00000001 → mod 2^64: hi 0, lo 1.
    expect([d.count, d.hi, d.lo]).toEqual([2, 0, 1]);
  });

  it('hashes to 64 well-mixed bits (no collision among 200,000 short keys)', () => {
    const seen = new Set<string>();
    const h = { lo: 0, hi: 0 };
    for (let i = 0; i < 200_000; i++) {
      hash64(String(i), h);
      seen.add(`${h.hi}:${h.lo}`);
    }
    expect(seen.size).toBe(200_000);
  });
});

describe('answer digest', () => {
  const spec: OutputSpec = { columns: [{ name: 'k', type: 'bigint' }, { name: 'ts', type: 'timestamp' }], dueTimeColumn: 'ts' };
  const rows: Row[] = Array.from({ length: 5000 }, (_, i) => ({ k: i, ts: 1_000_000 + i }));

  it('splits the bucket the cut-off falls in, record by record', () => {
    const d = new AnswerDigest(spec);
    try {
      for (const r of rows) d.add(r);
      // Due times 1,000,000 … 1,004,999 in 1 s buckets; a cut-off at 1,002,499 keeps 2,500 records.
      const { digests, late } = d.inScope(1_002_499);
      expect(late).toBe(2500);
      expect([...digests.values()].reduce((n, x) => n + x.count, 0)).toBe(2500);
      expect(digests.get(1002)!.equals(digestOf(rows.slice(2000, 2500).map((r) => `${r['k']}\u0001${r['ts']}`)))).toBe(true);
    } finally {
      d.dispose();
    }
  });

  it('reads back the records of chosen buckets from its spool', () => {
    const d = new AnswerDigest(spec);
    try {
      for (const r of [...rows].reverse()) d.add(r);
      const back = d.rowsIn(new Set([1003]), undefined);
      expect(back.map((r) => r['k']).sort((a, b) => Number(a) - Number(b))).toEqual(rows.slice(3000, 4000).map((r) => r['k']));
    } finally {
      d.dispose();
    }
  });

  it('keeps only the final record of each key for an updating answer', () => {
    const up: OutputSpec = { ...spec, upsertKey: ['k'] };
    const d = new AnswerDigest(up);
    try {
      d.add({ k: 1, ts: 1_000_100 });
      d.add({ k: 1, ts: 1_001_100 }); // replaces the first
      d.add({ k: 2, ts: 1_000_200 });
      d.add({ k: 2, ts: 1_000_300, _op: 'delete' });
      const { digests } = d.inScope(undefined);
      expect([...digests.keys()]).toEqual([1001]);
      expect(d.rowsIn(new Set([1000, 1001]), undefined)).toEqual([{ k: 1, ts: 1_001_100 }]);
    } finally {
      d.dispose();
    }
  });
});

function hash(s: string): number {
  const h = { lo: 0, hi: 0 };
  hash64(s, h);
  return h.lo;
}
