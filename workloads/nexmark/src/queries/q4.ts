import type { Emit, IncrementalOracle, Row, Workload } from '@streamscore/core';
import { AuctionJoin, type AuctionState } from './auction-join.js';
import { AuctionBidPairs } from './oracle-join.js';
import {
  PerEventParamsSchema,
  avgBigint,
  flinkSql,
  microbatchSql,
  type Auction,
  type Bid,
  type NexmarkEvent,
  type PerEventParams,
  nexmarkSuite,
} from './common.js';

interface Q4Auction extends AuctionState {
  readonly category: Category;
  /** Whether a matching bid has been seen, and the highest matching price. */
  matched: boolean;
  final: number;
}

interface Category {
  readonly id: number;
  /** Sum of the finals of the auctions with a matching bid, and how many there are. */
  sum: number;
  count: number;
  /** Latest matching bid time in the category. */
  last: number;
  /** What was last emitted. */
  outAvg: number;
  outLast: number;
}

class Q4Streaming extends AuctionJoin<Q4Auction> {
  private readonly categories = new Map<number, Category>();

  protected openAuction(a: Auction): Q4Auction {
    let c = this.categories.get(a.category);
    if (c === undefined) {
      c = { id: a.category, sum: 0, count: 0, last: Number.NEGATIVE_INFINITY, outAvg: Number.NaN, outLast: Number.NaN };
      this.categories.set(a.category, c);
    }
    return { auction: a, category: c, matched: false, final: 0 };
  }

  protected addBid(s: Q4Auction, b: Bid): boolean {
    const c = s.category;
    if (!s.matched) {
      s.matched = true;
      s.final = b.price;
      c.sum += b.price;
      c.count++;
    } else if (b.price > s.final) {
      c.sum += b.price - s.final;
      s.final = b.price;
    }
    if (b.dateTime > c.last) c.last = b.dateTime;
    return true;
  }

  protected emitChange(s: Q4Auction, emit: Emit): void {
    const c = s.category;
    const avg = avgBigint(c.sum, c.count);
    if (avg === c.outAvg && c.last === c.outLast) return;
    c.outAvg = avg;
    c.outLast = c.last;
    emit({ category: c.id, avg_final: avg, dateTime: c.last });
  }
}

/**
 * Oracle: for each auction, its matching bids (bid.auction = id, time within [dateTime, expires]);
 * an auction with any contributes the highest price; per category, the truncated average of
 * those and the latest matching bid time. One row per category: the final state.
 */
export function q4Reference(events: readonly NexmarkEvent[]): Row[] {
  const bidsByAuction = new Map<number, Bid[]>();
  for (const e of events) {
    if (e.type !== 'bid') continue;
    const list = bidsByAuction.get(e.auction);
    if (list) list.push(e);
    else bidsByAuction.set(e.auction, [e]);
  }
  const perCategory = new Map<number, { finals: number[]; last: number }>();
  for (const a of events) {
    if (a.type !== 'auction') continue;
    const matching = (bidsByAuction.get(a.id) ?? []).filter((b) => b.dateTime >= a.dateTime && b.dateTime <= a.expires);
    if (matching.length === 0) continue;
    const final = matching.reduce((m, b) => Math.max(m, b.price), 0);
    const last = matching.reduce((m, b) => Math.max(m, b.dateTime), Number.NEGATIVE_INFINITY);
    const c = perCategory.get(a.category) ?? { finals: [], last: Number.NEGATIVE_INFINITY };
    c.finals.push(final);
    c.last = Math.max(c.last, last);
    perCategory.set(a.category, c);
  }
  const rows: Row[] = [];
  for (const [category, { finals, last }] of perCategory) {
    const sum = finals.reduce((x, y) => x + y, 0);
    rows.push({ category, avg_final: Math.trunc(sum / finals.length), dateTime: last });
  }
  return rows;
}

/**
 * The oracle in streaming form: each auction's highest matching price and latest matching bid
 * time, folded into its category once no later bid can match it; one row per category at the end.
 */
export function q4Oracle(): IncrementalOracle<NexmarkEvent> {
  const perCategory = new Map<number, { sum: number; n: number; last: number }>();
  const pairs = new AuctionBidPairs<{ matched: boolean; final: number; last: number }>(
    () => ({ matched: false, final: 0, last: Number.NEGATIVE_INFINITY }),
    (s, b) => {
      s.state.matched = true;
      s.state.final = Math.max(s.state.final, b.price);
      s.state.last = Math.max(s.state.last, b.dateTime);
    },
    (s) => {
      if (!s.state.matched) return;
      const c = perCategory.get(s.auction.category) ?? { sum: 0, n: 0, last: Number.NEGATIVE_INFINITY };
      c.sum += s.state.final;
      c.n++;
      c.last = Math.max(c.last, s.state.last);
      perCategory.set(s.auction.category, c);
    },
  );
  return {
    push: (e, emit) => pairs.push(e, emit),
    advance: (low, emit) => pairs.advance(low, emit),
    end: (emit) => {
      pairs.end(emit);
      for (const [category, c] of perCategory) emit({ category, avg_final: Math.trunc(c.sum / c.n), dateTime: c.last });
      perCategory.clear();
    },
  };
}

export const q4: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q4',
  ...nexmarkSuite,
  title: 'Average price for a category',
  description:
    'For each category, the average (truncated to a whole number, as Flink averages BIGINT) of the winning prices of its auctions, where an auction’s winning price is its highest bid made between its start and its expiry. An updating result, one key per category.',
  kind: 'updating',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'category', type: 'bigint' },
      { name: 'avg_final', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
    ],
    dueTimeColumn: 'dateTime',
    upsertKey: ['category'],
  },
  reference: (events) => q4Reference(events),
  incrementalReference: () => q4Oracle(),
  streaming: () => new Q4Streaming(),
  partitioning: { kind: 'single' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q4'), 'microbatch-sql': microbatchSql('q4') },
};
