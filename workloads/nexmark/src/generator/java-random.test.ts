import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JavaRandom } from './java-random.js';

/** Reference values printed by the JDK (tools/beam-parity/run.sh random). */
interface RandomPins {
  javaVersion: string;
  seeds: { seed: string; ops: (string | number | boolean)[][] }[];
  bulk: { seeds: number; bounds: number[]; sha256: string };
}
const pins = JSON.parse(readFileSync(new URL('./java-random-pins.json', import.meta.url), 'utf8')) as RandomPins;

function replay(r: JavaRandom, ops: (string | number | boolean)[][]): void {
  for (const [i, op] of ops.entries()) {
    const where = `op ${i} ${JSON.stringify(op)}`;
    switch (op[0]) {
      case 'nextInt':
        expect(r.nextInt(), where).toBe(op[1]);
        break;
      case 'nextIntBound':
        expect(r.nextIntBound(op[1] as number), where).toBe(op[2]);
        break;
      case 'nextLong':
        expect(r.nextLongBigInt().toString(), where).toBe(op[1]);
        break;
      case 'nextDouble53':
        expect(r.nextDouble() * 2 ** 53, where).toBe(op[1]);
        break;
      case 'nextBoolean':
        expect(r.nextBoolean(), where).toBe(op[1]);
        break;
      default:
        throw new Error(`unknown op ${String(op[0])}`);
    }
  }
}

describe('JavaRandom matches java.util.Random (JDK ' + pins.javaVersion + ')', () => {
  for (const { seed, ops } of pins.seeds) {
    it(`seed ${seed}: nextInt, nextInt(bound) (powers of two and rejection), nextLong, nextDouble, nextBoolean`, () => {
      const big = BigInt(seed);
      if (big >= -(2n ** 53n) && big <= 2n ** 53n) replay(new JavaRandom(Number(big)), ops);
      const r = new JavaRandom();
      r.setSeedBigInt(big);
      replay(r, ops);
    });
  }

  it(`bulk: ${pins.bulk.seeds} fresh seeds, awkward bounds and Beam's price formula`, () => {
    const hash = createHash('sha256');
    const r = new JavaRandom();
    let batch = '';
    for (let s = 0; s < pins.bulk.seeds; s++) {
      r.setSeed(s);
      for (const b of pins.bulk.bounds) batch += r.nextIntBound(b) + ',';
      batch += Math.round(Math.pow(10, r.nextDouble() * 6) * 100) + '\n';
      if (batch.length > 65536) {
        hash.update(batch);
        batch = '';
      }
    }
    hash.update(batch);
    expect(hash.digest('hex')).toBe(pins.bulk.sha256);
  });

  it('rejects bad bounds and unsafe seeds', () => {
    const r = new JavaRandom(1);
    expect(() => r.nextIntBound(0)).toThrow(RangeError);
    expect(() => r.nextIntBound(-5)).toThrow(RangeError);
    expect(() => r.nextIntBound(2 ** 31)).toThrow(RangeError);
    expect(() => r.setSeed(2 ** 60)).toThrow(RangeError);
  });

  it('a reused instance re-seeded equals a fresh one', () => {
    const a = new JavaRandom(7);
    a.nextInt();
    a.setSeed(123);
    const b = new JavaRandom(123);
    for (let i = 0; i < 50; i++) expect(a.nextIntBound(1000)).toBe(b.nextIntBound(1000));
  });
});
