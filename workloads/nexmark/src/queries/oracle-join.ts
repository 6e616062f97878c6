import { type Emit, type IncrementalOracle } from '@streamscore/core';
import { TimerQueue } from '@streamscore/streaming';
import type { Auction, Bid, NexmarkEvent } from './common.js';

/** One auction event and what the query has folded into it so far. */
export interface OpenAuction<S> {
  readonly auction: Auction;
  state: S;
}

/**
 * The oracle side of q4's and q9's join (`bid.auction = auction.id AND bid.dateTime BETWEEN
 * auction.dateTime AND auction.expires`), in streaming form and exact for any arrival order:
 * every (auction, bid) pair that satisfies the condition is folded in exactly once, whichever
 * of the two arrives first. State stays bounded because event time is known to have passed:
 *
 * - an auction is final once every event still to come is later than its expiry (no bid can
 *   match it any more); it is then handed to `close` and forgotten;
 * - a bid waits for auctions still to come until event time passes the bid's own time (an
 *   auction arriving later starts at or after that, so it cannot hold the bid).
 *
 * Written apart from the engine's AuctionJoin (no late drops, no closed-id memory): it is the
 * SQL's answer over the events given, whatever their disorder.
 */
export class AuctionBidPairs<S> implements IncrementalOracle<NexmarkEvent> {
  private readonly open = new Map<number, OpenAuction<S>[]>();
  private readonly expiries = new TimerQueue(1024);
  private readonly waiting = new Map<number, Bid[]>();
  private readonly waitTimers = new TimerQueue(1024);
  private low = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly initial: (a: Auction) => S,
    private readonly fold: (s: OpenAuction<S>, b: Bid) => void,
    private readonly close: (s: OpenAuction<S>, emit: Emit) => void,
  ) {}

  push(e: NexmarkEvent, _emit: Emit): void {
    if (e.type === 'bid') {
      for (const s of this.open.get(e.auction) ?? []) if (matches(s.auction, e)) this.fold(s, e);
      const list = this.waiting.get(e.auction);
      if (list === undefined) this.waiting.set(e.auction, [e]);
      else list.push(e);
      this.waitTimers.push(e.dateTime, e.auction);
    } else if (e.type === 'auction') {
      const s: OpenAuction<S> = { auction: e, state: this.initial(e) };
      for (const b of this.waiting.get(e.id) ?? []) if (matches(e, b)) this.fold(s, b);
      const list = this.open.get(e.id);
      if (list === undefined) this.open.set(e.id, [s]);
      else list.push(s);
      this.expiries.push(e.expires, e.id);
    }
  }

  advance(lowMs: number, emit: Emit): void {
    if (lowMs <= this.low) return;
    this.low = lowMs;
    const ex = this.expiries;
    while (ex.size > 0 && ex.peekTime() < lowMs) {
      const id = ex.peekKey();
      ex.pop();
      const list = this.open.get(id);
      if (list === undefined) continue;
      const still = list.filter((s) => s.auction.expires >= lowMs);
      for (const s of list) if (s.auction.expires < lowMs) this.close(s, emit);
      if (still.length === 0) this.open.delete(id);
      else this.open.set(id, still);
    }
    const wt = this.waitTimers;
    while (wt.size > 0 && wt.peekTime() < lowMs) {
      const id = wt.peekKey();
      wt.pop();
      const list = this.waiting.get(id);
      if (list === undefined) continue;
      const still = list.filter((b) => b.dateTime >= lowMs);
      if (still.length === 0) this.waiting.delete(id);
      else this.waiting.set(id, still);
    }
  }

  end(emit: Emit): void {
    for (const list of this.open.values()) for (const s of list) this.close(s, emit);
    this.open.clear();
    this.waiting.clear();
  }
}

function matches(a: Auction, b: Bid): boolean {
  return a.dateTime <= b.dateTime && b.dateTime <= a.expires;
}
