/**
 * A min-heap of (time, key) timers, both plain numbers, stored in growable typed arrays so that
 * pushing and popping allocate nothing. Ties pop in no particular order.
 *
 *   while (q.size > 0 && q.peekTime() <= watermark) { const key = q.peekKey(); q.pop(); … }
 */
export class TimerQueue {
  private times: Float64Array;
  private keys: Float64Array;
  private n = 0;

  constructor(initialCapacity = 64) {
    const cap = Math.max(4, initialCapacity | 0);
    this.times = new Float64Array(cap);
    this.keys = new Float64Array(cap);
  }

  get size(): number {
    return this.n;
  }

  /** Time of the earliest timer; +Infinity when empty. */
  peekTime(): number {
    return this.n > 0 ? this.times[0]! : Number.POSITIVE_INFINITY;
  }

  /** Key of the earliest timer; NaN when empty. */
  peekKey(): number {
    return this.n > 0 ? this.keys[0]! : Number.NaN;
  }

  push(time: number, key: number): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const keys = this.keys;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const pt = times[parent]!;
      if (pt <= time) break;
      times[i] = pt;
      keys[i] = keys[parent]!;
      i = parent;
    }
    times[i] = time;
    keys[i] = key;
  }

  /** Removes the earliest timer (read it first with peekTime/peekKey). */
  pop(): void {
    if (this.n === 0) return;
    const times = this.times;
    const keys = this.keys;
    const last = --this.n;
    if (last === 0) return;
    const t = times[last]!;
    const k = keys[last]!;
    let i = 0;
    const half = last >> 1;
    while (i < half) {
      let child = 2 * i + 1;
      const right = child + 1;
      if (right < last && times[right]! < times[child]!) child = right;
      const ct = times[child]!;
      if (ct >= t) break;
      times[i] = ct;
      keys[i] = keys[child]!;
      i = child;
    }
    times[i] = t;
    keys[i] = k;
  }

  clear(): void {
    this.n = 0;
  }

  private grow(): void {
    const times = new Float64Array(this.times.length * 2);
    const keys = new Float64Array(this.keys.length * 2);
    times.set(this.times);
    keys.set(this.keys);
    this.times = times;
    this.keys = keys;
  }
}
