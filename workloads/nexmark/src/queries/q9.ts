import type { Emit, IncrementalOracle, Row, Workload } from '@streamscore/core';
import { AuctionJoin, type AuctionState } from './auction-join.js';
import { AuctionBidPairs } from './oracle-join.js';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type PerEventParams,
  nexmarkSuite,
} from './common.js';

/**
 * The winner order of q9.sql: price descending, then time ascending (nexmark/nexmark), then
 * bidder and extra ascending (added so that ties do not depend on arrival order). True if `b`
 * beats `w`.
 */
function beats(b: Bid, w: Bid): boolean {
  if (b.price !== w.price) return b.price > w.price;
  if (b.dateTime !== w.dateTime) return b.dateTime < w.dateTime;
  if (b.bidder !== w.bidder) return b.bidder < w.bidder;
  return b.extra < w.extra;
}

function winnerRow(a: Auction, b: Bid): Row {
  return {
    id: a.id,
    itemName: a.itemName,
    description: a.description,
    initialBid: a.initialBid,
    reserve: a.reserve,
    dateTime: a.dateTime,
    expires: a.expires,
    seller: a.seller,
    category: a.category,
    extra: a.extra,
    auction: b.auction,
    bidder: b.bidder,
    price: b.price,
    bid_dateTime: b.dateTime,
    bid_extra: b.extra,
  };
}

interface Q9Auction extends AuctionState {
  best: Bid | undefined;
}

class Q9Streaming extends AuctionJoin<Q9Auction> {
  protected openAuction(a: Auction): Q9Auction {
    return { auction: a, best: undefined };
  }
  protected addBid(s: Q9Auction, b: Bid): boolean {
    if (s.best !== undefined && !beats(b, s.best)) return false;
    s.best = b;
    return true;
  }
  protected emitChange(s: Q9Auction, emit: Emit): void {
    emit(winnerRow(s.auction, s.best!));
  }
}

/** The oracle's winner order (the ORDER BY of q9.sql plus the tie-breaks): negative when x ranks first. */
function rank(x: Bid, y: Bid): number {
  return y.price - x.price || x.dateTime - y.dateTime || x.bidder - y.bidder || (x.extra < y.extra ? -1 : x.extra > y.extra ? 1 : 0);
}

/**
 * Oracle: for each auction, its matching bids (bid.auction = id, time within [dateTime, expires],
 * no reserve check) sorted by the winner order; the first is the winner. One row per auction
 * with a matching bid: the final state.
 */
export function q9Reference(events: readonly NexmarkEvent[]): Row[] {
  const bids = events.filter((e): e is Bid => e.type === 'bid');
  const byAuction = new Map<number, Bid[]>();
  for (const b of bids) {
    const list = byAuction.get(b.auction);
    if (list) list.push(b);
    else byAuction.set(b.auction, [b]);
  }
  const rows: Row[] = [];
  for (const a of events) {
    if (a.type !== 'auction') continue;
    const ranked = (byAuction.get(a.id) ?? [])
      .filter((b) => a.dateTime <= b.dateTime && b.dateTime <= a.expires)
      .sort(rank);
    const winner = ranked[0];
    if (winner) rows.push(winnerRow(a, winner));
  }
  return rows;
}

/** The oracle in streaming form: each auction's first-ranked matching bid, emitted once no later bid can match it. */
export function q9Oracle(): IncrementalOracle<NexmarkEvent> {
  return new AuctionBidPairs<Bid | undefined>(
    () => undefined,
    (s, b) => {
      if (s.state === undefined || rank(b, s.state) < 0) s.state = b;
    },
    (s, emit) => {
      if (s.state !== undefined) emit(winnerRow(s.auction, s.state));
    },
  );
}

export const q9: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q9',
  ...nexmarkSuite,
  title: 'Winning bids',
  description:
    'For each auction, the auction and its winning bid: the highest bid made between its start and its expiry (earliest first among equal prices; no reserve check, as nexmark/nexmark). An updating result, one key per auction.',
  kind: 'updating',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'id', type: 'bigint' },
      { name: 'itemName', type: 'string' },
      { name: 'description', type: 'string' },
      { name: 'initialBid', type: 'bigint' },
      { name: 'reserve', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
      { name: 'expires', type: 'timestamp' },
      { name: 'seller', type: 'bigint' },
      { name: 'category', type: 'bigint' },
      { name: 'extra', type: 'string' },
      { name: 'auction', type: 'bigint' },
      { name: 'bidder', type: 'bigint' },
      { name: 'price', type: 'bigint' },
      { name: 'bid_dateTime', type: 'timestamp' },
      { name: 'bid_extra', type: 'string' },
    ],
    dueTimeColumn: 'bid_dateTime',
    upsertKey: ['id'],
  },
  reference: (events) => q9Reference(events),
  incrementalReference: () => q9Oracle(),
  streaming: () => new Q9Streaming(),
  partitioning: { kind: 'key', key: (e) => (e.type === 'bid' ? e.auction : e.id) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q9'), 'microbatch-sql': microbatchSql('q9') },
};
