import type { JavaRandom } from './java-random.js';

/*
 * java.util.Random's LCG constants, as in java-random.ts (see the step there), repeated here on
 * purpose: the string loops run the LCG in locals, and module-local literals stay constants under
 * every loader (some transpilers turn imported bindings into getter calls on the hot path).
 */
const MUL_HI = 0x5de;
const MUL_LO = 0xece66d;
const ADDEND = 0xb;
const MASK_24 = 0xffffff;
const INV_TWO_24 = 1 / 16777216;

/**
 * Beam's NEXMark string fields (StringsGenerator), drawn from a JavaRandom in Beam's order.
 *
 * Strings are written as Latin-1 bytes into one reused Buffer and turned into a flat JS string
 * with a single latin1Slice call: measured faster than String.fromCharCode.apply, TextDecoder,
 * or concatenation (which leaves ropes to flatten later).
 */

type Latin1Buffer = Buffer & { latin1Slice?(start: number, end: number): string };

/** Buffer bytes [start, end) as a flat Latin-1 string (Node's fast binding when present). */
const latin1: (buf: Buffer, start: number, end: number) => string =
  typeof (Buffer.prototype as Latin1Buffer).latin1Slice === 'function'
    ? (buf, start, end) => (buf as Latin1Buffer).latin1Slice!(start, end)
    : (buf, start, end) => buf.toString('latin1', start, end);

const MIN_STRING_LENGTH = 3;
const SPACE = 32;
const LOWER_A = 97;

/**
 * Two characters of nextExactString at once: for m = r % 676 (Java remainder, so -675..675),
 * PAIRS[m + 675] holds the bytes 'a' + m % 26 and 'a' + trunc(m / 26) % 26 packed in memory order,
 * ready for one Uint16Array store. Valid because 676 = 26 * 26: the two characters a draw r yields
 * next depend only on r % 676, and trunc(trunc(r / 26) / 26) = trunc(r / 676).
 */
const PAIRS = buildPairs();

function buildPairs(): Uint16Array {
  const littleEndian = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
  const pairs = new Uint16Array(2 * 675 + 1);
  for (let m = -675; m <= 675; m++) {
    const c0 = LOWER_A + (m % 26);
    const c1 = LOWER_A + (((m / 26) | 0) % 26);
    pairs[m + 675] = littleEndian ? c0 | (c1 << 8) : (c0 << 8) | c1;
  }
  return pairs;
}

export class StringDrawer {
  private buf!: Buffer;
  /** The same memory as buf, as 16-bit units (buf is allocated 2-byte aligned). */
  private buf16!: Uint16Array;

  constructor(initialSize = 4096) {
    this.alloc(initialSize);
  }

  private alloc(size: number): void {
    const bytes = (size + 1) & ~1;
    const ab = new ArrayBuffer(bytes);
    this.buf = Buffer.from(ab, 0, bytes);
    this.buf16 = new Uint16Array(ab, 0, bytes >> 1);
  }

  private ensure(size: number): Buffer {
    if (this.buf.length < size) this.alloc(Math.max(size, this.buf.length * 2));
    return this.buf;
  }

  /**
   * Beam's nextString(random, maxLength): 3 + nextInt(maxLength - 3) characters, each a space with
   * probability 1/13 (one nextInt(13) draw) or else 'a' + nextInt(26); then trimmed.
   * `special` replaces the space (nexmark-flink's URL parts use '_').
   *
   * The per-character draws run the JavaRandom LCG in locals (same arithmetic as JavaRandom.step
   * and nextInt(bound), rejection loop included) to keep the state out of memory.
   */
  nextString(rnd: JavaRandom, maxLength: number, special = SPACE): string {
    const len = MIN_STRING_LENGTH + rnd.nextIntBound(maxLength - MIN_STRING_LENGTH);
    const buf = this.ensure(len);
    let hi = rnd.hi;
    let lo = rnd.lo;
    let carry = 0;
    for (let i = 0; i < len; i++) {
      // nextInt(13): next(31) % 13, redrawn while u - r + 12 overflows an int.
      carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
      hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
      lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
      let u = (hi << 7) | (lo >>> 17);
      let r = u % 13;
      while (((u - r + 12) | 0) < 0) {
        carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
        hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
        lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
        u = (hi << 7) | (lo >>> 17);
        r = u % 13;
      }
      if (r === 0) {
        buf[i] = special;
        continue;
      }
      // nextInt(26), same scheme.
      carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
      hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
      lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
      u = (hi << 7) | (lo >>> 17);
      r = u % 26;
      while (((u - r + 25) | 0) < 0) {
        carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
        hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
        lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
        u = (hi << 7) | (lo >>> 17);
        r = u % 26;
      }
      buf[i] = LOWER_A + r;
    }
    rnd.hi = hi;
    rnd.lo = lo;
    // String.trim() in Java strips chars <= ' '; only spaces can occur here.
    let start = 0;
    let end = len;
    while (start < end && buf[start]! <= SPACE) start++;
    while (end > start && buf[end - 1]! <= SPACE) end--;
    return latin1(buf, start, end);
  }

  /**
   * Beam's nextExactString(random, length): one nextInt() per 6 characters, character
   * 'a' + rnd % 26 then rnd /= 26 with Java's signed int remainder and truncating division (so a
   * negative draw gives characters from 'H' to '`'). LCG in locals, as in nextString.
   */
  nextExactString(rnd: JavaRandom, length: number): string {
    const buf = this.ensure(length);
    const buf16 = this.buf16;
    let hi = rnd.hi;
    let lo = rnd.lo;
    let carry = 0;
    let i = 0; // in 16-bit units: characters 2i, 2i+1
    const wholePairs = ((length - (length % 6)) / 2) | 0;
    while (i < wholePairs) {
      carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
      hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
      lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
      const r = (hi << 8) | (lo >>> 16);
      const r2 = (r / 676) | 0;
      buf16[i] = PAIRS[(r % 676) + 675]!;
      buf16[i + 1] = PAIRS[(r2 % 676) + 675]!;
      buf16[i + 2] = PAIRS[(((r2 / 676) | 0) % 676) + 675]!;
      i += 3;
    }
    let c = i * 2;
    if (c < length) {
      carry = ((lo * MUL_LO + ADDEND) * INV_TWO_24) | 0;
      hi = (((Math.imul(hi, MUL_LO) + Math.imul(lo, MUL_HI)) | 0) + carry) & MASK_24;
      lo = (Math.imul(lo, MUL_LO) + ADDEND) & MASK_24;
      let r = (hi << 8) | (lo >>> 16);
      while (c < length) {
        buf[c++] = LOWER_A + (r % 26);
        r = (r / 26) | 0;
      }
    }
    rnd.hi = hi;
    rnd.lo = lo;
    return latin1(buf, 0, length);
  }

  /**
   * Beam's nextExtra(random, currentSize, desiredAverageSize): "" (no draw) when already larger;
   * else d = avg - current, delta = round(d * 0.2), length = d - delta + nextInt(2 * delta)
   * (no draw when delta is 0), filled by nextExactString.
   */
  nextExtra(rnd: JavaRandom, currentSize: number, desiredAverageSize: number): string {
    if (currentSize > desiredAverageSize) return '';
    const d = desiredAverageSize - currentSize;
    const delta = Math.round(d * 0.2);
    const size = d - delta + (delta === 0 ? 0 : rnd.nextIntBound(2 * delta));
    return this.nextExactString(rnd, size);
  }
}

/** Java's String.format("%04d", n) for 0 <= n < 10000. */
export function pad4(n: number): string {
  return n < 10 ? '000' + n : n < 100 ? '00' + n : n < 1000 ? '0' + n : '' + n;
}
