import type { Emit, IncrementalOracle, Row, StreamingQuery, Workload } from '@streamscore/core';
import {
  PerEventParamsSchema,
  flinkSql,
  microbatchSql,
  type Auction,
  type NexmarkEvent,
  type PerEventParams,
  type Person,
  nexmarkSuite,
} from './common.js';

/** q3's filters, from nexmark/nexmark q3.sql (and Beam's Query3). */
export const Q3_CATEGORY = 10;
export const Q3_STATES: readonly string[] = ['OR', 'ID', 'CA'];

interface Seller {
  name: string;
  city: string;
  state: string;
  dateTime: number;
}

function row(p: Seller, a: Auction): Row {
  return { name: p.name, city: p.city, state: p.state, id: a.id, dateTime: p.dateTime > a.dateTime ? p.dateTime : a.dateTime };
}

/**
 * The regular join as Flink runs it, specialised to NEXMark's unique person ids: every person
 * in OR/ID/CA is kept (a join can come at any later time), other people only as "seen" so that
 * their auctions are not buffered; a category-10 auction whose seller has not arrived yet waits
 * for them (NEXMark sellers can be up to 10 people ahead). State grows with the number of people,
 * as Flink's does.
 */
class Q3Streaming implements StreamingQuery<NexmarkEvent> {
  private readonly sellers = new Map<number, Seller>();
  private readonly otherPeople = new Set<number>();
  private readonly waiting = new Map<number, Auction[]>();

  onEvent(e: NexmarkEvent, emit: Emit): void {
    if (e.type === 'auction') {
      if (e.category !== Q3_CATEGORY) return;
      const p = this.sellers.get(e.seller);
      if (p !== undefined) {
        emit(row(p, e));
      } else if (!this.otherPeople.has(e.seller)) {
        const list = this.waiting.get(e.seller);
        if (list === undefined) this.waiting.set(e.seller, [e]);
        else list.push(e);
      }
    } else if (e.type === 'person') {
      if (this.sellers.has(e.id) || this.otherPeople.has(e.id)) return;
      const qualifies = e.state === 'OR' || e.state === 'ID' || e.state === 'CA';
      let p: Seller | undefined;
      if (qualifies) {
        p = { name: e.name, city: e.city, state: e.state, dateTime: e.dateTime };
        this.sellers.set(e.id, p);
      } else {
        this.otherPeople.add(e.id);
      }
      const list = this.waiting.get(e.id);
      if (list !== undefined) {
        this.waiting.delete(e.id);
        if (p !== undefined) for (const a of list) emit(row(p, a));
      }
    }
  }
  onWatermark(): void {}
}

/** Oracle: the SQL join over all events: every (person, auction) pair with seller = id that passes the filters. */
export function q3Reference(events: readonly NexmarkEvent[]): Row[] {
  const people = events.filter((e): e is Person => e.type === 'person' && Q3_STATES.includes(e.state));
  const auctions = events.filter((e): e is Auction => e.type === 'auction' && e.category === Q3_CATEGORY);
  const peopleById = new Map<number, Person[]>();
  for (const p of people) {
    const list = peopleById.get(p.id);
    if (list) list.push(p);
    else peopleById.set(p.id, [p]);
  }
  const rows: Row[] = [];
  for (const a of auctions) {
    for (const p of peopleById.get(a.seller) ?? []) {
      rows.push({ name: p.name, city: p.city, state: p.state, id: a.id, dateTime: Math.max(p.dateTime, a.dateTime) });
    }
  }
  return rows;
}

/**
 * The oracle in streaming form: the same join, emitted when the second of a pair arrives. A
 * regular join can match at any later time, so it keeps every qualifying person and every
 * category-10 auction (only the fields the row needs): keyed state, as Flink's join keeps.
 */
export function q3Oracle(): IncrementalOracle<NexmarkEvent> {
  const people = new Map<number, Person[]>();
  const auctions = new Map<number, { id: number; dateTime: number }[]>();
  const out = (p: Person, a: { id: number; dateTime: number }): Row => ({
    name: p.name, city: p.city, state: p.state, id: a.id, dateTime: Math.max(p.dateTime, a.dateTime),
  });
  return {
    push: (e, emit) => {
      if (e.type === 'person') {
        if (!Q3_STATES.includes(e.state)) return;
        for (const a of auctions.get(e.id) ?? []) emit(out(e, a));
        const list = people.get(e.id);
        if (list) list.push(e);
        else people.set(e.id, [e]);
      } else if (e.type === 'auction') {
        if (e.category !== Q3_CATEGORY) return;
        for (const p of people.get(e.seller) ?? []) emit(out(p, e));
        const a = { id: e.id, dateTime: e.dateTime };
        const list = auctions.get(e.seller);
        if (list) list.push(a);
        else auctions.set(e.seller, [a]);
      }
    },
    advance: () => {},
    end: () => {},
  };
}

export const q3: Workload<NexmarkEvent, PerEventParams> = {
  id: 'nexmark/q3',
  ...nexmarkSuite,
  title: 'Local item suggestion',
  description:
    'Who is selling in Oregon, Idaho or California in category 10, and which auctions: the join of auctions with their sellers, emitted when the later of the two arrives.',
  kind: 'per-event',
  params: PerEventParamsSchema,
  output: {
    columns: [
      { name: 'name', type: 'string' },
      { name: 'city', type: 'string' },
      { name: 'state', type: 'string' },
      { name: 'id', type: 'bigint' },
      { name: 'dateTime', type: 'timestamp' },
    ],
    dueTimeColumn: 'dateTime',
  },
  reference: (events) => q3Reference(events),
  incrementalReference: () => q3Oracle(),
  streaming: () => new Q3Streaming(),
  partitioning: { kind: 'key', key: (e) => (e.type === 'person' ? e.id : e.type === 'auction' ? e.seller : e.bidder) },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: 0 }),
  sql: { 'flink-sql': flinkSql('q3'), 'microbatch-sql': microbatchSql('q3') },
};
