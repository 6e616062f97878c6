/**
 * Each oracle against examples small enough to check by eye: the events are written out by hand
 * and so are the rows they must give. The streaming implementation is run on the same events as
 * a second check.
 */
import { describe, expect, it } from 'vitest';
import { compareOutputs, type Row } from '@streamscore/core';
import { driveStreaming } from '@streamscore/streaming';
import type { Auction, Bid, NexmarkEvent, Person } from './common.js';
import { q0 } from './q0.js';
import { q1 } from './q1.js';
import { q2 } from './q2.js';
import { q3 } from './q3.js';
import { q4 } from './q4.js';
import { q5 } from './q5.js';
import { q7 } from './q7.js';
import { q8 } from './q8.js';
import { q9 } from './q9.js';
import { q11 } from './q11.js';
import { q12 } from './q12.js';
import type { AnyWorkload } from '@streamscore/core';

/** 2015-07-15T00:00:00Z, Beam's base time; a multiple of 10 s. */
const T0 = 1_436_918_400_000;
const s = (seconds: number) => T0 + Math.round(seconds * 1000);

const person = (id: number, at: number, state = 'OR', name = `P${id}`, city = 'Portland'): Person => ({
  type: 'person', id, name, emailAddress: `${name}@x.com`, creditCard: '1111 2222 3333 4444', city, state, dateTime: at, extra: '',
});
const auction = (id: number, seller: number, category: number, at: number, expires: number, reserve = 0): Auction => ({
  type: 'auction', id, itemName: `item${id}`, description: `d${id}`, initialBid: 100, reserve, dateTime: at, expires, seller, category, extra: `x${id}`,
});
const bid = (auctionId: number, bidder: number, price: number, at: number, extra = ''): Bid => ({
  type: 'bid', auction: auctionId, bidder, price, dateTime: at, extra,
});

/** Sorts rows by their JSON so that expectations can be written in any order. */
const sorted = (rows: Row[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

/** Runs the streaming implementation over the same events and checks it against the oracle. */
function streamingAgrees(w: AnyWorkload, events: NexmarkEvent[], params: Record<string, unknown>) {
  const p = w.params.parse(params);
  const actual = driveStreaming(w.streaming(p), events, { eventTime: w.eventTime, watermarkDelayMs: w.timing(p).watermarkDelayMs, batchSize: 2 });
  const verdict = compareOutputs(w.reference(events, p), actual, w.output);
  expect(verdict, JSON.stringify(verdict.samples)).toMatchObject({ status: 'pass' });
}
const any = (w: unknown) => w as AnyWorkload;

describe('q0 pass-through', () => {
  it('projects every bid and nothing else', () => {
    const events = [person(1000, s(0)), bid(1000, 1001, 250, s(1), 'e1'), auction(1000, 1000, 10, s(1), s(9)), bid(1001, 1002, 7, s(2))];
    expect(q0.reference(events, q0.params.parse({}))).toEqual([
      { auction: 1000, bidder: 1001, price: 250, dateTime: s(1), extra: 'e1' },
      { auction: 1001, bidder: 1002, price: 7, dateTime: s(2), extra: '' },
    ]);
    streamingAgrees(any(q0), events, {});
  });
});

describe('q1 currency conversion', () => {
  it('multiplies by 0.908 exactly (3 decimals)', () => {
    const events = [bid(1, 2, 1000, s(1)), bid(1, 2, 123, s(2)), bid(1, 2, 100_000_000, s(3))];
    expect(q1.reference(events, q1.params.parse({})).map((r) => r['price'])).toEqual(['908.000', '111.684', '90800000.000']);
    streamingAgrees(any(q1), events, {});
  });
});

describe('q2 selection', () => {
  it('keeps the bids on auctions whose id is a multiple of 123', () => {
    const events = [bid(246, 1, 10, s(1)), bid(247, 1, 11, s(2)), bid(0, 3, 12, s(3)), bid(1230, 4, 13, s(4))];
    expect(q2.reference(events, q2.params.parse({}))).toEqual([
      { auction: 246, price: 10, dateTime: s(1) },
      { auction: 0, price: 12, dateTime: s(3) },
      { auction: 1230, price: 13, dateTime: s(4) },
    ]);
    streamingAgrees(any(q2), events, {});
  });
});

describe('q3 local item suggestion', () => {
  it('joins category-10 auctions with sellers in OR/ID/CA, whichever arrives first', () => {
    const events = [
      person(1, s(0), 'OR', 'Ann', 'Bend'),
      person(2, s(0.5), 'WA', 'Bob', 'Kent'),
      auction(10, 1, 10, s(1), s(5)), // Ann, OR, category 10: yes
      auction(11, 2, 10, s(1.5), s(5)), // Bob is in WA: no
      auction(12, 1, 11, s(2), s(5)), // category 11: no
      auction(13, 3, 10, s(2.5), s(5)), // seller 3 arrives later: yes, when they do
      person(3, s(3), 'CA', 'Cid', 'Los Angeles'),
      auction(14, 4, 10, s(4), s(5)), // seller 4 never arrives: no
    ];
    expect(sorted(q3.reference(events, q3.params.parse({})))).toEqual(
      sorted([
        { name: 'Ann', city: 'Bend', state: 'OR', id: 10, dateTime: s(1) },
        { name: 'Cid', city: 'Los Angeles', state: 'CA', id: 13, dateTime: s(3) },
      ]),
    );
    streamingAgrees(any(q3), events, {});
  });
});

describe('q4 average price per category', () => {
  it('averages, per category, each auction’s highest bid within [start, expiry], truncating', () => {
    const events = [
      auction(100, 1, 10, s(0), s(10)),
      bid(100, 7, 150, s(1)),
      bid(100, 8, 300, s(2)),
      auction(101, 1, 10, s(5), s(6)),
      bid(101, 9, 201, s(5)), // at the auction's start: counts (BETWEEN includes both ends)
      bid(101, 9, 5000, s(7)), // after 101's expiry: does not count
      bid(100, 9, 999, s(11)), // after 100's expiry: does not count
      auction(102, 1, 11, s(3), s(4)), // no bids: contributes nothing
      bid(103, 2, 60, s(3.5)), // before auction 103 starts: does not count
      auction(103, 1, 11, s(4), s(8)),
      bid(103, 2, 77, s(8)), // at the expiry: counts
    ];
    // Category 10: finals 300 and 201, average 250.5 -> 250; latest matching bid at 5 s.
    // Category 11: auction 103's final 77 (102 has none); latest matching bid at 8 s.
    expect(sorted(q4.reference(events, q4.params.parse({})))).toEqual(
      sorted([
        { category: 10, avg_final: 250, dateTime: s(5) },
        { category: 11, avg_final: 77, dateTime: s(8) },
      ]),
    );
    streamingAgrees(any(q4), events, {});
  });
});

describe('q5 hot items', () => {
  it('names the auctions with the most bids in each hop window, ties included', () => {
    // Windows of 4 s sliding by 2 s.
    const events = [bid(1, 9, 1, s(0.5)), bid(1, 9, 1, s(1.5)), bid(2, 9, 1, s(2.5)), bid(2, 9, 1, s(3)), bid(2, 9, 1, s(4.5))];
    const p = { windowSizeMs: 4000, windowSlideMs: 2000 };
    // [-2,2): a1 x2.  [0,4): a1 x2, a2 x2 (tie).  [2,6): a2 x3.  [4,8): a2 x1.
    expect(sorted(q5.reference(events, q5.params.parse(p)))).toEqual(
      sorted([
        { auction: 1, num: 2, starttime: s(-2), endtime: s(2) },
        { auction: 1, num: 2, starttime: s(0), endtime: s(4) },
        { auction: 2, num: 2, starttime: s(0), endtime: s(4) },
        { auction: 2, num: 3, starttime: s(2), endtime: s(6) },
        { auction: 2, num: 1, starttime: s(4), endtime: s(8) },
      ]),
    );
    streamingAgrees(any(q5), events, p);
  });
});

describe('q7 highest bid', () => {
  it('keeps the bids at each tumbling window’s highest price; a bid at the next window’s first ms is not this window’s', () => {
    const events = [
      bid(1, 11, 5, s(1)),
      bid(2, 12, 9, s(2), 'a'),
      bid(3, 13, 9, s(3), 'b'),
      bid(4, 14, 3, s(9.999)),
      bid(5, 15, 9, s(10)), // window [10, 20): the only bid there
    ];
    expect(sorted(q7.reference(events, q7.params.parse({})))).toEqual(
      sorted([
        { auction: 2, bidder: 12, price: 9, dateTime: s(2), extra: 'a', starttime: s(0), endtime: s(10) },
        { auction: 3, bidder: 13, price: 9, dateTime: s(3), extra: 'b', starttime: s(0), endtime: s(10) },
        { auction: 5, bidder: 15, price: 9, dateTime: s(10), extra: '', starttime: s(10), endtime: s(20) },
      ]),
    );
    streamingAgrees(any(q7), events, {});
  });
});

describe('q8 monitor new users', () => {
  it('joins people and sellers of the same tumbling window, once per person', () => {
    const events = [
      person(1, s(1), 'OR', 'Ann'),
      person(2, s(2), 'OR', 'Bob'),
      auction(10, 1, 10, s(3), s(4)),
      auction(11, 1, 10, s(4), s(5)), // Ann again: still one row
      auction(12, 2, 10, s(10), s(11)), // Bob, but in the next window
      person(3, s(12), 'OR', 'Cid'),
      auction(13, 3, 10, s(15), s(16)),
    ];
    expect(sorted(q8.reference(events, q8.params.parse({})))).toEqual(
      sorted([
        { id: 1, name: 'Ann', starttime: s(0), endtime: s(10) },
        { id: 3, name: 'Cid', starttime: s(10), endtime: s(20) },
      ]),
    );
    streamingAgrees(any(q8), events, {});
  });
});

describe('q9 winning bids', () => {
  it('picks the highest bid within [start, expiry]; earlier, then lower bidder id, win ties; no reserve check', () => {
    const a100 = auction(100, 1, 10, s(0), s(10), 1_000_000);
    const a101 = auction(101, 1, 10, s(0), s(10));
    const a102 = auction(102, 1, 10, s(0), s(10));
    const events = [
      a100,
      bid(100, 7, 150, s(1)),
      bid(100, 8, 300, s(2)),
      bid(100, 9, 300, s(1.5)), // same price, earlier: wins
      bid(100, 6, 999, s(11)), // after expiry
      a101,
      bid(101, 5, 40, s(3), 'z'),
      bid(101, 4, 40, s(3), 'y'), // same price and time: lower bidder id wins
      a102,
    ];
    const rows = q9.reference(events, q9.params.parse({}));
    expect(rows.map((r) => [r['id'], r['bidder'], r['price'], r['bid_dateTime']])).toEqual([
      [100, 9, 300, s(1.5)],
      [101, 4, 40, s(3)],
    ]);
    expect(rows[0]).toMatchObject({ itemName: 'item100', reserve: 1_000_000, dateTime: s(0), expires: s(10), auction: 100, bid_extra: '' });
    streamingAgrees(any(q9), events, {});
  });
});

describe('q11 user sessions', () => {
  it('cuts sessions at gaps longer than 10 s; bids exactly 10 s apart share one', () => {
    const events = [bid(1, 1, 1, s(0)), bid(1, 2, 1, s(5)), bid(1, 1, 1, s(10)), bid(1, 1, 1, s(25)), bid(1, 1, 1, s(20.001))];
    // Bidder 1: 0, 10 -> [0, 20) x2; then 20.001 and 25 -> [20.001, 35) x2. Bidder 2: [5, 15) x1.
    expect(sorted(q11.reference(events, q11.params.parse({})))).toEqual(
      sorted([
        { bidder: 1, bid_count: 2, starttime: s(0), endtime: s(20) },
        { bidder: 1, bid_count: 2, starttime: s(20.001), endtime: s(35) },
        { bidder: 2, bid_count: 1, starttime: s(5), endtime: s(15) },
      ]),
    );
    streamingAgrees(any(q11), [...events].sort((a, b) => a.dateTime - b.dateTime), {});
  });
});

describe('q12 processing-time windows', () => {
  const p = q12.params.parse({});
  const events = [bid(1, 1, 1, s(0)), bid(1, 1, 1, s(1)), bid(1, 2, 1, s(2)), bid(1, 1, 1, s(3)), person(5, s(4))];
  const W0 = s(100);
  const good: Row[] = [
    { bidder: 1, bid_count: 2, starttime: W0, endtime: W0 + 10_000 },
    { bidder: 2, bid_count: 1, starttime: W0, endtime: W0 + 10_000 },
    { bidder: 1, bid_count: 1, starttime: W0 + 10_000, endtime: W0 + 20_000 },
  ];
  it('passes when each bidder’s counts add up to their bids', () => {
    expect(q12.checkInvariants!(events, good, p)).toMatchObject({ status: 'pass', method: 'invariants', matched: 2, expected: 2, covered: 2 });
    // Flink writes TIMESTAMP(3) as text: the same windows in that form pass too.
    const asText = good.map((r) => ({ ...r, starttime: new Date(r['starttime'] as number).toISOString().replace('T', ' ').replace('Z', '') }));
    expect(q12.checkInvariants!(events, asText, p).status).toBe('pass');
  });
  it('fails on a lost, changed, repeated or malformed record', () => {
    expect(q12.checkInvariants!(events, good.slice(1), p)).toMatchObject({ status: 'fail', missing: 1 });
    expect(q12.checkInvariants!(events, [{ ...good[0]!, bid_count: 3 }, ...good.slice(1)], p)).toMatchObject({ status: 'fail', unexpected: 1 });
    expect(q12.checkInvariants!(events, [...good, good[1]!], p).status).toBe('fail');
    expect(q12.checkInvariants!(events, [{ ...good[0]!, starttime: W0 + 1 }, ...good.slice(1)], p).status).toBe('fail');
  });
  it('streaming counts every bid once across processing-time ticks', () => {
    const q = q12.streaming(p);
    const rows: Row[] = [];
    const emit = (r: Row) => rows.push(r);
    q.onProcessingTime!(W0 + 5, emit);
    q.onEvent(events[0]!, emit);
    q.onEvent(events[1]!, emit);
    q.onEvent(events[2]!, emit);
    q.onProcessingTime!(W0 + 9_999, emit);
    expect(rows).toEqual([]);
    q.onProcessingTime!(W0 + 10_000, emit);
    q.onEvent(events[3]!, emit);
    q.onEvent(events[4]!, emit);
    q.onEnd!(emit);
    expect(sorted(rows)).toEqual(sorted(good));
  });
});
