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
  end: number;
  rows: EventRow[];
}

export class Windower {
  private readonly open = new Map<number, EventRow[]>();
  private readonly sessions = new Map<string, Session>();
  private readonly closedSessions: Session[] = [];
  private maxTs = Number.NEGATIVE_INFINITY;
  private sessionBatch = 0;
  lateEvents = 0;
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
    return this.open.size + this.sessions.size + this.closedSessions.length;
  }

  add(events: readonly EventRow[]): void {
    const s = this.spec;
    for (const e of events) {
      const ts = this.eventTime(e);
      if (ts > this.maxTs) this.maxTs = ts;
      if (s.kind === 'session') {
        this.addSession(e, ts, s.gapMs, s.key);
        continue;
      }
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

  private addSession(e: EventRow, ts: number, gap: number, keyCol: string): void {
    if (ts + gap - 1 <= this.watermark && ts + gap - 1 <= this.firedUpTo) {
      this.lateEvents++;
      return;
    }
    const key = String(e[keyCol]);
    const cur = this.sessions.get(key);
    if (cur && ts < cur.end && ts + gap > cur.start) {
      cur.start = Math.min(cur.start, ts);
      cur.end = Math.max(cur.end, ts + gap);
      cur.rows.push(e);
      return;
    }
    if (cur && ts >= cur.end) this.closedSessions.push(cur);
    this.sessions.set(key, { start: ts, end: ts + gap, rows: [e] });
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
    for (let i = this.closedSessions.length - 1; i >= 0; i--) {
      const s = this.closedSessions[i]!;
      if (s.end - 1 <= wm) {
        ready.push(s);
        this.closedSessions.splice(i, 1);
      }
    }
    for (const [k, s] of this.sessions) {
      if (s.end - 1 <= wm) {
        ready.push(s);
        this.sessions.delete(k);
      }
    }
    if (ready.length === 0) return [];
    // All sessions that close in one epoch travel as one batch; each row carries its session.
    const rows: EventRow[] = [];
    let lo = Infinity;
    let hi = -Infinity;
    for (const s of ready) {
      lo = Math.min(lo, s.start);
      hi = Math.max(hi, s.end);
      for (const r of s.rows) rows.push({ ...r, window_start: s.start, window_end: s.end });
    }
    this.firedUpTo = Math.max(this.firedUpTo, wm);
    return [{ ref: { id: `${this.idPrefix}s${this.sessionBatch++}`, start: lo, end: hi }, rows }];
  }
}
