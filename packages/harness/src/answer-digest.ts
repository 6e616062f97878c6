import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalRow, dueTimeOf, type OutputSpec, type Row, type Scalar } from '@streamscore/core';
import { MultisetDigest, bucketOf, hash64 } from './digest.js';

/** Due-time buckets of one second: few enough to hold for any run, fine enough to localise a fault. */
export const DEFAULT_BUCKET_MS = 1_000;

const SEP = '\u0001';
const FLUSH_CHARS = 1 << 20;

interface ActualBucket {
  digest: MultisetDigest;
  /** Byte offset in the spool of the first row that fell in this bucket: its rows are all at or after it. */
  firstOffset: number;
}

/** The last record of a key (updating queries): its hash, due time and line in the spool. */
interface KeyFinal {
  lo: number;
  hi: number;
  due: number;
  line: number;
}

/**
 * What a run answered, kept in bounded memory: per due-time bucket a multiset digest of the
 * canonical records (for updating queries, of each key's final record, so the keys are kept),
 * and every record spooled to a temporary file so that a failing verdict can still show the
 * records that differ. The collector calls `add` for every record it observes.
 *
 * The spool holds each record's canonical text (already computed for the hash; JSON would
 * double the collector's cost), so records read back are the canonical form of what arrived:
 * declared columns only, timestamps as epoch ms, decimals at the compared scale.
 */
export class AnswerDigest {
  readonly bucketMs: number;
  /** Records observed. */
  rows = 0;
  private readonly buckets = new Map<number, ActualBucket>();
  private readonly keys: Map<string, KeyFinal> | undefined;
  /** The spool, created with the first record written (a run that answers nothing leaves no file). */
  private dir: string | undefined;
  private file = '';
  private fd: number | undefined;
  private disposed = false;
  private pending: string[] = [];
  private pendingChars = 0;
  private written = 0;
  private readonly h = { lo: 0, hi: 0 };

  constructor(
    readonly spec: OutputSpec,
    options: { bucketMs?: number } = {},
  ) {
    this.bucketMs = options.bucketMs ?? DEFAULT_BUCKET_MS;
    this.keys = spec.upsertKey?.length ? new Map() : undefined;
  }

  get updating(): boolean {
    return this.keys !== undefined;
  }

  add(row: Row): void {
    const at = this.rows++;
    const due = dueTimeOf(row, this.spec);
    const text = canonicalRow(row, this.spec);
    hash64(text, this.h);
    if (this.keys !== undefined) {
      // The last record per key wins, `_op: 'delete'` removes it (core's finalState, kept as hashes).
      const key = this.spec.upsertKey!.map((c) => String(row[c])).join(SEP);
      if (row['_op'] === 'delete') this.keys.delete(key);
      else this.keys.set(key, { lo: this.h.lo, hi: this.h.hi, due, line: at });
    } else {
      const b = bucketOf(due, this.bucketMs);
      let bucket = this.buckets.get(b);
      if (bucket === undefined) {
        this.flush();
        bucket = { digest: new MultisetDigest(), firstOffset: this.written };
        this.buckets.set(b, bucket);
      }
      bucket.digest.addHash(this.h.lo, this.h.hi);
    }
    const line = text.includes('\n') || text.includes('\\') ? text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') : text;
    this.pending.push(line);
    this.pendingChars += line.length + 1;
    if (this.pendingChars >= FLUSH_CHARS) this.flush();
  }

  /**
   * The digests of the records in scope (due at or before the cut-off; all without one), per
   * bucket, and how many records fell due after it. The one bucket the cut-off splits is
   * re-read from the spool.
   */
  inScope(cutoffMs: number | undefined): { digests: Map<number, MultisetDigest>; late: number } {
    this.flush();
    const digests = new Map<number, MultisetDigest>();
    let late = 0;
    const B = this.bucketMs;
    if (this.keys !== undefined) {
      for (const k of this.keys.values()) {
        if (cutoffMs !== undefined && k.due > cutoffMs) {
          late++;
          continue;
        }
        const b = bucketOf(k.due, B);
        let d = digests.get(b);
        if (d === undefined) digests.set(b, (d = new MultisetDigest()));
        d.addHash(k.lo, k.hi);
      }
      return { digests, late };
    }
    let split: number | undefined;
    for (const [b, bucket] of this.buckets) {
      if (cutoffMs === undefined || Number.isNaN(b) || (b + 1) * B <= cutoffMs) digests.set(b, bucket.digest);
      else if (b * B > cutoffMs) late += bucket.digest.count;
      else split = b;
    }
    if (split !== undefined) {
      const d = new MultisetDigest();
      this.readFrom(this.buckets.get(split)!.firstOffset, (text) => {
        const due = dueTimeOf(this.rowOf(text), this.spec);
        if (bucketOf(due, B) !== split) return;
        if (due > cutoffMs!) late++;
        else d.add(text);
      });
      if (d.count > 0) digests.set(split, d);
    }
    return { digests, late };
  }

  /** The records in scope that fall in these buckets (for updating queries, each key's final record), read back from the spool. */
  rowsIn(buckets: ReadonlySet<number>, cutoffMs: number | undefined): Row[] {
    this.flush();
    const out: Row[] = [];
    const inScope = (due: number) => cutoffMs === undefined || !(due > cutoffMs);
    if (this.keys !== undefined) {
      const lines = new Set<number>();
      for (const k of this.keys.values()) if (inScope(k.due) && buckets.has(bucketOf(k.due, this.bucketMs))) lines.add(k.line);
      let at = 0;
      this.readFrom(0, (text) => {
        if (lines.has(at++)) out.push(this.rowOf(text));
      });
      return out;
    }
    let from = Number.POSITIVE_INFINITY;
    for (const b of buckets) {
      const bucket = this.buckets.get(b);
      if (bucket !== undefined) from = Math.min(from, bucket.firstOffset);
    }
    if (from === Number.POSITIVE_INFINITY) return out;
    this.readFrom(from, (text) => {
      const row = this.rowOf(text);
      const due = dueTimeOf(row, this.spec);
      if (inScope(due) && buckets.has(bucketOf(due, this.bucketMs))) out.push(row);
    });
    return out;
  }

  /** Removes the spool. The digests stay readable; records can no longer be read back. */
  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.disposed = true;
    this.pending = [];
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.pending.length === 0 || this.disposed) return;
    if (this.fd === undefined) {
      this.dir = mkdtempSync(join(tmpdir(), 'streamscore-answers-'));
      this.file = join(this.dir, 'rows.jsonl');
      this.fd = openSync(this.file, 'w');
    }
    this.written += writeSync(this.fd, this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingChars = 0;
  }

  /** A record back from its canonical text: each declared column by its type ('∅' is null). */
  private rowOf(text: string): Row {
    const parts = text.split(SEP);
    const row: Row = {};
    this.spec.columns.forEach((c, i) => {
      const s = parts[i] ?? '∅';
      let v: Scalar;
      if (s === '∅') v = null;
      else if (c.type === 'string') v = s;
      else if (c.type === 'boolean') v = s === 'true';
      else v = Number(s);
      row[c.name] = v;
    });
    return row;
  }

  /** Calls `each` with the canonical text of every spooled record from this byte offset on. */
  private readFrom(offset: number, each: (text: string) => void): void {
    if (this.disposed) throw new Error('the answer spool was disposed: records can no longer be read back');
    if (this.fd === undefined) return;
    const fd = openSync(this.file, 'r');
    try {
      const buf = Buffer.allocUnsafe(1 << 22);
      let pos = offset;
      let carry = '';
      for (;;) {
        const n = readSync(fd, buf, 0, buf.length, pos);
        if (n === 0) break;
        pos += n;
        // Cut at the last newline so a multi-byte character is never split.
        const last = buf.lastIndexOf(10, n - 1);
        if (last < 0) {
          carry += buf.toString('utf8', 0, n);
          continue;
        }
        const text = carry + buf.toString('utf8', 0, last);
        pos -= n - last - 1;
        carry = '';
        for (const line of text.split('\n')) each(unescape(line));
      }
      if (carry.length > 0) each(unescape(carry));
    } finally {
      closeSync(fd);
    }
  }
}

/** A spool line back to the canonical text (newlines and backslashes were escaped). */
function unescape(line: string): string {
  return line.includes('\\') ? line.replace(/\\(\\|n)/g, (_, c: string) => (c === 'n' ? '\n' : '\\')) : line;
}
