/**
 * NEXMark events, field for field as Apache Beam's model classes (org.apache.beam.sdk.nexmark
 * .model.Person/Auction/Bid). Times are ms since the epoch. `channel`/`url` exist only when the
 * generator runs with `withChannelAndUrl` (the nexmark/nexmark Flink suite's extra bid fields).
 */

export interface Person {
  type: 'person';
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  dateTime: number;
  extra: string;
}

export interface Auction {
  type: 'auction';
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  dateTime: number;
  expires: number;
  seller: number;
  category: number;
  extra: string;
}

export interface Bid {
  type: 'bid';
  auction: number;
  bidder: number;
  price: number;
  dateTime: number;
  extra: string;
  channel?: string;
  url?: string;
}

export type NexmarkEvent = Person | Auction | Bid;

export type NexmarkEventType = NexmarkEvent['type'];
