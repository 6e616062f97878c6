import type { FragmentPayload } from './payload.js';

/**
 * The state a group member keeps in its warm environment (Flock's Arena): the fragments of each
 * window seen so far, keyed by window id, with the set of sequence numbers that arrived. A window
 * is ready once all `count` fragments are in; a fragment seen before (an async redelivery, a
 * retried sync call) is dropped, and so is any fragment of a window already processed.
 */
export type ArenaResult =
  | { status: 'partial'; have: number; count: number }
  | { status: 'duplicate'; have: number; count: number }
  | { status: 'late'; have: number; count: number }
  | { status: 'complete'; fragments: FragmentPayload[]; count: number };

interface Pending {
  count: number;
  fragments: Map<number, FragmentPayload>;
  firstAt: number;
}

export class Arena {
  private readonly pending = new Map<string, Pending>();
  /** Windows already run, oldest first (bounded: Flock's PROCESSED_WINDOWS grew without bound). */
  private readonly processed = new Set<string>();

  constructor(private readonly maxProcessed = 100_000) {}

  get pendingWindows(): number {
    return this.pending.size;
  }

  add(f: FragmentPayload): ArenaResult {
    const id = f.window.id;
    if (!(Number.isInteger(f.count) && f.count >= 1 && Number.isInteger(f.seq) && f.seq >= 0 && f.seq < f.count)) {
      throw new Error(`fragment ${f.seq}/${f.count} of window ${id} is malformed`);
    }
    if (this.processed.has(id)) return { status: 'late', have: f.count, count: f.count };
    let p = this.pending.get(id);
    if (!p) {
      p = { count: f.count, fragments: new Map(), firstAt: Date.now() };
      this.pending.set(id, p);
    }
    if (p.count !== f.count) throw new Error(`window ${id}: fragment says ${f.count} fragments, earlier ones said ${p.count}`);
    if (p.fragments.has(f.seq)) return { status: 'duplicate', have: p.fragments.size, count: p.count };
    p.fragments.set(f.seq, f);
    if (p.fragments.size < p.count) return { status: 'partial', have: p.fragments.size, count: p.count };
    this.pending.delete(id);
    this.processed.add(id);
    if (this.processed.size > this.maxProcessed) {
      const oldest = this.processed.values().next().value;
      if (oldest !== undefined) this.processed.delete(oldest);
    }
    const fragments = [...p.fragments.entries()].sort((a, b) => a[0] - b[0]).map((e) => e[1]);
    return { status: 'complete', fragments, count: p.count };
  }
}
