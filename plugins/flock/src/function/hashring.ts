import { createHash } from 'node:crypto';

/**
 * A consistent-hash ring over the members of a function group (Flock uses the `hashring` crate
 * over member names the same way): each member owns `replicas` points on a 32-bit ring, and a
 * key belongs to the first point at or after its hash. Every fragment of a window hashes to the
 * same member, and resizing a group moves only about 1/N of the windows.
 */
export class HashRing {
  private readonly points: { h: number; member: string }[] = [];

  constructor(
    readonly members: readonly string[],
    replicas = 64,
  ) {
    if (members.length === 0) throw new Error('a hash ring needs at least one member');
    for (const m of members) for (let r = 0; r < replicas; r++) this.points.push({ h: hash32(`${m}#${r}`), member: m });
    this.points.sort((a, b) => a.h - b.h || (a.member < b.member ? -1 : 1));
  }

  get(key: string): string {
    const h = hash32(key);
    let lo = 0;
    let hi = this.points.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.points[mid]!.h < h) lo = mid + 1;
      else hi = mid;
    }
    return this.points[lo === this.points.length ? 0 : lo]!.member;
  }
}

export function hash32(s: string): number {
  return createHash('md5').update(s).digest().readUInt32BE(0);
}
