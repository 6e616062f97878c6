import type { EventRow, WindowRef } from '../function/payload.js';
import type { WindowSpec } from '../query.js';

/**
 * Windows formed at the source, as Flock does: events are assigned to tumbling, hopping (every
 * event re-sent to each window it falls in) or per-key session windows as they are read; a
 * window is sent once the watermark (largest event time seen − the workload's watermark delay)
 * has passed its last millisecond. Windows are half-open [start, end), aligned to the epoch.
 * Events older than the watermark whose windows have already been sent are late and dropped, as
 * Flink drops them.
 */
export interface ClosedWindow {
  ref: WindowRef;
  rows: EventRow[];
}

function windowStart(ts: number, size: number): number {
  const r = ts % size;
  return r >= 0 ? ts - r : ts - r - size;
}

interface Session {
  start: number;
  /** Exclusive: last event time + gap. */
  end: number;
  rows: EventRow[];
}

export class Windower {
  private readonly open = new Map<number, EventRow[]>();
  /** Open sessions per key, sorted by start and pairwise apart (Flink's merging rules). */
  private readonly sessions = new Map<string, Session[]>();
  private openSessions = 0;
  private maxTs = Number.NEGATIVE_INFINITY;
  private sessionBatch = 0;
  lateEvents = 0;
  /** Events without the session key column (they belong to no session, e.g. NEXMark persons for q11). */
  keylessEvents = 0;
  firedUpTo = Number.NEGATIVE_INFINITY;

  constructor(
    readonly spec: WindowSpec,
    private readonly watermarkDelayMs: number,
    private readonly eventTime: (e: EventRow) => number,
    private readonly idPrefix = 'w',
  ) {}

  get watermark(): number {
    return this.maxTs - this.watermarkDelayMs;
  }

  get openWindows(): number {
    return this.open.size + this.openSessions;
  }

  /**
   * Moves event time on by events the query does not read (another table's rows, rows without
   * the session key): the watermark is the stream's, as a Flink source assigns it before any
   * filter. Otherwise a window could wait for a row of its own tables after the last event, and
   * the stream's last window never closes although its watermark has passed.
   */
  observe(events: readonly EventRow[]): void {
    for (const e of events) {
      const ts = this.eventTime(e);
      if (ts > this.maxTs) this.maxTs = ts;
    }
  }

  add(events: readonly EventRow[]): void {
    const s = this.spec;
    for (const e of events) {
      const ts = this.eventTime(e);
      if (s.kind === 'session') {
        const k = e[s.key];
        if (k === undefined || k === null) {
          this.keylessEvents++;
          continue;
        }
        if (ts > this.maxTs) this.maxTs = ts;
        this.addSession(e, String(k), ts, s.gapMs);
        continue;
      }
      if (ts > this.maxTs) this.maxTs = ts;
      const size = s.sizeMs;
      const slide = s.kind === 'hopping' ? s.slideMs : s.sizeMs;
      for (let st = windowStart(ts, slide); st > ts - size; st -= slide) {
        if (st + size - 1 <= this.firedUpTo) {
          this.lateEvents++;
          continue;
        }
        let l = this.open.get(st);
        if (!l) this.open.set(st, (l = []));
        l.push(e);
      }
    }
  }

  /**
   * Flink's session semantics (as core's SessionWindows): the event opens [ts, ts + gap); sessions
   * of the key that overlap or touch it merge (two events exactly `gap` apart share a session); an
   * event whose merged session would already be closed under the current watermark is late.
   */
  private addSession(e: EventRow, key: string, ts: number, gap: number): void {
    const wm = this.watermark;
    let list = this.sessions.get(key);
    if (!list) this.sessions.set(key, (list = []));
    let first = -1;
    let last = -1;
    let insertAt = list.length;
    for (let i = 0; i < list.length; i++) {
      const x = list[i]!;
      if (x.start <= ts + gap && x.end >= ts) {
        if (first < 0) first = i;
        last = i;
      } else if (x.start > ts + gap && insertAt === list.length) insertAt = i;
    }
    if (first < 0) {
      if (ts + gap - 1 <= wm) {
        this.lateEvents++;
        if (list.length === 0) this.sessions.delete(key);
        return;
      }
      list.splice(insertAt, 0, { start: ts, end: ts + gap, rows: [e] });
      this.openSessions++;
      return;
    }
    let start = ts;
    let end = ts + gap;
    for (let i = first; i <= last; i++) {
      start = Math.min(start, list[i]!.start);
      end = Math.max(end, list[i]!.end);
    }
    if (end - 1 <= wm) {
      this.lateEvents++;
      return;
    }
    const merged = list[first]!;
    for (let i = first + 1; i <= last; i++) for (const r of list[i]!.rows) merged.rows.push(r);
    merged.rows.push(e);
    merged.start = start;
    merged.end = end;
    if (last > first) {
      list.splice(first + 1, last - first);
      this.openSessions -= last - first;
    }
  }

  /** Windows whose end the watermark has passed, oldest first. */
  advance(): ClosedWindow[] {
    const wm = this.watermark;
    if (this.spec.kind === 'session') return this.advanceSessions(wm);
    const size = this.spec.sizeMs;
    const out: ClosedWindow[] = [];
    const starts = [...this.open.keys()].filter((st) => st + size - 1 <= wm).sort((a, b) => a - b);
    for (const st of starts) {
      out.push({ ref: { id: `${this.idPrefix}${st}`, start: st, end: st + size }, rows: this.open.get(st)! });
      this.open.delete(st);
      this.firedUpTo = Math.max(this.firedUpTo, st + size - 1);
    }
    return out;
  }

  private advanceSessions(wm: number): ClosedWindow[] {
    const ready: Session[] = [];
    for (const [k, list] of this.sessions) {
      let kept = 0;
      for (const x of list) {
        if (x.end - 1 <= wm) ready.push(x);
        else list[kept++] = x;
      }
      this.openSessions -= list.length - kept;
      if (kept === 0) this.sessions.delete(k);
      else list.length = kept;
    }
    if (ready.length === 0) return [];
    // All sessions that close in one epoch travel as one batch; each row carries its session.
    const rows: EventRow[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const x of ready) {
      lo = Math.min(lo, x.start);
      hi = Math.max(hi, x.end);
      for (const r of x.rows) rows.push({ ...r, window_start: x.start, window_end: x.end });
    }
    this.firedUpTo = Math.max(this.firedUpTo, wm);
    return [{ ref: { id: `${this.idPrefix}s${this.sessionBatch++}`, start: lo, end: hi }, rows }];
  }
}
