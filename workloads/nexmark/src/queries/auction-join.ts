import { type Emit, type StreamingQuery } from '@streamscore/core';
import { TimerQueue } from '@streamscore/streaming';
import type { Auction, Bid, NexmarkEvent } from './common.js';

/** How many closed auction ids are remembered so that bids for them are dropped at once. */
const CLOSED_MEMORY = 1 << 16;

/** q4's and q9's join condition: the bid falls within the auction, ends included (SQL BETWEEN). */
export function bidInAuction(a: Auction, b: Bid): boolean {
  return a.dateTime <= b.dateTime && b.dateTime <= a.expires;
}

export interface AuctionState {
  readonly auction: Auction;
}

/**
 * The streaming state q4 and q9 share: the join `auction.id = bid.auction AND bid.dateTime
 * BETWEEN auction.dateTime AND auction.expires`, emitting as matches arrive (as Flink's regular
 * join does), with the state bounded by event time:
 *
 * - an auction is open from its arrival until the watermark reaches its expiry; its state is
 *   then released (Flink's regular join would keep it forever). A bid for a closed auction is
 *   dropped: it is either after the expiry (no match) or late;
 * - a bid that arrives before its auction (NEXMark bids may name one of the next 10 auctions,
 *   and out-of-order groups shuffle neighbours) waits for it until the watermark reaches the
 *   bid's time; an auction arriving after that would be late.
 *
 * Without late events (out-of-orderness below the watermark delay) this is exactly the SQL's
 * answer; the oracle assumes it. Subclasses fold matching bids into their per-auction state.
 */
export abstract class AuctionJoin<S extends AuctionState> implements StreamingQuery<NexmarkEvent> {
  private readonly open = new Map<number, S>();
  private readonly expiries = new TimerQueue(1024);
  private readonly waiting = new Map<number, Bid[]>();
  private readonly waitTimers = new TimerQueue(1024);
  private readonly closed = new Set<number>();
  private readonly closedRing = new Float64Array(CLOSED_MEMORY);
  private closedNext = 0;
  private watermark = Number.NEGATIVE_INFINITY;

  /** New state for an auction that just opened. */
  protected abstract openAuction(a: Auction): S;
  /** Folds a matching bid in; true if the query's answer may have changed. */
  protected abstract addBid(s: S, b: Bid): boolean;
  /** Emits the query's answer after a change caused by this auction. */
  protected abstract emitChange(s: S, emit: Emit): void;

  onEvent(e: NexmarkEvent, emit: Emit): void {
    if (e.type === 'bid') {
      const s = this.open.get(e.auction);
      if (s !== undefined) {
        if (bidInAuction(s.auction, e) && this.addBid(s, e)) this.emitChange(s, emit);
        return;
      }
      if (this.closed.has(e.auction) || e.dateTime <= this.watermark) return;
      const list = this.waiting.get(e.auction);
      if (list === undefined) this.waiting.set(e.auction, [e]);
      else list.push(e);
      this.waitTimers.push(e.dateTime, e.auction);
    } else if (e.type === 'auction') {
      if (this.open.has(e.id) || this.closed.has(e.id)) return; // ids are unique in NEXMark
      if (e.expires <= this.watermark) {
        this.remember(e.id);
        return;
      }
      const s = this.openAuction(e);
      this.open.set(e.id, s);
      this.expiries.push(e.expires, e.id);
      const list = this.waiting.get(e.id);
      if (list !== undefined) {
        this.waiting.delete(e.id);
        let changed = false;
        for (const b of list) if (bidInAuction(e, b) && this.addBid(s, b)) changed = true;
        if (changed) this.emitChange(s, emit);
      }
    }
  }

  onWatermark(watermarkMs: number): void {
    this.watermark = watermarkMs;
    const ex = this.expiries;
    while (ex.size > 0 && ex.peekTime() <= watermarkMs) {
      const id = ex.peekKey();
      ex.pop();
      if (this.open.delete(id)) this.remember(id);
    }
    const wt = this.waitTimers;
    while (wt.size > 0 && wt.peekTime() <= watermarkMs) {
      const id = wt.peekKey();
      wt.pop();
      const list = this.waiting.get(id);
      if (list === undefined) continue;
      let kept = 0;
      for (let i = 0; i < list.length; i++) {
        const b = list[i]!;
        if (b.dateTime > watermarkMs) list[kept++] = b;
      }
      if (kept === 0) this.waiting.delete(id);
      else list.length = kept;
    }
  }

  /** Open auctions and waiting bids, for tests and metrics. */
  get stateSize(): { openAuctions: number; waitingAuctions: number } {
    return { openAuctions: this.open.size, waitingAuctions: this.waiting.size };
  }

  private remember(id: number): void {
    const slot = this.closedNext;
    if (this.closed.size >= CLOSED_MEMORY) this.closed.delete(this.closedRing[slot]!);
    this.closedRing[slot] = id;
    this.closed.add(id);
    this.closedNext = (slot + 1) % CLOSED_MEMORY;
  }
}
