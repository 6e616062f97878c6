/**
 * Order-independent digests of multisets of records, so that a run's answer can be checked
 * without keeping it: each record's canonical text is hashed to 64 bits and the hashes are
 * summed modulo 2^64 along with a count. Two multisets with equal digests are equal except with
 * probability about 2^-64 per differing bucket; any difference in count is certain.
 */

const TWO_32 = 0x1_0000_0000;

/**
 * 64 bits of hash of a string, as two unsigned 32-bit lanes (cyrb53's mixing, keeping all 64
 * bits). Cheap on V8 (Math.imul over UTF-16 code units), and well spread so that a sum of them
 * behaves as a sum of random values.
 */
export function hash64(text: string, out: { lo: number; hi: number }): void {
  let h1 = 0xdeadbeef ^ text.length;
  let h2 = 0x41c6ce57 ^ text.length;
  // Two UTF-16 units per step (the length is in the seed, so a trailing unit cannot be confused
  // with none): half the multiplies of one unit per step, on the collector's hot path.
  const pairs = text.length - 1;
  let i = 0;
  for (; i < pairs; i += 2) {
    const c = text.charCodeAt(i) | (text.charCodeAt(i + 1) << 16);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  if (i < text.length) {
    const c = text.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507) ^ Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507) ^ Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  out.lo = h1 >>> 0;
  out.hi = h2 >>> 0;
}

/** Count and 64-bit hash sum of a multiset of records. */
export class MultisetDigest {
  count = 0;
  lo = 0;
  hi = 0;

  /** Adds one record by its 64-bit hash. */
  addHash(lo: number, hi: number): void {
    this.count++;
    let l = this.lo + lo;
    let carry = 0;
    if (l >= TWO_32) {
      l -= TWO_32;
      carry = 1;
    }
    this.lo = l;
    this.hi = (this.hi + hi + carry) >>> 0;
  }

  add(text: string): void {
    hash64(text, scratch);
    this.addHash(scratch.lo, scratch.hi);
  }

  equals(other: MultisetDigest): boolean {
    return this.count === other.count && this.lo === other.lo && this.hi === other.hi;
  }
}

const scratch = { lo: 0, hi: 0 };

/**
 * The bucket a due time falls in: buckets of `bucketMs` aligned to the epoch. A record without a
 * readable due time goes to bucket NaN (a Map key like any other), so it is still compared.
 */
export function bucketOf(dueMs: number, bucketMs: number): number {
  return Math.floor(dueMs / bucketMs);
}
