import type { Emit, IncrementalOracle, Row, StreamingQuery, Workload } from '@streamscore/core';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
  type NexmarkEvent,
  type PerEventParams,
  nexmarkSuite,
} from './common.js';

class Q0Streaming implements StreamingQuery<NexmarkEvent> {
  onEvent(e: NexmarkEvent, emit: Emit): void {
    if (e.type !== 'bid') return;
    emit({ auction: e.auction, bidder: e.bidder, price: e.price, dateTime: e.dateTime, extra: e.extra });
  }
  onWatermark(): void {}
}

/** Oracle: every bid, projected. */
export function q0Reference(events: readonly NexmarkEvent[]): Row[] {
  const rows: Row[] = [];
  for (const e of events) {
    if (e.type === 'bid') rows.push({ auction: e.auction, bidder: e.bidder, price: e.price, dateTime: e.dateTime, extra: e.extra });
  }
  return rows;
}

/** The oracle in streaming form: a per-event query holds no state. */
export function q0Oracle(): IncrementalOracle<NexmarkEvent> {
  return {
    push: (e, emit) => {
      if (e.type === 'bid') emit({ auction: e.auction, bidder: e.bidder, price: e.price, dateTime: e.dateTime, extra: e.extra });
    },
    advance: () => {},
    end: () => {},
  };
}

export const q0: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q0',
  ...nexmarkSuite,
  title: 'Pass-through',
  description:
    'Every bid, unchanged (auction, bidder, price, dateTime, extra). Measures the cost of moving events through the platform and back.',
  kind: 'per-event',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'auction', type: 'bigint' },
      { name: 'bidder', type: 'bigint' },
      { name: 'price', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
      { name: 'extra', type: 'string' },
    ],
    dueTimeColumn: 'dateTime',
  },
  reference: (events) => q0Reference(events),
  incrementalReference: () => q0Oracle(),
  streaming: () => new Q0Streaming(),
  partitioning: { kind: 'any' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q0'), 'microbatch-sql': microbatchSql('q0') },
};
