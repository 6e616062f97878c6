import { describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import {
  CODEC_GZIP,
  CODEC_NDJSON,
  DEFAULT_TARGET_RECORD_BYTES,
  FRAME_HEADER_BYTES,
  FRAMING_NAME,
  FramingError,
  MAX_RECORD_BYTES,
  RecordPacker,
  isFramed,
  packRecords,
  putPayloadUnits,
  recordEventCount,
  unpackRecord,
} from './framing.js';

function events(n: number, pad = 40): { n: number; t: number; s: string }[] {
  return Array.from({ length: n }, (_, i) => ({ n: i, t: 1_700_000_000_000 + i, s: 'x'.repeat(pad) + i }));
}

function unpackAll(records: Buffer[]): object[] {
  return records.flatMap((r) => unpackRecord(r));
}

describe('framing', () => {
  it('has a stable name', () => {
    expect(FRAMING_NAME).toBe('streamscore-ndjson-v1');
  });

  it('lays out the header byte by byte, as docs/transport.md shows', () => {
    const [rec] = packRecords([{ a: 1 }, { b: 'é' }]);
    expect(rec).toBeDefined();
    const hex = rec!.toString('hex');
    // "SF", version 1, codec 0, count 2, then {"a":1}\n{"b":"é"}\n
    expect(hex.slice(0, 16)).toBe('5346010000000002');
    expect(rec!.subarray(FRAME_HEADER_BYTES).toString('utf8')).toBe('{"a":1}\n{"b":"é"}\n');
    expect(rec!.length).toBe(8 + 8 + 11);
    expect(isFramed(rec!)).toBe(true);
    expect(recordEventCount(rec!)).toBe(2);
  });

  it('round-trips many events into records under the target size, in order', () => {
    const input = events(5_000);
    const recs = packRecords(input);
    expect(recs.length).toBeGreaterThan(1);
    for (const r of recs) {
      expect(r.length).toBeLessThanOrEqual(DEFAULT_TARGET_RECORD_BYTES);
      expect(r[3]).toBe(CODEC_NDJSON);
    }
    // Records are filled: all but the last are close to the target.
    for (const r of recs.slice(0, -1)) expect(r.length).toBeGreaterThan(DEFAULT_TARGET_RECORD_BYTES - 200);
    expect(unpackAll(recs)).toEqual(input);
    expect(recs.reduce((a, r) => a + recordEventCount(r), 0)).toBe(input.length);
  });

  it('round-trips with gzip, and compressed records stay under the target', () => {
    const input = events(20_000, 100);
    const recs = packRecords(input, { codec: 'gzip' });
    for (const r of recs) {
      expect(r[3]).toBe(CODEC_GZIP);
      expect(r.length).toBeLessThanOrEqual(DEFAULT_TARGET_RECORD_BYTES);
    }
    const plainBytes = packRecords(input).reduce((a, r) => a + r.length, 0);
    const gzBytes = recs.reduce((a, r) => a + r.length, 0);
    expect(gzBytes).toBeLessThan(plainBytes / 3);
    // Most records are well filled once the compression ratio has been learned.
    const middle = recs.slice(1, -1);
    const filled = middle.filter((r) => r.length > DEFAULT_TARGET_RECORD_BYTES * 0.5).length;
    expect(filled / middle.length).toBeGreaterThanOrEqual(0.8);
    expect(unpackAll(recs)).toEqual(input);
  });

  it('keeps unicode intact and sizes records by UTF-8 bytes, not characters', () => {
    const input = Array.from({ length: 3_000 }, (_, i) => ({ i, s: '日本語🙂 ñ \n "quoted" \\ \u2028 tab\t' + '€'.repeat(i % 50), lone: '\ud800' }));
    for (const codec of ['ndjson', 'gzip'] as const) {
      const recs = packRecords(input, { codec, targetBytes: 4096 });
      for (const r of recs) expect(r.length).toBeLessThanOrEqual(4096);
      expect(unpackAll(recs)).toEqual(input);
    }
  });

  it('fills a record exactly to the limit', () => {
    // Each event {"s":"…"} is 8 + k bytes, plus LF. Make two events fill 100 bytes exactly.
    const e = (k: number) => ({ s: 'a'.repeat(k) });
    const target = 100;
    const k = (target - FRAME_HEADER_BYTES) / 2 - 9; // 37
    const recs = packRecords([e(k), e(k), e(k)], { targetBytes: target });
    expect(recs.map((r) => r.length)).toEqual([100, 8 + 46]);
    // One byte more and the second event moves to the next record.
    const recs2 = packRecords([e(k + 1), e(k)], { targetBytes: target });
    expect(recs2.map((r) => recordEventCount(r))).toEqual([1, 1]);
  });

  it('sends an event larger than the target alone, and refuses one past 1 MiB', () => {
    const big = { s: 'b'.repeat(100_000) };
    const recs = packRecords([{ a: 1 }, big, { a: 2 }], { targetBytes: 24 * 1024 });
    expect(recs.map(recordEventCount)).toEqual([1, 1, 1]);
    expect(recs[1]!.length).toBe(8 + 100_009);
    expect(unpackAll(recs)).toEqual([{ a: 1 }, big, { a: 2 }]);
    // Also with gzip: a big incompressible-ish event goes alone.
    const gz = packRecords([{ a: 1 }, big, { a: 2 }], { codec: 'gzip', targetBytes: 200 });
    expect(unpackAll(gz)).toEqual([{ a: 1 }, big, { a: 2 }]);

    const huge = { s: 'c'.repeat(MAX_RECORD_BYTES) };
    expect(() => packRecords([huge])).toThrow(FramingError);
    expect(() => packRecords([huge])).toThrow(/does not fit in a Kinesis record/);
    // gzip makes it fit.
    expect(unpackAll(packRecords([huge], { codec: 'gzip' }))).toEqual([huge]);
  });

  it('rejects what is not JSON-serialisable', () => {
    expect(() => packRecords([undefined])).toThrow(FramingError);
    expect(() => packRecords([{ n: 1n }])).toThrow(TypeError);
  });

  it('detects corrupt records', () => {
    const [rec] = packRecords([{ a: 1 }, { a: 2 }]);
    const wrongCount = Buffer.from(rec!);
    wrongCount.writeUInt32BE(3, 4);
    expect(() => unpackRecord(wrongCount)).toThrow(/header says 3 events/);
    expect(() => unpackRecord(rec!.subarray(0, rec!.length - 1))).toThrow(/truncated/);
    const v2 = Buffer.from(rec!);
    v2[2] = 2;
    expect(() => unpackRecord(v2)).toThrow(/unsupported framing version 2/);
    const badGz = Buffer.from(rec!);
    badGz[3] = CODEC_GZIP;
    expect(() => unpackRecord(badGz)).toThrow(/gzip/);
  });

  it('reads unframed JSON records too (an engine’s stock JSON sink)', () => {
    expect(unpackRecord(Buffer.from('{"a":1}'))).toEqual([{ a: 1 }]);
    expect(unpackRecord(Buffer.from('{"a":1}\n{"a":2}\n'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(unpackRecord(Buffer.from('[{"a":1},{"a":2}]'))).toEqual([{ a: 1 }, { a: 2 }]);
    expect(unpackRecord(Buffer.from('{\n  "a": 1\n}\n'))).toEqual([{ a: 1 }]);
    expect(unpackRecord(gzipSync(Buffer.from('{"a":1}\n')))).toEqual([{ a: 1 }]);
    expect(unpackRecord(new Uint8Array(0))).toEqual([]);
    expect(() => unpackRecord(Buffer.from('not json'))).toThrow(FramingError);
    expect(() => unpackRecord(Buffer.from('42'))).toThrow(FramingError);
  });

  it('counts PUT payload units per 25 KB, rounded up', () => {
    expect(putPayloadUnits(1)).toBe(1);
    expect(putPayloadUnits(24 * 1024, 10)).toBe(1);
    expect(putPayloadUnits(25_000)).toBe(1);
    expect(putPayloadUnits(25_001)).toBe(2);
    expect(putPayloadUnits(1_000_000)).toBe(40);
  });

  it('packs incrementally: add() returns full records, flush() the partial one', () => {
    for (const codec of ['ndjson', 'gzip'] as const) {
      const input = events(4_000);
      const p = new RecordPacker({ codec, targetBytes: 8 * 1024 });
      const recs: Buffer[] = [];
      for (let i = 0; i < input.length; i += 7) {
        const full = p.add(input.slice(i, i + 7));
        for (const r of full) expect(r.length).toBeLessThanOrEqual(8 * 1024);
        recs.push(...full);
      }
      expect(p.pendingEvents).toBeGreaterThan(0);
      recs.push(...p.flush());
      expect(p.pendingEvents).toBe(0);
      expect(p.flush()).toEqual([]);
      expect(unpackAll(recs)).toEqual(input);
      if (codec === 'ndjson') {
        const once = packRecords(input, { targetBytes: 8 * 1024 });
        expect(recs.map((r) => r.length)).toEqual(once.map((r) => r.length));
        expect(Buffer.concat(recs).equals(Buffer.concat(once))).toBe(true);
      }
    }
  });

  it('packs nothing into nothing', () => {
    expect(packRecords([])).toEqual([]);
  });
});
