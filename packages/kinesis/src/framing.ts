import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * The one framing of every Kinesis record streamscore writes or reads: many JSON events packed
 * into one record, so high rates stay within a shard's 1,000 records/s and each PUT payload unit
 * (25 KB) is used well. docs/transport.md describes it byte by byte.
 *
 * ```
 * offset  size  field
 * 0       2     magic   0x53 0x46 ("SF")
 * 2       1     version 0x01
 * 3       1     codec   0x00 = NDJSON, 0x01 = gzip-compressed NDJSON
 * 4       4     count   number of events, unsigned 32-bit big-endian
 * 8       …     payload UTF-8 JSON texts, each followed by one LF (0x0A); gzipped if codec 1
 * ```
 *
 * JSON.stringify never writes a raw LF (it escapes it inside strings), so LF is a safe separator.
 */
export const FRAMING_NAME = 'streamscore-ndjson-v1';

export const FRAME_MAGIC_0 = 0x53; // 'S'
export const FRAME_MAGIC_1 = 0x46; // 'F'
export const FRAME_VERSION = 1;
export const FRAME_HEADER_BYTES = 8;
export const CODEC_NDJSON = 0;
export const CODEC_GZIP = 1;

/** Bytes per Kinesis PUT payload unit (priced per million; each record is rounded up). */
export const PUT_PAYLOAD_UNIT_BYTES = 25_000;
/** Default record size: under one PUT payload unit even with a partition key added. */
export const DEFAULT_TARGET_RECORD_BYTES = 24 * 1024;
/** Kinesis's hard limit is 1 MiB for data + partition key; the key may take up to 256 bytes. */
export const MAX_RECORD_BYTES = 1024 * 1024 - 256;

export type Codec = 'ndjson' | 'gzip';

export interface PackOptions {
  /** Records are closed before they exceed this many bytes (header included). Default 24 KiB. */
  targetBytes?: number;
  /** No record may exceed this (default and ceiling: 1 MiB − 256). */
  maxBytes?: number;
  codec?: Codec;
  /** zlib level for gzip (1 fastest … 9 smallest). Default 1. */
  gzipLevel?: number;
}

export class FramingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FramingError';
  }
}

const LF = 0x0a;

function writeHeader(buf: Buffer, codec: number, count: number): void {
  buf[0] = FRAME_MAGIC_0;
  buf[1] = FRAME_MAGIC_1;
  buf[2] = FRAME_VERSION;
  buf[3] = codec;
  buf.writeUInt32BE(count, 4);
}

/** True when the buffer starts with the framing's header. */
export function isFramed(buf: Uint8Array): boolean {
  return buf.length >= FRAME_HEADER_BYTES && buf[0] === FRAME_MAGIC_0 && buf[1] === FRAME_MAGIC_1;
}

/** The event count of a framed record, read from its header without decoding; 1 otherwise. */
export function recordEventCount(buf: Uint8Array): number {
  if (!isFramed(buf)) return 1;
  return ((buf[4]! << 24) >>> 0) + (buf[5]! << 16) + (buf[6]! << 8) + buf[7]!;
}

/** PUT payload units one record costs: ceil((data + partition key) / 25 KB), at least 1. */
export function putPayloadUnits(dataBytes: number, partitionKeyBytes = 0): number {
  return Math.max(1, Math.ceil((dataBytes + partitionKeyBytes) / PUT_PAYLOAD_UNIT_BYTES));
}

function tooLarge(bytes: number, max: number): FramingError {
  return new FramingError(
    `an event of ${bytes} bytes does not fit in a Kinesis record (at most ${max} bytes including the ${FRAME_HEADER_BYTES}-byte header)`,
  );
}

/**
 * Packs events into framed records, in order. Each record holds as many whole events as fit in
 * `targetBytes`; an event larger than that travels alone (up to the 1 MiB hard limit; beyond it,
 * FramingError). With gzip, the target applies to the compressed record.
 */
export function packRecords(items: readonly unknown[], opts: PackOptions = {}): Buffer[] {
  const p = new RecordPacker(opts);
  const out = p.add(items);
  for (const r of p.flush()) out.push(r);
  return out;
}

let gzipRatioHint = 4;

/**
 * Incremental packing: add() events as they come and get back the records that are full;
 * flush() packs what is left into a last, partial record. Lets a writer fill records across
 * many small sends, cutting a partial one only when it has a slot to send it.
 */
export class RecordPacker {
  private readonly target: number;
  private readonly max: number;
  private readonly codec: Codec;
  private readonly level: number;
  private texts: string[] = [];
  private bytes = 0;
  /** Uncompressed bytes per compressed byte, learned as records are compressed. */
  private ratio = gzipRatioHint;
  private index = 0;

  constructor(opts: PackOptions = {}) {
    this.max = Math.min(opts.maxBytes ?? MAX_RECORD_BYTES, MAX_RECORD_BYTES);
    this.target = Math.min(opts.targetBytes ?? DEFAULT_TARGET_RECORD_BYTES, this.max);
    if (!(this.target > FRAME_HEADER_BYTES + 1)) throw new FramingError(`targetBytes must exceed ${FRAME_HEADER_BYTES + 1} (got ${this.target})`);
    this.codec = opts.codec ?? 'ndjson';
    this.level = opts.gzipLevel ?? 1;
  }

  /** Events added and not yet in a record. */
  get pendingEvents(): number {
    return this.texts.length;
  }

  /** Adds events; returns the records completed by them (possibly none). */
  add(items: readonly unknown[]): Buffer[] {
    const out: Buffer[] = [];
    const budget = this.budget();
    const hard = this.max - FRAME_HEADER_BYTES;
    for (let i = 0; i < items.length; i++) {
      const s = JSON.stringify(items[i]);
      if (typeof s !== 'string') throw new FramingError(`event ${this.index + i} is not JSON-serialisable (${typeof items[i]})`);
      const len = Buffer.byteLength(s, 'utf8') + 1;
      if (this.codec === 'ndjson' && len > hard) throw tooLarge(len - 1, this.max);
      if (this.texts.length > 0 && this.bytes + len > (this.codec === 'ndjson' ? budget : this.rawBudget())) this.cut(out);
      this.texts.push(s);
      this.bytes += len;
    }
    this.index += items.length;
    return out;
  }

  /** Packs every pending event (into one record, or more for gzip when needed). */
  flush(): Buffer[] {
    const out: Buffer[] = [];
    if (this.texts.length > 0) this.cut(out);
    return out;
  }

  private budget(): number {
    return this.target - FRAME_HEADER_BYTES;
  }

  /** Raw bytes expected to compress to a little under the target. */
  private rawBudget(): number {
    return Math.max(1, Math.floor(this.budget() * this.ratio * 0.93));
  }

  private cut(out: Buffer[]): void {
    const texts = this.texts;
    const bytes = this.bytes;
    this.texts = [];
    this.bytes = 0;
    if (this.codec === 'ndjson') {
      const body = texts.length === 1 ? texts[0]! + '\n' : texts.join('\n') + '\n';
      const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + bytes);
      writeHeader(buf, CODEC_NDJSON, texts.length);
      buf.write(body, FRAME_HEADER_BYTES, bytes, 'utf8');
      out.push(buf);
    } else {
      this.gzip(texts, 0, texts.length, out);
      gzipRatioHint = Math.min(Math.max(this.ratio, 1), 50);
    }
  }

  private gzip(texts: string[], start: number, end: number, out: Buffer[]): void {
    const raw = Buffer.from(texts.slice(start, end).join('\n') + '\n', 'utf8');
    const z = gzipSync(raw, { level: this.level });
    if (z.length > this.budget() && end - start > 1) {
      const mid = start + ((end - start) >> 1);
      this.gzip(texts, start, mid, out);
      this.gzip(texts, mid, end, out);
      return;
    }
    if (z.length > this.max - FRAME_HEADER_BYTES) throw tooLarge(raw.length - 1, this.max);
    this.ratio = 0.2 * this.ratio + 0.8 * (raw.length / z.length);
    const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + z.length);
    writeHeader(buf, CODEC_GZIP, end - start);
    z.copy(buf, FRAME_HEADER_BYTES);
    out.push(buf);
  }
}

function parseLines(text: string, expected: number | undefined): object[] {
  const out: object[] = [];
  let pos = 0;
  const n = text.length;
  while (pos < n) {
    let nl = text.indexOf('\n', pos);
    if (nl < 0) nl = n;
    if (nl > pos) {
      const line = text.slice(pos, nl);
      let v: unknown;
      try {
        v = JSON.parse(line);
      } catch (e) {
        throw new FramingError(`event ${out.length} is not valid JSON: ${(e as Error).message}`);
      }
      if (typeof v !== 'object' || v === null) throw new FramingError(`event ${out.length} is not a JSON object`);
      out.push(v);
    }
    pos = nl + 1;
  }
  if (expected !== undefined && out.length !== expected) {
    throw new FramingError(`the record header says ${expected} events but its payload holds ${out.length}`);
  }
  return out;
}

function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
}

/**
 * Unpacks one record into its events. Framed records are checked against their header. For
 * interoperability, an unframed record is read as plain JSON text — one object, an array of
 * objects, or NDJSON — gzipped or not, so an engine's stock JSON sink can write the output stream.
 */
export function unpackRecord(data: Uint8Array): object[] {
  const buf = asBuffer(data);
  if (isFramed(buf)) {
    const version = buf[2]!;
    if (version !== FRAME_VERSION) throw new FramingError(`unsupported framing version ${version} (this build reads ${FRAME_VERSION})`);
    const codec = buf[3]!;
    const count = recordEventCount(buf);
    let payload: Buffer;
    if (codec === CODEC_NDJSON) payload = buf.subarray(FRAME_HEADER_BYTES);
    else if (codec === CODEC_GZIP) {
      try {
        payload = gunzipSync(buf.subarray(FRAME_HEADER_BYTES));
      } catch (e) {
        throw new FramingError(`gzip payload does not decompress: ${(e as Error).message}`);
      }
    } else throw new FramingError(`unknown codec ${codec}`);
    if (count > 0 && payload[payload.length - 1] !== LF) throw new FramingError('payload does not end with LF (truncated record?)');
    return parseLines(payload.toString('utf8'), count);
  }
  // Unframed: plain JSON text.
  const raw = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b ? gunzipSync(buf) : buf;
  const text = raw.toString('utf8').trim();
  if (text === '') return [];
  try {
    if (text[0] === '[') throw new FramingError('a JSON array');
    return parseLines(text, undefined);
  } catch (lineError) {
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      throw lineError;
    }
    const list = Array.isArray(v) ? v : [v];
    for (const x of list) if (typeof x !== 'object' || x === null) throw new FramingError('record holds a JSON value that is not an object');
    return list as object[];
  }
}
