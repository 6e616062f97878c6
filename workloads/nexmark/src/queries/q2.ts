import type { Emit, IncrementalOracle, Row, StreamingQuery, Workload } from '@streamscore/core';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
  type NexmarkEvent,
  type PerEventParams,
  nexmarkSuite,
} from './common.js';

/** Every 123rd auction: nexmark/nexmark q2.sql (`MOD(auction, 123) = 0`) and Beam's auctionSkip default. */
export const Q2_AUCTION_SKIP = 123;

class Q2Streaming implements StreamingQuery<NexmarkEvent> {
  onEvent(e: NexmarkEvent, emit: Emit): void {
    if (e.type !== 'bid' || e.auction % Q2_AUCTION_SKIP !== 0) return;
    emit({ auction: e.auction, price: e.price, dateTime: e.dateTime });
  }
  onWatermark(): void {}
}

/** Oracle: the bids whose auction id is a multiple of 123. */
export function q2Reference(events: readonly NexmarkEvent[]): Row[] {
  return events
    .filter((e) => e.type === 'bid')
    .filter((b) => b.auction % Q2_AUCTION_SKIP === 0)
    .map((b) => ({ auction: b.auction, price: b.price, dateTime: b.dateTime }));
}

/** The oracle in streaming form: a per-event query holds no state. */
export function q2Oracle(): IncrementalOracle<NexmarkEvent> {
  return {
    push: (e, emit) => {
      if (e.type === 'bid' && e.auction % Q2_AUCTION_SKIP === 0) emit({ auction: e.auction, price: e.price, dateTime: e.dateTime });
    },
    advance: () => {},
    end: () => {},
  };
}

export const q2: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q2',
  ...nexmarkSuite,
  title: 'Selection',
  description: 'The auction id, price and time of every bid on an auction whose id is a multiple of 123.',
  kind: 'per-event',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'auction', type: 'bigint' },
      { name: 'price', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
    ],
    dueTimeColumn: 'dateTime',
  },
  reference: (events) => q2Reference(events),
  incrementalReference: () => q2Oracle(),
  streaming: () => new Q2Streaming(),
  partitioning: { kind: 'any' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q2'), 'microbatch-sql': microbatchSql('q2') },
};
