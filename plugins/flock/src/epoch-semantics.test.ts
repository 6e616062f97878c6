import { describe, expect, it } from 'vitest';
import type { AnyWorkload } from '@streamscore/core';
import { flockEpochQuery, semanticsOf } from './epoch-semantics.js';
import { planQuery } from './query.js';

const nexmark: AnyWorkload[] = ((await import('@streamscore/workload-nexmark')) as { workloads: AnyWorkload[] }).workloads;
const q = (id: string) => nexmark.find((w) => w.id === `nexmark/${id}`)!;

const person = (id: number, state: string, t: number) => ({ type: 'person', id, name: `p${id}`, emailAddress: '', creditCard: '', city: 'c', state, dateTime: t, extra: '' });
const auction = (id: number, seller: number, category: number, t: number) => ({
  type: 'auction', id, itemName: '', description: '', initialBid: 1, reserve: 1, dateTime: t, expires: t + 10_000, seller, category, extra: '',
});
const bid = (auctionId: number, price: number, t: number) => ({ type: 'bid', auction: auctionId, bidder: 1, price, channel: '', url: '', dateTime: t, extra: '' });

describe("Flock's epoch semantics", () => {
  it('q3: a seller and their auction join only within one epoch (hand-worked)', () => {
    const a = flockEpochQuery(q('q3'), { semantics: 'flock-epoch' })!;
    // Epoch [0, 1000): person 1 (OR) and their category-10 auction 100 → one answer.
    // Person 2 (CA) at 900, their auction 101 at 1,100: the true query joins them; the epoch query does not.
    const events = [person(1, 'OR', 100), auction(100, 1, 10, 200), person(2, 'CA', 900), auction(101, 2, 10, 1100)];
    const p = q('q3').params.parse({});
    expect(a.workload.reference(events, p)).toEqual([{ name: 'p1', city: 'c', state: 'OR', id: 100, dateTime: 200, epoch_start: 0, epoch_end: 1000 }]);
    expect(q('q3').reference(events, p)).toHaveLength(2);
    expect(a.asTrueRows(a.workload.reference(events, p))).toEqual([{ name: 'p1', city: 'c', state: 'OR', id: 100, dateTime: 200 }]);
  });

  it('q4: an epoch averages the winning bids of the auctions it saw; the latest epoch is the final state', () => {
    const a = flockEpochQuery(q('q4'), { semantics: 'flock-epoch', 'semantics-epoch-ms': 1000 })!;
    const events = [auction(100, 1, 7, 0), bid(100, 10, 100), bid(100, 30, 200), auction(101, 1, 7, 300), bid(101, 5, 400), bid(100, 50, 1200)];
    const rows = a.workload.reference(events, q('q4').params.parse({}));
    // Epoch 0: auction 100 wins 30, auction 101 wins 5 → trunc(35 / 2) = 17. Epoch 1: the bid on 100 has no auction in its epoch → nothing.
    expect(rows).toEqual([{ category: 7, avg_final: 17, dateTime: 400, epoch_start: 0, epoch_end: 1000 }]);
    // The true query: 100 wins 50, 101 wins 5 → 27.
    expect(q('q4').reference(events, q('q4').params.parse({}))).toEqual([{ category: 7, avg_final: 27, dateTime: 1200 }]);
    // Answers of later epochs come last, whatever order they arrived in.
    const later = { category: 7, avg_final: 9, dateTime: 2100, epoch_start: 2000, epoch_end: 3000 };
    expect(a.asTrueRows([later, rows[0]!]).map((r) => r['avg_final'])).toEqual([17, 9]);
  });

  it('is judged per epoch: an epoch is answered once the cut-off passes its end', () => {
    const a = flockEpochQuery(q('q9'), { semantics: 'flock-epoch' })!;
    expect(a.answeredBeforeMs(5000)).toBe(5000);
    expect(a.answeredBeforeMs(4999)).toBe(4000);
    expect(a.workload.timing(q('q9').params.parse({ watermarkDelayMs: 500 }))).toEqual({ watermarkDelayMs: 500, horizonMs: 1500 });
    expect(a.workload.output.dueTimeColumn).toBe('epoch_end');
    expect(a.workload.output.upsertKey).toBeUndefined();
  });

  it('runs the query’s own SQL per epoch, as a tumbling window the size of the epoch', () => {
    const a = flockEpochQuery(q('q3'), { semantics: 'flock-epoch', 'semantics-epoch-ms': 2000 })!;
    const plan = planQuery(a.workload, q('q3').params.parse({}));
    expect(plan.window).toEqual({ kind: 'tumbling', sizeMs: 2000 });
    expect(plan.sql).toContain('${WINDOW_END} AS epoch_end');
    expect(plan.sql).toContain('JOIN person');
  });

  it('keeps the true query by default, and refuses what it cannot do', () => {
    expect(flockEpochQuery(q('q3'), {})).toBeUndefined();
    expect(() => planQuery(q('q3'), {})).toThrow(/cannot run nexmark\/q3/);
    expect(() => flockEpochQuery(q('q5'), { semantics: 'flock-epoch' })).toThrow(/applies to nexmark\/q3, nexmark\/q4, nexmark\/q9/);
    expect(() => semanticsOf({ semantics: 'epoch' })).toThrow(/must be query or flock-epoch/);
    expect(() => semanticsOf({ semantics: 'flock-epoch', 'semantics-epoch-ms': 5 })).toThrow(/from 100/);
  });
});
