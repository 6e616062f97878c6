import { describe, expect, it } from 'vitest';
import { Windower } from './windows.js';
import { decodeTable, encodeStatics, fragmentWindow, learnSchemas } from '../function/payload.js';

const bid = (bidder: number, t: number) => ({ type: 'bid', bidder, dateTime: t });
const ts = (e: Record<string, unknown>) => Number(e['dateTime']);

describe('session windows at the source (Flink’s rules)', () => {
  it('merges sessions that touch (bids exactly a gap apart), closes at end − 1 ≤ watermark', () => {
    const w = new Windower({ kind: 'session', gapMs: 100, key: 'bidder' }, 0, ts);
    w.add([bid(1, 0), bid(1, 100), bid(2, 50)]); // 0 and 100 touch: one session [0, 200)
    w.add([bid(9, 198)]); // watermark 198: nothing closes ([0,200) needs 199; [50,150) closes)
    const first = w.advance();
    expect(first).toHaveLength(1);
    expect(first[0]!.rows.map((r) => [r['bidder'], r['window_start'], r['window_end']])).toEqual([[2, 50, 150]]);
    w.add([bid(9, 199)]);
    const second = w.advance();
    expect(second[0]!.rows.map((r) => [r['bidder'], r['dateTime'], r['window_start'], r['window_end']])).toEqual([
      [1, 0, 0, 200],
      [1, 100, 0, 200],
    ]);
  });

  it('an out-of-order bid bridging two open sessions of a key merges them', () => {
    const w = new Windower({ kind: 'session', gapMs: 100, key: 'bidder' }, 1000, ts);
    w.add([bid(1, 0), bid(1, 250), bid(1, 120)]); // [0,100), [120,220), [250,350): pairwise apart
    expect(w.openWindows).toBe(3);
    w.add([bid(1, 200)]); // [200,300) touches [120,220) and [250,350): merged to [120,350)
    expect(w.openWindows).toBe(2);
    w.add([bid(7, 5000)]); // watermark 4000: everything closes
    const out = w.advance();
    const sessions = new Map<string, number>();
    for (const r of out[0]!.rows.filter((x) => x['bidder'] === 1)) sessions.set(`${String(r['window_start'])}-${String(r['window_end'])}`, (sessions.get(`${String(r['window_start'])}-${String(r['window_end'])}`) ?? 0) + 1);
    expect(Object.fromEntries(sessions)).toEqual({ '0-100': 1, '120-350': 3 });
  });

  it('drops late bids (their session already closed) and skips events without the key', () => {
    const w = new Windower({ kind: 'session', gapMs: 100, key: 'bidder' }, 0, ts);
    w.add([bid(1, 0), bid(2, 500)]);
    expect(w.advance()[0]!.rows).toHaveLength(1); // bidder 1's [0,100) closed at watermark 500
    w.add([bid(1, 50), { type: 'person', id: 3, dateTime: 600 }]);
    expect(w.lateEvents).toBe(1);
    expect(w.keylessEvents).toBe(1);
  });
});

describe('static tables in the payload', () => {
  it('travel once per window, with its first fragment, and count towards its size', () => {
    const schemas = learnSchemas({}, [{ ad_id: 'a', event_type: 'view', event_time: 1 }], 'ad_events');
    const statics = encodeStatics({ campaigns: Array.from({ length: 1000 }, (_, i) => ({ c_ad_id: `ad-${i}`, campaign_id: `c-${i % 100}` })) }, schemas);
    expect(Object.keys(schemas).sort()).toEqual(['ad_events', 'campaigns']);
    const rows = Array.from({ length: 5000 }, (_, i) => ({ ad_id: `ad-${i % 1000}`, event_type: 'view', event_time: i, user_id: `u-${i}` }));
    const frags = fragmentWindow({ id: 'w0', start: 0, end: 10 }, rows, { maxBytes: 32 * 1024, schemas, defaultTable: 'ad_events', statics });
    expect(frags.length).toBeGreaterThanOrEqual(2);
    expect(frags.map((f) => Object.keys(f.statics ?? {}))).toEqual([['campaigns'], ...frags.slice(1).map(() => [])]);
    expect(frags.every((f) => Object.keys(f.tables).join() === 'ad_events')).toBe(true);
    expect(frags.every((f) => Buffer.byteLength(JSON.stringify(f)) <= 32 * 1024)).toBe(true);
    expect(decodeTable(frags[0]!.statics!['campaigns']!).rowCount).toBe(1000);
    expect(frags.reduce((s, f) => s + decodeTable(f.tables['ad_events']!).rowCount, 0)).toBe(5000);
  });
});

describe('the watermark is the stream’s', () => {
  it('events of tables the query does not read move event time on, so the last window closes', () => {
    // q8 reads persons and auctions; bids (most of the stream) are not sent to the function.
    const person = (t: number) => ({ type: 'person', id: t, dateTime: t });
    const w = new Windower({ kind: 'tumbling', sizeMs: 1000 }, 500, ts);
    w.add([person(100), person(900)]);
    // The stream goes on to 1,600 with bids only: watermark 1,100 passes the window's end (999).
    const bids = [bid(1, 1200), bid(2, 1600)];
    w.observe(bids);
    const closed = w.advance();
    expect(closed.map((c) => [c.ref.start, c.ref.end, c.rows.length])).toEqual([[0, 1000, 2]]);
  });

  it('without them it would not: the persons alone hold the watermark at 400', () => {
    const person = (t: number) => ({ type: 'person', id: t, dateTime: t });
    const w = new Windower({ kind: 'tumbling', sizeMs: 1000 }, 500, ts);
    w.add([person(100), person(900)]);
    expect(w.advance()).toEqual([]);
    expect(w.watermark).toBe(400);
  });
});
