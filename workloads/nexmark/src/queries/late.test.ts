/**
 * The one late-event rule of the streaming implementations (docs/workloads/nexmark.md): an event
 * is dropped when the state it would update has already been closed by the watermark. The
 * standard configurations never produce such events; these tests pin the rule down.
 */
import { describe, expect, it } from 'vitest';
import type { Row } from '@streamscore/core';
import type { Auction, Bid, NexmarkEvent } from './common.js';
import { q4 } from './q4.js';
import { q5 } from './q5.js';
import { q7 } from './q7.js';
import { q9 } from './q9.js';
import { q11 } from './q11.js';

const T0 = 1_436_918_400_000;
const s = (seconds: number) => T0 + Math.round(seconds * 1000);
const bid = (auction: number, bidder: number, price: number, at: number): Bid => ({ type: 'bid', auction, bidder, price, dateTime: at, extra: '' });
const auction = (id: number, at: number, expires: number): Auction => ({
  type: 'auction', id, itemName: '', description: '', initialBid: 1, reserve: 1, dateTime: at, expires, seller: 1, category: 10, extra: '',
});

/** Feeds events and watermarks in the order given. */
function feed(q: { onEvent(e: NexmarkEvent, emit: (r: Row) => void): void; onWatermark(w: number, emit: (r: Row) => void): void; onEnd?(emit: (r: Row) => void): void }, steps: (NexmarkEvent | number)[]): Row[] {
  const rows: Row[] = [];
  const emit = (r: Row) => rows.push(r);
  for (const x of steps) typeof x === 'number' ? q.onWatermark(x, emit) : q.onEvent(x, emit);
  q.onEnd?.(emit);
  return rows;
}

describe('late events', () => {
  it('q7: a bid whose window has fired (watermark ≥ end − 1) is dropped; one whose window is open counts even if behind the watermark', () => {
    const rows = feed(q7.streaming(q7.params.parse({})), [bid(1, 1, 5, s(1)), s(9.998), bid(2, 2, 7, s(2)), s(9.999), bid(3, 3, 9, s(3))]);
    expect(rows.map((r) => r['auction'])).toEqual([2]);
  });

  it('q5: a bid whose first window (its pane) has fired is dropped', () => {
    const p = q5.params.parse({ windowSizeMs: 4000, windowSlideMs: 2000 });
    // Pane [0, 2) closes the window [-2, 2) at watermark 1.999 s; a bid at 1 s is then late for every window.
    const rows = feed(q5.streaming(p), [bid(1, 1, 1, s(2.5)), s(1.999), bid(2, 1, 1, s(1))]);
    expect(rows.every((r) => r['auction'] === 1)).toBe(true);
  });

  it('q11: a bid whose own session window would already be closed is dropped; one that merges into an open session is not', () => {
    const rows = feed(q11.streaming(q11.params.parse({})), [
      bid(1, 7, 1, s(0)),
      s(9.999), // closes [0, 10)
      bid(1, 7, 1, s(-0.5)), // [-0.5, 9.5) is closed too: dropped
      bid(1, 7, 1, s(5)), // [5, 15) is open: a new session (Flink too, once [0, 10) has fired)
      bid(1, 8, 1, s(20)),
      s(15), // closes [5, 15)
      bid(1, 8, 1, s(12)), // [12, 22) merges with the open [20, 30)
    ]);
    expect(rows).toEqual([
      { bidder: 7, bid_count: 1, starttime: s(0), endtime: s(10) },
      { bidder: 7, bid_count: 1, starttime: s(5), endtime: s(15) },
      { bidder: 8, bid_count: 2, starttime: s(12), endtime: s(30) },
    ]);
  });

  it('q4/q9: an auction closes when the watermark reaches its expiry; later bids for it are dropped', () => {
    for (const w of [q4, q9]) {
      const q = w.streaming(w.params.parse({}));
      const rows = feed(q, [auction(100, s(0), s(5)), bid(100, 1, 10, s(1)), s(5), bid(100, 2, 99, s(4))]);
      expect(rows).toHaveLength(1);
    }
  });

  it('q4/q9: a bid waits for its auction until the watermark reaches the bid', () => {
    for (const w of [q4, q9]) {
      const waited = feed(w.streaming(w.params.parse({})), [bid(100, 1, 10, s(1)), s(0.999), auction(100, s(0), s(5))]);
      expect(waited).toHaveLength(1);
      const tooLate = feed(w.streaming(w.params.parse({})), [bid(100, 1, 10, s(1)), s(1), auction(100, s(0), s(5))]);
      expect(tooLate).toHaveLength(0);
    }
  });
});
