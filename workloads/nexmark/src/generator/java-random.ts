/**
 * java.util.Random, bit for bit: the 48-bit linear congruential generator of the JDK
 * (seed' = seed * 0x5DEECE66D + 0xB mod 2^48), with the JDK's derivations of ints, bounded ints,
 * longs, doubles and booleans from it.
 *
 * The 48-bit state lives in two 24-bit halves so every intermediate product stays below 2^53 and
 * plain double arithmetic is exact: no BigInt on any hot path (only nextLongBigInt uses it). The
 * halves are small integers, so V8 keeps them as Smis in the object. One step:
 *
 *   carry = floor((lo * MUL_LO + 0xB) / 2^24)                  (double; product < 2^48, exact)
 *   hi'   = (hi * MUL_LO + lo * MUL_HI + carry)  mod 2^24
 *   lo'   = (lo * MUL_LO + 0xB)                  mod 2^24
 *
 * Only residues mod 2^24 are kept, and 2^24 divides 2^32, so hi' and lo' can use Math.imul's
 * wrapped 32-bit products (and `& 0xFFFFFF`, exact on any double below 2^53 since ToInt32 is
 * modular). Only the carry needs the full product, and it depends on the previous lo alone, so the
 * step-to-step dependency chain is a few integer instructions: ~2.5 ns per step here, against
 * ~6 ns for the all-double version.
 */

const TWO_24 = 16777216; // 2^24
const INV_TWO_24 = 1 / TWO_24;
const TWO_48 = 281474976710656; // 2^48
/** 0x5DEECE66D split at bit 24. */
const MUL_HI = 0x5de;
const MUL_LO = 0xece66d;
const ADDEND = 0xb;
const MASK_24 = 0xffffff;
/** For tests: the constants strings.ts repeats. */
export const LCG_CONSTANTS = { MUL_HI, MUL_LO, ADDEND, MASK_24, INV_TWO_24 } as const;
/** 2^-53, the JDK's DOUBLE_UNIT. */
const DOUBLE_UNIT = 1 / 9007199254740992;
const TWO_27 = 134217728;
const INT_MAX = 2147483647;

export class JavaRandom {
  /**
   * Upper 24 bits of the 48-bit state. Public only so the bulk string drawers (strings.ts) can
   * run the LCG in locals; nothing else should touch it.
   * @internal
   */
  hi = 0;
  /** Lower 24 bits of the 48-bit state. @internal */
  lo = 0;

  /** Same as `new java.util.Random(seed)`. `seed` is a Java long given as a safe integer. */
  constructor(seed = 0) {
    this.setSeed(seed);
  }

  /**
   * Same as `Random.setSeed(long)`: state = (seed XOR 0x5DEECE66D) mod 2^48. Accepts any safe
   * integer (|seed| <= 2^53), negative ones as their two's-complement long.
   */
  setSeed(seed: number): void {
    let low48: number;
    if (seed >= 0 && seed < TWO_48) {
      low48 = seed;
    } else {
      if (!Number.isSafeInteger(seed) && Math.abs(seed) !== 9007199254740992) {
        throw new RangeError(`JavaRandom seed must be a safe integer, got ${seed}`);
      }
      low48 = seed % TWO_48;
      if (low48 < 0) low48 += TWO_48;
    }
    const hi = Math.floor(low48 * INV_TWO_24);
    this.hi = hi ^ MUL_HI;
    this.lo = (low48 - hi * TWO_24) ^ MUL_LO;
  }

  /** Same as `Random.setSeed` for a seed given as a BigInt (any long). */
  setSeedBigInt(seed: bigint): void {
    const low48 = Number(BigInt.asUintN(48, seed));
    this.setSeed(low48);
  }

  /** Advances the LCG once (the state update shared by every draw). */
  private step(): void {
    const lo = this.lo;
    const carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
    this.hi = (((Math.imul(this.hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
    this.lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
  }

  /** `Random.next(bits)` for 1 <= bits <= 32: the top `bits` bits of the new state, as an int. */
  next(bits: number): number {
    this.step();
    if (bits >= 24) {
      // (int)(seed >>> (48 - bits)): JS shifts wrap to int32 exactly like the Java cast.
      return (this.hi << (bits - 24)) | (this.lo >>> (48 - bits));
    }
    return this.hi >>> (24 - bits);
  }

  /** `Random.nextInt()`: a uniformly distributed int (signed 32-bit). */
  nextInt(): number {
    this.step();
    return (this.hi << 8) | (this.lo >>> 16);
  }

  /** `Random.nextInt(bound)`, JDK 17 algorithm: power-of-two shortcut, else rejection loop. */
  nextIntBound(bound: number): number {
    if (!(bound > 0 && bound <= INT_MAX) || Math.floor(bound) !== bound) {
      throw new RangeError(`bound must be a positive int, got ${bound}`);
    }
    this.step();
    let r = (this.hi << 7) | (this.lo >>> 17); // next(31)
    const m = bound - 1;
    if ((bound & m) === 0) {
      // (int)((bound * (long) r) >> 31) with bound = 2^k is r >>> (31 - k).
      return r >>> Math.clz32(bound);
    }
    // for (u = r; u - (r = u % bound) + m < 0; u = next(31)), with int overflow.
    let u = r;
    for (;;) {
      r = u % bound;
      if (((u - r + m) | 0) >= 0) return r;
      this.step();
      u = (this.hi << 7) | (this.lo >>> 17);
    }
  }

  /** `Random.nextDouble()`: ((next(26) << 27) + next(27)) * 2^-53. */
  nextDouble(): number {
    this.step();
    const a = (this.hi << 2) | (this.lo >>> 22);
    this.step();
    const b = (this.hi << 3) | (this.lo >>> 21);
    return (a * TWO_27 + b) * DOUBLE_UNIT;
  }

  /** `Random.nextBoolean()`. */
  nextBoolean(): boolean {
    this.step();
    return this.hi >>> 23 !== 0;
  }

  /**
   * `Random.nextLong()` as the two int halves it is built from: value = hi * 2^32 + lo (lo
   * signed), wrapped to 64 bits. Allocation-free; see nextLongBigInt for the value itself.
   */
  nextLongParts(out: { hi: number; lo: number }): void {
    out.hi = this.nextInt();
    out.lo = this.nextInt();
  }

  /** `Random.nextLong()` as a BigInt (signed 64-bit). Not for hot paths. */
  nextLongBigInt(): bigint {
    const hi = this.nextInt();
    const lo = this.nextInt();
    return BigInt.asIntN(64, (BigInt(hi) << 32n) + BigInt(lo));
  }
}
