import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { canonicalRow, dueTimeOf, type OutputSpec, type Row } from '@streamscore/core';
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
 */
export class AnswerDigest {
  readonly bucketMs: number;
  /** Records observed. */
  rows = 0;
  private readonly buckets = new Map<number, ActualBucket>();
  private readonly keys: Map<string, KeyFinal> | undefined;
  private readonly dir: string;
  private readonly file: string;
  private fd: number | undefined;
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
    this.dir = mkdtempSync(join(tmpdir(), 'streamscore-answers-'));
    this.file = join(this.dir, 'rows.jsonl');
    this.fd = openSync(this.file, 'w');
  }

  get updating(): boolean {
    return this.keys !== undefined;
  }

  add(row: Row): void {
    const line = this.rows++;
    const due = dueTimeOf(row, this.spec);
    const text = canonicalRow(row, this.spec);
    hash64(text, this.h);
    if (this.keys !== undefined) {
      // The last record per key wins, `_op: 'delete'` removes it (core's finalState, kept as hashes).
      const key = this.spec.upsertKey!.map((c) => String(row[c])).join(SEP);
      if (row['_op'] === 'delete') this.keys.delete(key);
      else this.keys.set(key, { lo: this.h.lo, hi: this.h.hi, due, line });
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
    const json = JSON.stringify(row);
    this.pending.push(json);
    this.pendingChars += json.length + 1;
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
      this.readFrom(this.buckets.get(split)!.firstOffset, (row) => {
        const due = dueTimeOf(row, this.spec);
        if (bucketOf(due, B) !== split) return;
        if (due > cutoffMs!) late++;
        else d.add(canonicalRow(row, this.spec));
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
      const keys = this.keys;
      const spec = this.spec;
      let line = 0;
      this.readFrom(0, (row) => {
        const at = line++;
        if (row['_op'] === 'delete') return;
        const k = keys.get(spec.upsertKey!.map((c) => String(row[c])).join(SEP));
        if (k === undefined || k.line !== at || !inScope(k.due) || !buckets.has(bucketOf(k.due, this.bucketMs))) return;
        out.push(row);
      });
      return out;
    }
    let from = Number.POSITIVE_INFINITY;
    for (const b of buckets) {
      const bucket = this.buckets.get(b);
      if (bucket !== undefined) from = Math.min(from, bucket.firstOffset);
    }
    if (from === Number.POSITIVE_INFINITY) return out;
    this.readFrom(from, (row) => {
      const due = dueTimeOf(row, this.spec);
      if (inScope(due) && buckets.has(bucketOf(due, this.bucketMs))) out.push(row);
    });
    return out;
  }

  /** Removes the spool. The digests stay readable; records can no longer be read back. */
  dispose(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    rmSync(this.dir, { recursive: true, force: true });
  }

  private flush(): void {
    if (this.pending.length === 0 || this.fd === undefined) return;
    this.written += writeSync(this.fd, this.pending.join('\n') + '\n');
    this.pending = [];
    this.pendingChars = 0;
  }

  /** Calls `each` with every spooled record from this byte offset on. */
  private readFrom(offset: number, each: (row: Row) => void): void {
    if (this.fd === undefined) throw new Error('the answer spool was disposed: records can no longer be read back');
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
        for (const line of text.split('\n')) if (line.length > 0) each(JSON.parse(line) as Row);
      }
      if (carry.length > 0) each(JSON.parse(carry) as Row);
    } finally {
      closeSync(fd);
    }
  }
}
