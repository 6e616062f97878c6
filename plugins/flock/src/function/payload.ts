import { gunzipSync, gzipSync } from 'node:zlib';
import { Bool, Float64, Table, Utf8, tableFromIPC, tableToIPC, vectorFromArray, type Vector } from 'apache-arrow';

/**
 * Payload exchange: the batches that travel from function to function inside Invoke payloads,
 * as Flock does (no external storage). A batch is one table per event type, each an Arrow IPC
 * stream, gzip-compressed, base64 in a JSON envelope. A window's batch larger than one payload
 * is split into fragments that each fit; every fragment carries its window id, its sequence
 * number and the fragment count, so the receiver can tell when a window is whole and drop
 * fragments it has already seen.
 */

export type ColumnType = 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';
/** Column name → type, per table (event type). */
export type TableSchema = Record<string, ColumnType>;
export type Schemas = Record<string, TableSchema>;

export interface WindowRef {
  /** Unique per query run: what the consistent hash and the deduplication key on. */
  id: string;
  start: number;
  end: number;
}

export const PAYLOAD_VERSION = 1;
export const ENCODING = 'arrow-ipc+gzip';

export interface FragmentPayload {
  v: typeof PAYLOAD_VERSION;
  kind: 'fragment';
  window: WindowRef;
  /** 0-based sequence number of this fragment within its window. */
  seq: number;
  /** Number of fragments of the window. */
  count: number;
  /** Rows in this fragment (all tables). */
  rows: number;
  encoding: typeof ENCODING;
  /** Table name → base64(gzip(Arrow IPC stream)). */
  tables: Record<string, string>;
  /** Every table the query may reference, so empty ones still exist. */
  schemas: Schemas;
  /** Values for the query template's runtime placeholders (WINDOW_START, WINDOW_END, …). */
  vars: Record<string, string | number>;
  /**
   * Static tables the SQL joins (YSB's campaigns), same encoding as `tables`; carried by the
   * window's first fragment only (Flock ships them with each batch).
   */
  statics?: Record<string, string>;
  /** When the source sent it (ms since epoch), for logs. */
  sentAt: number;
}

export interface FragmentResponse {
  status: 'partial' | 'complete' | 'duplicate' | 'late';
  window: string;
  have: number;
  count: number;
  /** Output rows written (complete only). */
  rows?: number;
  /** Time the final stage took (complete only). */
  queryMs?: number;
  /** The rows themselves when the function's sink is `return`. */
  output?: Record<string, unknown>[];
}

export type EventRow = Record<string, unknown>;

/** The table an event belongs to: its string `type` field (NEXMark), else `defaultTable` (`events`; YSB: `ad_events`). */
export function tableOf(e: EventRow, defaultTable = 'events'): string {
  const t = e['type'];
  return typeof t === 'string' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(t) ? t : defaultTable;
}

/** Adds the columns of these events to the schemas (types from the first non-null value). */
export function learnSchemas(schemas: Schemas, events: readonly EventRow[], defaultTable = 'events'): Schemas {
  for (const e of events) {
    const table = tableOf(e, defaultTable);
    const s = (schemas[table] ??= {});
    for (const k in e) {
      if (s[k] !== undefined) continue;
      const v = e[k];
      if (v === null || v === undefined) continue;
      s[k] = typeof v === 'number' ? 'DOUBLE' : typeof v === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
    }
  }
  return schemas;
}

function arrowType(t: ColumnType): Float64 | Utf8 | Bool {
  return t === 'DOUBLE' ? new Float64() : t === 'BOOLEAN' ? new Bool() : new Utf8();
}

function cell(v: unknown, t: ColumnType): unknown {
  if (v === null || v === undefined) return null;
  if (t === 'DOUBLE') return typeof v === 'number' ? v : Number(v);
  if (t === 'BOOLEAN') return Boolean(v);
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** Encodes rows of one table as gzip(Arrow IPC stream). */
export function encodeTable(rows: readonly EventRow[], schema: TableSchema, gzipLevel = 1): Buffer {
  const cols: Record<string, Vector> = {};
  for (const [name, t] of Object.entries(schema)) {
    const values = new Array<unknown>(rows.length);
    for (let i = 0; i < rows.length; i++) values[i] = cell(rows[i]![name], t);
    cols[name] = vectorFromArray(values as never[], arrowType(t) as never);
  }
  const ipc = tableToIPC(new Table(cols), 'stream');
  return gzipSync(ipc, { level: gzipLevel });
}

/** Column-major values of a decoded table: what the engine loads in vectors. */
export interface DecodedTable {
  rowCount: number;
  columns: Record<string, unknown[]>;
}

export function decodeTable(b64: string): DecodedTable {
  const t = tableFromIPC(gunzipSync(Buffer.from(b64, 'base64')));
  const columns: Record<string, unknown[]> = {};
  for (const f of t.schema.fields) {
    const v = t.getChild(f.name);
    if (!v) continue;
    columns[f.name] = v.nullCount === 0 && f.typeId !== new Utf8().typeId ? Array.from(v.toArray() as ArrayLike<unknown>) : [...v];
  }
  return { rowCount: t.numRows, columns };
}

export interface FragmentOptions {
  /** Largest payload (bytes of the JSON text). Sync 6 MB, async 1 MB, less a margin. */
  maxBytes: number;
  schemas: Schemas;
  vars?: Record<string, string | number>;
  gzipLevel?: number;
  now?: () => number;
  /** Table of events without a string `type` field (default `events`). */
  defaultTable?: string;
  /** Encoded static tables (see `encodeStatics`), attached to the first fragment. */
  statics?: EncodedStatics;
}

export interface EncodedStatics {
  tables: Record<string, string>;
  bytes: number;
}

/** Encodes static tables once per run (their schemas are added to `schemas`). */
export function encodeStatics(statics: Record<string, readonly EventRow[]>, schemas: Schemas): EncodedStatics {
  const tables: Record<string, string> = {};
  let bytes = 0;
  for (const [t, rows] of Object.entries(statics)) {
    const s: TableSchema = (schemas[t] ??= {});
    for (const r of rows) {
      for (const k in r) {
        const v = r[k];
        if (s[k] === undefined && v !== null && v !== undefined) s[k] = typeof v === 'number' ? 'DOUBLE' : typeof v === 'boolean' ? 'BOOLEAN' : 'VARCHAR';
      }
    }
    tables[t] = encodeTable(rows, s, 6).toString('base64');
    bytes += tables[t].length + t.length + 8;
  }
  return { tables, bytes };
}

/** Sync and async request limits, less a margin for the envelope's own fields. */
export const SYNC_MAX_FRAGMENT_BYTES = 6 * 1024 * 1024 - 16 * 1024;
export const ASYNC_MAX_FRAGMENT_BYTES = 1024 * 1024 - 16 * 1024;

function envelope(window: WindowRef, rows: readonly EventRow[], o: FragmentOptions): { tables: Record<string, string>; bytes: number } {
  const byTable = new Map<string, EventRow[]>();
  for (const r of rows) {
    const t = tableOf(r, o.defaultTable);
    let l = byTable.get(t);
    if (!l) byTable.set(t, (l = []));
    l.push(r);
  }
  const tables: Record<string, string> = {};
  // Static tables ride on the first fragment only; counted in every part's size to be safe.
  let bytes = 512 + JSON.stringify(o.schemas).length + JSON.stringify(o.vars ?? {}).length + window.id.length + (o.statics?.bytes ?? 0);
  for (const [t, list] of byTable) {
    const s = o.schemas[t];
    if (!s) throw new Error(`no schema for table ${t}`);
    const b64 = encodeTable(list, s, o.gzipLevel).toString('base64');
    tables[t] = b64;
    bytes += b64.length + t.length + 8;
  }
  return { tables, bytes };
}

/**
 * Splits a window's rows into fragments whose payloads each fit `maxBytes`: the rows are
 * encoded whole, and a part that is too large is halved until every part fits. Rows keep their
 * order (fragment k holds rows before fragment k+1).
 */
export function fragmentWindow(window: WindowRef, rows: readonly EventRow[], o: FragmentOptions): FragmentPayload[] {
  const parts: { tables: Record<string, string>; rows: number }[] = [];
  const split = (from: number, to: number, known?: { tables: Record<string, string>; bytes: number }): void => {
    const env = known ?? envelope(window, rows.slice(from, to), o);
    if (env.bytes <= o.maxBytes) {
      parts.push({ tables: env.tables, rows: to - from });
      return;
    }
    if (to - from <= 1) throw new Error(`one event does not fit in a payload of ${o.maxBytes} bytes`);
    // Aim each piece a little under the limit: ceil(bytes / (0.9 max)) pieces, at least 2.
    const pieces = Math.max(2, Math.ceil(env.bytes / (o.maxBytes * 0.9)));
    const step = Math.ceil((to - from) / pieces);
    for (let s = from; s < to; s += step) split(s, Math.min(to, s + step));
  };
  // Estimate the encoded size per row from a sample, so a large window is encoded about once.
  const sampleN = Math.min(rows.length, 2048);
  const sample = envelope(window, rows.slice(0, sampleN), o);
  if (sampleN === rows.length) split(0, rows.length, sample);
  else {
    const perRow = sample.bytes / sampleN;
    const step = Math.max(1, Math.floor((o.maxBytes * 0.85) / perRow));
    for (let s = 0; s < rows.length; s += step) split(s, Math.min(rows.length, s + step));
  }
  const now = (o.now ?? Date.now)();
  return parts.map((p, seq) => ({
    v: PAYLOAD_VERSION,
    kind: 'fragment',
    window,
    seq,
    count: parts.length,
    rows: p.rows,
    encoding: ENCODING,
    tables: p.tables,
    schemas: o.schemas,
    vars: o.vars ?? {},
    ...(seq === 0 && o.statics ? { statics: o.statics.tables } : {}),
    sentAt: now,
  }));
}

export function isFragment(x: unknown): x is FragmentPayload {
  return !!x && typeof x === 'object' && (x as { kind?: unknown }).kind === 'fragment' && (x as { v?: unknown }).v === PAYLOAD_VERSION;
}
