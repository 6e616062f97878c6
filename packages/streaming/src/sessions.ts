import { TimerQueue } from './timer-queue.js';

/** Called for each session that closes: its key, first element time, end (last element + gap) and element count. */
export type SessionSink = (key: number, start: number, end: number, count: number) => void;

interface Session {
  start: number;
  /** Exclusive: last element time + gap. */
  end: number;
  count: number;
  /** Time of this session's live entry in the timer queue. */
  timer: number;
}

/**
 * Event-time session windows per numeric key, counting elements, with Flink's semantics:
 * each element opens the window [t, t + gap); windows of one key that overlap *or touch*
 * (`TimeWindow.intersects`: a.start <= b.end && a.end >= b.start) merge, so two elements exactly
 * `gap` apart share a session. A session [start, end) closes when the watermark reaches end − 1.
 * An element whose (merged) session would already be closed is late and dropped, as Flink's
 * WindowOperator drops elements whose merged window is late.
 *
 * Timers are re-armed lazily: a session keeps one entry in the queue; when that entry comes due
 * and the session has since been extended, it is pushed again at its new end. Extending a
 * session therefore costs no queue operation.
 */
export class SessionWindows {
  private readonly byKey = new Map<number, Session[]>();
  private readonly timers = new TimerQueue(1024);
  private open = 0;

  constructor(readonly gapMs: number) {
    if (!(gapMs > 0)) throw new Error(`session gap must be positive (got ${gapMs})`);
  }

  /** Open sessions across all keys. */
  get openSessions(): number {
    return this.open;
  }

  /** Adds an element; returns false if it was dropped as late under `watermarkMs`. */
  add(key: number, ts: number, watermarkMs: number): boolean {
    const gap = this.gapMs;
    const wStart = ts;
    const wEnd = ts + gap;
    const list = this.byKey.get(key);
    if (list === undefined) {
      if (wEnd - 1 <= watermarkMs) return false;
      this.byKey.set(key, [this.newSession(key, wStart, wEnd)]);
      return true;
    }
    // Fast path: one open session that the element touches (in-order streams).
    if (list.length === 1) {
      const s = list[0]!;
      if (s.start <= wEnd && s.end >= wStart) {
        const end = s.end > wEnd ? s.end : wEnd;
        if (end - 1 <= watermarkMs) return false;
        if (wStart < s.start) s.start = wStart;
        s.end = end;
        s.count++;
        return true;
      }
    }
    // General path: sessions are sorted by start and pairwise apart, so those the new window
    // touches form one contiguous run [first, last].
    let first = -1;
    let last = -1;
    let insertAt = list.length;
    for (let i = 0; i < list.length; i++) {
      const s = list[i]!;
      if (s.start <= wEnd && s.end >= wStart) {
        if (first < 0) first = i;
        last = i;
      } else if (s.start > wEnd && insertAt === list.length) {
        insertAt = i;
      }
    }
    if (first < 0) {
      if (wEnd - 1 <= watermarkMs) return false;
      list.splice(insertAt, 0, this.newSession(key, wStart, wEnd));
      return true;
    }
    let start = wStart;
    let end = wEnd;
    let count = 1;
    let timer = Number.POSITIVE_INFINITY;
    for (let i = first; i <= last; i++) {
      const s = list[i]!;
      if (s.start < start) start = s.start;
      if (s.end > end) end = s.end;
      count += s.count;
      if (s.timer < timer) timer = s.timer;
    }
    if (end - 1 <= watermarkMs) return false;
    const merged = list[first]!;
    merged.start = start;
    merged.end = end;
    merged.count = count;
    merged.timer = timer;
    if (last > first) {
      list.splice(first + 1, last - first);
      this.open -= last - first;
    }
    return true;
  }

  /** Closes every session whose end − 1 ≤ watermark, in order of their timers. */
  advance(watermarkMs: number, sink: SessionSink): void {
    const q = this.timers;
    while (q.size > 0 && q.peekTime() <= watermarkMs) {
      const t = q.peekTime();
      const key = q.peekKey();
      q.pop();
      const list = this.byKey.get(key);
      if (list === undefined) continue;
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        if (s.end - 1 <= watermarkMs) {
          this.open--;
          sink(key, s.start, s.end, s.count);
        } else {
          if (s.timer === t) {
            s.timer = s.end - 1;
            q.push(s.timer, key);
          }
          list[kept++] = s;
        }
      }
      if (kept === 0) this.byKey.delete(key);
      else list.length = kept;
    }
  }

  /** Closes every open session (end of a bounded input), ordered by end then key. */
  flush(sink: SessionSink): void {
    const all: { key: number; s: Session }[] = [];
    for (const [key, list] of this.byKey) for (const s of list) all.push({ key, s });
    all.sort((a, b) => a.s.end - b.s.end || a.key - b.key);
    this.byKey.clear();
    this.timers.clear();
    this.open = 0;
    for (const { key, s } of all) sink(key, s.start, s.end, s.count);
  }

  private newSession(key: number, start: number, end: number): Session {
    const s: Session = { start, end, count: 1, timer: end - 1 };
    this.timers.push(s.timer, key);
    this.open++;
    return s;
  }
}
