/**
 * Counter-based randomness: every value is a pure function of (seed, stream, index), so event n
 * can be made anywhere, in any order, without generating the events before it.
 */

/** A 32-bit integer hash with good avalanche ("lowbias32", Chris Wellons' hash-prospector, public domain). */
export function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

const GOLDEN = 0x9e3779b9;

/** A 32-bit word for (seed, stream, index), index a safe integer ≥ 0. */
export function word(seed: number, stream: number, index: number): number {
  const lo = index >>> 0;
  const hi = Math.floor(index / 4294967296) >>> 0;
  return mix32(mix32(mix32(seed ^ Math.imul(stream + 1, GOLDEN)) ^ lo) ^ mix32(hi + GOLDEN));
}

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex32(w: number): string {
  return HEX[(w >>> 24) & 255]! + HEX[(w >>> 16) & 255]! + HEX[(w >>> 8) & 255]! + HEX[w & 255]!;
}

/** A version-4-shaped UUID drawn from (seed, stream, index): deterministic, not random. */
export function uuidFor(seed: number, stream: number, index: number): string {
  const a = word(seed, stream, index * 4);
  const b = word(seed, stream, index * 4 + 1);
  const c = word(seed, stream, index * 4 + 2);
  const d = word(seed, stream, index * 4 + 3);
  const bHex = hex32(((b & 0xffff0fff) | 0x00004000) >>> 0); // version 4
  const cHex = hex32(((c & 0x3fffffff) | 0x80000000) >>> 0); // variant 10xx
  const aHex = hex32(a);
  return `${aHex}-${bHex.slice(0, 4)}-${bHex.slice(4)}-${cHex.slice(0, 4)}-${cHex.slice(4)}${hex32(d)}`;
}
