import { createHash } from 'node:crypto';
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';

/**
 * Text forms of NEXMark events.
 *
 * JSONL: one JSON object per event, fields in model order (`type` first, times as epoch ms).
 *
 * CSV: ONE wide header for all three types, laid out like nexmark-flink's single-table schema
 * (ddl_gen.sql): `event_type` (0 person, 1 auction, 2 bid, as Flink's INT column), then the person
 * columns, the auction columns and the bid columns (bid columns in Flink's order, channel and url
 * included and empty when absent), each prefixed with its type, then `dateTime`, the event time
 * of whichever type the row holds. Cells of the other types are empty. Times are epoch ms. Cells
 * are quoted (RFC 4180) only when they contain a comma, quote, CR or LF, which generated data never
 * does. One header keeps a mixed stream in one file and loads straight into one table.
 *
 * Neither format adds the line terminator: callers write '\n' after each line.
 */

export type EventFormat = 'jsonl' | 'csv';

const PERSON_FIELDS = ['id', 'name', 'emailAddress', 'creditCard', 'city', 'state', 'dateTime', 'extra'] as const;
const AUCTION_FIELDS = [
  'id', 'itemName', 'description', 'initialBid', 'reserve', 'dateTime', 'expires', 'seller', 'category', 'extra',
] as const;
const BID_FIELDS = ['auction', 'bidder', 'price', 'channel', 'url', 'dateTime', 'extra'] as const;

export const CSV_COLUMNS: readonly string[] = [
  'event_type',
  ...PERSON_FIELDS.map((f) => `person_${f}`),
  ...AUCTION_FIELDS.map((f) => `auction_${f}`),
  ...BID_FIELDS.map((f) => `bid_${f}`),
  'dateTime',
];

/** The CSV header line (no terminator). */
export function csvHeader(): string {
  return CSV_COLUMNS.join(',');
}

const NEEDS_QUOTES = /[",\r\n]/;

function cell(s: string): string {
  return NEEDS_QUOTES.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

const EMPTY_PERSON = ','.repeat(PERSON_FIELDS.length);
const EMPTY_AUCTION = ','.repeat(AUCTION_FIELDS.length);
const EMPTY_BID = ','.repeat(BID_FIELDS.length);

function personCells(p: Person): string {
  return (
    ',' + p.id + ',' + cell(p.name) + ',' + cell(p.emailAddress) + ',' + cell(p.creditCard) + ',' + cell(p.city) +
    ',' + cell(p.state) + ',' + p.dateTime + ',' + cell(p.extra)
  );
}

function auctionCells(a: Auction): string {
  return (
    ',' + a.id + ',' + cell(a.itemName) + ',' + cell(a.description) + ',' + a.initialBid + ',' + a.reserve +
    ',' + a.dateTime + ',' + a.expires + ',' + a.seller + ',' + a.category + ',' + cell(a.extra)
  );
}

function bidCells(b: Bid): string {
  return (
    ',' + b.auction + ',' + b.bidder + ',' + b.price + ',' + cell(b.channel ?? '') + ',' + cell(b.url ?? '') +
    ',' + b.dateTime + ',' + cell(b.extra)
  );
}

/** One CSV row under csvHeader() (no terminator). */
export function csvRow(e: NexmarkEvent): string {
  switch (e.type) {
    case 'person':
      return '0' + personCells(e) + EMPTY_AUCTION + EMPTY_BID + ',' + e.dateTime;
    case 'auction':
      return '1' + EMPTY_PERSON + auctionCells(e) + EMPTY_BID + ',' + e.dateTime;
    case 'bid':
      return '2' + EMPTY_PERSON + EMPTY_AUCTION + bidCells(e) + ',' + e.dateTime;
  }
}

/** One JSON line (no terminator), fields in model order. */
export function jsonLine(e: NexmarkEvent): string {
  return JSON.stringify(e);
}

/** An event in the given format, without the line terminator. */
export function formatEvent(e: NexmarkEvent, format: EventFormat): string {
  return format === 'csv' ? csvRow(e) : jsonLine(e);
}

/**
 * The canonical line the Beam parity digest is taken over (tools/beam-parity, Main.canonical):
 * type, then every field in model order, separated by '|', times as epoch ms. Bids of the Flink
 * variant append `|channel|url`. Generated strings never contain '|' or '\n'.
 */
export function canonicalLine(e: NexmarkEvent): string {
  switch (e.type) {
    case 'person':
      return (
        'person|' + e.id + '|' + e.name + '|' + e.emailAddress + '|' + e.creditCard + '|' + e.city + '|' + e.state +
        '|' + e.dateTime + '|' + e.extra
      );
    case 'auction':
      return (
        'auction|' + e.id + '|' + e.itemName + '|' + e.description + '|' + e.initialBid + '|' + e.reserve + '|' +
        e.dateTime + '|' + e.expires + '|' + e.seller + '|' + e.category + '|' + e.extra
      );
    case 'bid': {
      const line = 'bid|' + e.auction + '|' + e.bidder + '|' + e.price + '|' + e.dateTime + '|' + e.extra;
      return e.channel === undefined ? line : line + '|' + e.channel + '|' + (e.url ?? '');
    }
  }
}

/** SHA-256 (hex) over canonicalLine(e) + '\n' for each event, in order. */
export function canonicalDigest(events: Iterable<NexmarkEvent>): string {
  const hash = createHash('sha256');
  let batch = '';
  for (const e of events) {
    batch += canonicalLine(e) + '\n';
    if (batch.length > 1 << 16) {
      hash.update(batch, 'utf8');
      batch = '';
    }
  }
  hash.update(batch, 'utf8');
  return hash.digest('hex');
}
