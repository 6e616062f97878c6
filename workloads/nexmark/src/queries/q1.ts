import type { Emit, IncrementalOracle, Row, StreamingQuery, Workload } from '@streamscore/core';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
  type Bid,
  type NexmarkEvent,
  type PerEventParams,
  nexmarkSuite,
} from './common.js';

/*
 * Euros = 0.908 × dollars, as nexmark/nexmark's q1.sql (DECIMAL(23, 3)); Beam's Query1Model uses
 * price * 89 / 100 in integer arithmetic instead (docs/workloads/nexmark.md). price * 908 is an
 * exact integer below 2^53, so dividing by 1000 gives the double nearest the exact decimal, which
 * rounds to it at 3 places.
 */
function euros(price: number): number {
  return (price * 908) / 1000;
}

class Q1Streaming implements StreamingQuery<NexmarkEvent> {
  onEvent(e: NexmarkEvent, emit: Emit): void {
    if (e.type !== 'bid') return;
    emit({ auction: e.auction, bidder: e.bidder, price: euros(e.price), dateTime: e.dateTime, extra: e.extra });
  }
  onWatermark(): void {}
}

/** The oracle's row for a bid: the decimal is written out exactly, as text. */
function q1Row(e: Bid): Row {
  const milli = BigInt(e.price) * 908n; // 0.908 × price in thousandths, exactly
  const price = `${milli / 1000n}.${String(milli % 1000n).padStart(3, '0')}`;
  return { auction: e.auction, bidder: e.bidder, price, dateTime: e.dateTime, extra: e.extra };
}

/** Oracle: every bid with its price converted. */
export function q1Reference(events: readonly NexmarkEvent[]): Row[] {
  const rows: Row[] = [];
  for (const e of events) if (e.type === 'bid') rows.push(q1Row(e));
  return rows;
}

/** The oracle in streaming form: a per-event query holds no state. */
export function q1Oracle(): IncrementalOracle<NexmarkEvent> {
  return {
    push: (e, emit) => {
      if (e.type === 'bid') emit(q1Row(e));
    },
    advance: () => {},
    end: () => {},
  };
}

export const q1: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q1',
  ...nexmarkSuite,
  title: 'Currency conversion',
  description: 'Every bid with its price converted from dollars to euros at 0.908 (DECIMAL(23, 3)).',
  kind: 'per-event',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'auction', type: 'bigint' },
      { name: 'bidder', type: 'bigint' },
      { name: 'price', type: 'decimal' },
      { name: 'dateTime', type: 'timestamp' },
      { name: 'extra', type: 'string' },
    ],
    dueTimeColumn: 'dateTime',
    decimalPlaces: 3,
  },
  reference: (events) => q1Reference(events),
  incrementalReference: () => q1Oracle(),
  streaming: () => new Q1Streaming(),
  partitioning: { kind: 'any' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q1'), 'microbatch-sql': microbatchSql('q1') },
};
