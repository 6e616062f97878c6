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

function resolve(opts: PackOptions): { target: number; max: number; codec: Codec; level: number } {
  const max = Math.min(opts.maxBytes ?? MAX_RECORD_BYTES, MAX_RECORD_BYTES);
  const target = Math.min(opts.targetBytes ?? DEFAULT_TARGET_RECORD_BYTES, max);
  if (!(target > FRAME_HEADER_BYTES + 1)) throw new FramingError(`targetBytes must exceed ${FRAME_HEADER_BYTES + 1} (got ${target})`);
  return { target, max, codec: opts.codec ?? 'ndjson', level: opts.gzipLevel ?? 1 };
}

function stringify(item: unknown, index: number): string {
  const s = JSON.stringify(item);
  if (typeof s !== 'string') throw new FramingError(`event ${index} is not JSON-serialisable (${typeof item})`);
  return s;
}

function tooLarge(bytes: number, max: number): FramingError {
  return new FramingError(
    `an event of ${bytes} bytes does not fit in a Kinesis record (at most ${max} bytes including the ${FRAME_HEADER_BYTES}-byte header)`,
  );
}

function frame(codec: number, count: number, payload: string, payloadBytes: number): Buffer {
  const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadBytes);
  writeHeader(buf, codec, count);
  buf.write(payload, FRAME_HEADER_BYTES, payloadBytes, 'utf8');
  return buf;
}

/**
 * Packs events into framed records, in order. Each record holds as many whole events as fit in
 * `targetBytes`; an event larger than that travels alone (up to the 1 MiB hard limit; beyond it,
 * FramingError). With gzip, the target applies to the compressed record.
 */
export function packRecords(items: readonly unknown[], opts: PackOptions = {}): Buffer[] {
  const o = resolve(opts);
  const n = items.length;
  if (n === 0) return [];
  const texts = new Array<string>(n);
  const lens = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const s = stringify(items[i], i);
    texts[i] = s;
    lens[i] = Buffer.byteLength(s, 'utf8') + 1;
  }
  return o.codec === 'gzip' ? packGzip(texts, lens, o) : packPlain(texts, lens, o);
}

function packPlain(texts: string[], lens: number[], o: { target: number; max: number }): Buffer[] {
  const out: Buffer[] = [];
  const budget = o.target - FRAME_HEADER_BYTES;
  const hardBudget = o.max - FRAME_HEADER_BYTES;
  let start = 0;
  let bytes = 0;
  const flush = (end: number) => {
    if (end === start) return;
    const body = end - start === 1 ? texts[start]! + '\n' : texts.slice(start, end).join('\n') + '\n';
    out.push(frame(CODEC_NDJSON, end - start, body, bytes));
    start = end;
    bytes = 0;
  };
  for (let i = 0; i < texts.length; i++) {
    const len = lens[i]!;
    if (len > hardBudget) throw tooLarge(len - 1, o.max);
    if (bytes + len > budget && i > start) flush(i);
    bytes += len;
  }
  flush(texts.length);
  return out;
}

let gzipRatioHint = 4;

function packGzip(texts: string[], lens: number[], o: { target: number; max: number; level: number }): Buffer[] {
  const out: Buffer[] = [];
  const budget = o.target - FRAME_HEADER_BYTES;
  const hardBudget = o.max - FRAME_HEADER_BYTES;
  // Uncompressed bytes per compressed byte, learned from the records packed so far (and
  // carried across calls as a first guess: it only affects how full records are).
  let ratio = gzipRatioHint;
  const emit = (start: number, end: number): void => {
    const body = texts.slice(start, end).join('\n') + '\n';
    const raw = Buffer.from(body, 'utf8');
    const z = gzipSync(raw, { level: o.level });
    if (z.length > budget && end - start > 1) {
      const mid = start + ((end - start) >> 1);
      emit(start, mid);
      emit(mid, end);
      return;
    }
    if (z.length > hardBudget) throw tooLarge(raw.length - 1, o.max);
    ratio = 0.2 * ratio + 0.8 * (raw.length / z.length);
    const buf = Buffer.allocUnsafe(FRAME_HEADER_BYTES + z.length);
    writeHeader(buf, CODEC_GZIP, end - start);
    z.copy(buf, FRAME_HEADER_BYTES);
    out.push(buf);
  };
  let start = 0;
  while (start < texts.length) {
    // Aim a little under the learned ratio so most records compress to just under the target.
    const rawBudget = Math.max(1, Math.floor(budget * ratio * 0.93));
    let end = start;
    let bytes = 0;
    while (end < texts.length && (end === start || bytes + lens[end]! <= rawBudget)) {
      bytes += lens[end]!;
      end++;
    }
    emit(start, end);
    start = end;
  }
  gzipRatioHint = Math.min(Math.max(ratio, 1), 50);
  return out;
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
