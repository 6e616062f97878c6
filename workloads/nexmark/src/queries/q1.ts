import type { Emit, Row, StreamingQuery, Workload } from '@streamscore/core';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
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

/** Oracle: every bid with its price converted; the decimal is written out exactly, as text. */
export function q1Reference(events: readonly NexmarkEvent[]): Row[] {
  const rows: Row[] = [];
  for (const e of events) {
    if (e.type !== 'bid') continue;
    const milli = BigInt(e.price) * 908n; // 0.908 × price in thousandths, exactly
    const price = `${milli / 1000n}.${String(milli % 1000n).padStart(3, '0')}`;
    rows.push({ auction: e.auction, bidder: e.bidder, price, dateTime: e.dateTime, extra: e.extra });
  }
  return rows;
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
  streaming: () => new Q1Streaming(),
  partitioning: { kind: 'any' },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q1'), 'microbatch-sql': microbatchSql('q1') },
};
