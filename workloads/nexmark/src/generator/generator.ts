import { NexmarkConfigSchema, type NexmarkConfig, type NexmarkConfigInput } from './config.js';
import { JavaRandom } from './java-random.js';
import type { Auction, Bid, NexmarkEvent, Person } from './model.js';
import { StringDrawer, pad4 } from './strings.js';
import { BeamTimeline, beamTimeline } from './timeline.js';
import type { EventSource, Timeline } from './types.js';

/*
 * A port of Apache Beam's NEXMark generator (sdks/java/testing/nexmark, package
 * org.apache.beam.sdk.nexmark.sources.generator), event for event:
 *
 *  - event number n = firstEventNumber + count; with out-of-order groups of size g the event is
 *    generated for the adjusted number floor(n/g)*g + (n*953 mod g);
 *  - event id = firstEventId + adjusted number; type by id mod 50 (1 person, 3 auctions, 46 bids);
 *  - a fresh java.util.Random seeded with the event id draws the fields in Beam's order;
 *  - the event time is Beam's timeline at the adjusted number; the wall-clock due time uses the
 *    unadjusted one.
 */

/** Person/auction ids and categories start here (GeneratorConfig.FIRST_*). */
export const FIRST_PERSON_ID = 1000;
export const FIRST_AUCTION_ID = 1000;
export const FIRST_CATEGORY_ID = 10;
export const PERSON_PROPORTION = 1;
export const AUCTION_PROPORTION = 3;
export const BID_PROPORTION = 46;
export const PROPORTION_DENOMINATOR = PERSON_PROPORTION + AUCTION_PROPORTION + BID_PROPORTION;

const NUM_CATEGORIES = 5;
const HOT_SELLER_RATIO = 100;
const HOT_AUCTION_RATIO = 100;
const HOT_BIDDER_RATIO = 100;
const PERSON_ID_LEAD = 10;
const AUCTION_ID_LEAD = 10;
const INT_MAX = 2147483647;

const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'] as const;
const US_CITIES = [
  'Phoenix', 'Los Angeles', 'San Francisco', 'Boise', 'Portland',
  'Bend', 'Redmond', 'Seattle', 'Kent', 'Cheyenne',
] as const;
const FIRST_NAMES = ['Peter', 'Paul', 'Luke', 'John', 'Saul', 'Vicky', 'Kate', 'Julie', 'Sarah', 'Deiter', 'Walter'] as const;
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'] as const;

/** Java long division for the non-negative values used here. */
function div(a: number, b: number): number {
  return Math.trunc(a / b);
}

/** Beam's lastBase0PersonId: the last person (base 0) generated at or before this event id. */
export function lastBase0PersonId(eventId: number): number {
  const epoch = div(eventId, PROPORTION_DENOMINATOR);
  let offset = eventId - epoch * PROPORTION_DENOMINATOR;
  if (offset >= PERSON_PROPORTION) offset = PERSON_PROPORTION - 1;
  return epoch * PERSON_PROPORTION + offset;
}

/** Beam's lastBase0AuctionId: the last auction (base 0) generated at or before this event id. */
export function lastBase0AuctionId(eventId: number): number {
  let epoch = div(eventId, PROPORTION_DENOMINATOR);
  let offset = eventId - epoch * PROPORTION_DENOMINATOR;
  if (offset < PERSON_PROPORTION) {
    epoch--;
    offset = AUCTION_PROPORTION - 1;
  } else if (offset >= PERSON_PROPORTION + AUCTION_PROPORTION) {
    offset = AUCTION_PROPORTION - 1;
  } else {
    offset -= PERSON_PROPORTION;
  }
  return epoch * AUCTION_PROPORTION + offset;
}

/** Beam's LongGenerator.nextLong(random, n). */
function nextLongBelow(rnd: JavaRandom, n: number): number {
  if (n < INT_MAX) return rnd.nextIntBound(n);
  // Beam's skewed large-range path: abs(nextLong() % n).
  const v = rnd.nextLongBigInt() % BigInt(n);
  return Number(v < 0n ? -v : v);
}

/**
 * Beam's PriceGenerator.nextPrice: Math.round(Math.pow(10, nextDouble() * 6) * 100), log-uniform
 * cents in [100, 1e8].
 *
 * Math.pow costs ~55 ns here, Math.exp ~13 ns. exp(x ln 10) is within ~1e-14 (relative) of
 * pow(10, x), so both round to the same integer unless the value lies within that distance of a
 * half-integer; only then (about 1 draw in 10^5) is Math.pow itself used. The result is always
 * exactly Math.round(Math.pow(10, x) * 100).
 */
function nextPrice(rnd: JavaRandom): number {
  const x = rnd.nextDouble() * 6;
  const approx = Math.exp(x * Math.LN10) * 100;
  const rounded = Math.round(approx);
  const fromHalf = Math.abs(Math.abs(approx - rounded) - 0.5);
  if (fromHalf > approx * 1e-12 + 1e-9) return rounded;
  return Math.round(Math.pow(10, x) * 100);
}

/** Beam's maxEvents for numEvents = 0: Long.MAX_VALUE / (50 * max average size). */
export function beamUnboundedMaxEvents(config: NexmarkConfig): number {
  const biggest = Math.max(config.avgPersonByteSize, config.avgAuctionByteSize, config.avgBidByteSize);
  return Number(9223372036854775807n / (BigInt(PROPORTION_DENOMINATOR) * BigInt(biggest)));
}

// ---- nexmark-flink channel/url (deterministic variant) ----

const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'] as const;
const CHANNELS_NUMBER = 10_000;
const HOT_CHANNELS_RATIO = 2;
/** Seed of the URL tables: nexmark-flink fills them from an unseeded RNG; we fix one. */
const URL_TABLE_SEED = 0x4e45584d; // "NEXM"

interface ChannelTables {
  hotUrls: string[];
  channels: string[];
  urls: string[];
}
let channelTables: ChannelTables | undefined;

/**
 * nexmark-flink's URL tables, built the same way (4 hot URLs, then for channel i a URL with
 * `&channel_id=abs(Integer.reverse(i))` 9 times out of 10) but from a fixed-seed JavaRandom, so
 * they are the same on every machine.
 */
export function nexmarkChannelTables(): Readonly<ChannelTables> {
  if (channelTables) return channelTables;
  const rnd = new JavaRandom(URL_TABLE_SEED);
  const strings = new StringDrawer(64);
  const UNDERSCORE = 95;
  const baseUrl = (): string =>
    'https://www.nexmark.com/' +
    strings.nextString(rnd, 5, UNDERSCORE) + '/' +
    strings.nextString(rnd, 5, UNDERSCORE) + '/' +
    strings.nextString(rnd, 5, UNDERSCORE) + '/' +
    'item.htm?query=1';
  const hotUrls = [baseUrl(), baseUrl(), baseUrl(), baseUrl()];
  const channels: string[] = [];
  const urls: string[] = [];
  for (let i = 0; i < CHANNELS_NUMBER; i++) {
    let url = baseUrl();
    if (rnd.nextIntBound(10) > 0) {
      // Java: Math.abs(Integer.reverse(i)); abs(MIN_VALUE) stays MIN_VALUE.
      url += '&channel_id=' + (Math.abs(reverseInt32(i)) | 0);
    }
    channels.push('channel-' + i);
    urls.push(url);
  }
  channelTables = { hotUrls, channels, urls };
  return channelTables;
}

/** Java's Integer.reverse. */
function reverseInt32(x: number): number {
  x = ((x & 0x55555555) << 1) | ((x >>> 1) & 0x55555555);
  x = ((x & 0x33333333) << 2) | ((x >>> 2) & 0x33333333);
  x = ((x & 0x0f0f0f0f) << 4) | ((x >>> 4) & 0x0f0f0f0f);
  x = ((x & 0x00ff00ff) << 8) | ((x >>> 8) & 0x00ff00ff);
  return ((x << 16) | (x >>> 16)) | 0;
}

// ---- the generator ----

export interface NexmarkGeneratorOptions {
  /** Event time of every event number. Default: Beam's own timeline for the config. */
  timeline?: Timeline;
  /** Beam's GeneratorConfig.firstEventId (default 0). */
  firstEventId?: number;
  /** Beam's GeneratorConfig.firstEventNumber (default 0). */
  firstEventNumber?: number;
  /** Events to produce. Default: config.numEvents, or Beam's bound when that is 0. */
  maxEvents?: number;
  /**
   * Wall-clock instant of the first event, only used by dueTimeMs when no timeline is given
   * (Beam: wallclockBase + (eventTime - baseTime)). Default: when the first event is produced.
   */
  wallclockBaseMs?: number;
}

/**
 * Beam's Generator as an EventSource. Each event depends only on (config, timeline, event id,
 * adjusted event number), so any range can be produced anywhere, in any split.
 */
export class NexmarkGenerator implements EventSource<NexmarkEvent> {
  readonly config: NexmarkConfig;
  readonly timeline: Timeline;
  readonly firstEventId: number;
  readonly firstEventNumber: number;
  readonly maxEvents: number;
  /** True when the timeline came from the caller (then it is also the wall clock). */
  private externalTimeline: boolean;
  private wallclockBaseMs: number;
  private count = 0;

  private readonly rnd = new JavaRandom();
  private readonly strings = new StringDrawer();
  // Config copied to fields for the hot path.
  private readonly oooGroup: number;
  private readonly hotAuctionRatio: number;
  private readonly hotBiddersRatio: number;
  private readonly hotSellersRatio: number;
  private readonly numActivePeople: number;
  private readonly numInFlightAuctions: number;
  private readonly avgPersonByteSize: number;
  private readonly avgAuctionByteSize: number;
  private readonly avgBidByteSize: number;
  private readonly withChannelAndUrl: boolean;
  /** Events until numInFlightAuctions more auctions exist: the auction-length horizon. */
  private readonly numEventsForAuctions: number;

  constructor(config: NexmarkConfig | NexmarkConfigInput, opts: NexmarkGeneratorOptions = {}) {
    const cfg = NexmarkConfigSchema.parse(config);
    this.config = cfg;
    this.externalTimeline = opts.timeline !== undefined;
    this.timeline = opts.timeline ?? beamTimeline(cfg);
    this.firstEventId = opts.firstEventId ?? 0;
    this.firstEventNumber = opts.firstEventNumber ?? 0;
    this.maxEvents = opts.maxEvents ?? (cfg.numEvents === 0 ? beamUnboundedMaxEvents(cfg) : cfg.numEvents);
    for (const [k, v] of [['firstEventId', this.firstEventId], ['firstEventNumber', this.firstEventNumber], ['maxEvents', this.maxEvents]] as const) {
      if (!Number.isSafeInteger(v) || v < 0) throw new RangeError(`${k} must be a non-negative safe integer, got ${v}`);
    }
    this.wallclockBaseMs = opts.wallclockBaseMs ?? -1;
    this.oooGroup = cfg.outOfOrderGroupSize;
    this.hotAuctionRatio = cfg.hotAuctionRatio;
    this.hotBiddersRatio = cfg.hotBiddersRatio;
    this.hotSellersRatio = cfg.hotSellersRatio;
    this.numActivePeople = cfg.numActivePeople;
    this.numInFlightAuctions = cfg.numInFlightAuctions;
    this.avgPersonByteSize = cfg.avgPersonByteSize;
    this.avgAuctionByteSize = cfg.avgAuctionByteSize;
    this.avgBidByteSize = cfg.avgBidByteSize;
    this.withChannelAndUrl = cfg.withChannelAndUrl;
    this.numEventsForAuctions = div(cfg.numInFlightAuctions * PROPORTION_DENOMINATOR, AUCTION_PROPORTION);
    if (cfg.withChannelAndUrl) nexmarkChannelTables();
  }

  /** Number of the event next() returns (unadjusted). */
  get nextEventNumber(): number {
    return this.firstEventNumber + this.count;
  }

  /** Events produced so far. */
  get eventsCountSoFar(): number {
    return this.count;
  }

  /** Id of the event next() returns (Beam's getNextEventId). */
  get nextEventId(): number {
    return this.firstEventId + this.adjustedEventNumber(this.firstEventNumber + this.count);
  }

  hasNext(): boolean {
    return this.count < this.maxEvents;
  }

  /** Beam's nextAdjustedEventNumber: the number an event is generated (and stamped) for. */
  adjustedEventNumber(eventNumber: number): number {
    const g = this.oooGroup;
    if (g === 1) return eventNumber;
    const base = Math.floor(eventNumber / g) * g;
    // (eventNumber * 953) mod g, kept in the safe-integer range.
    if (g <= 67_108_864) return base + (((eventNumber % g) * (953 % g)) % g);
    return base + Number((BigInt(eventNumber) * 953n) % BigInt(g));
  }

  /** Beam's NextEvent.watermark: event time of the start of this event's out-of-order group. */
  watermarkMs(eventNumber: number): number {
    const g = this.oooGroup;
    return this.timeline.timestampMs(Math.floor(eventNumber / g) * g);
  }

  /**
   * Wall-clock instant the event with this (unadjusted) number falls due. With a caller's
   * timeline it is that timeline's time (one clock); with Beam's own it is Beam's rule:
   * wallclockBase + (eventTime(n) - baseTime), the base being the instant of the first event.
   */
  dueTimeMs(eventNumber: number): number {
    const t = this.timeline.timestampMs(eventNumber);
    if (this.externalTimeline || !(this.timeline instanceof BeamTimeline)) return t;
    if (this.wallclockBaseMs < 0) this.wallclockBaseMs = Date.now();
    return this.wallclockBaseMs + (t - this.timeline.baseTimeMs);
  }

  next(): NexmarkEvent {
    if (this.count >= this.maxEvents) throw new RangeError('NexmarkGenerator: no more events');
    if (this.wallclockBaseMs < 0 && !this.externalTimeline) this.wallclockBaseMs = Date.now();
    const adjusted = this.adjustedEventNumber(this.firstEventNumber + this.count);
    this.count++;
    return this.eventFor(adjusted);
  }

  /** The event Beam generates for this adjusted event number (pure; does not advance). */
  eventFor(adjustedEventNumber: number): NexmarkEvent {
    const eventId = this.firstEventId + adjustedEventNumber;
    const timestamp = this.timeline.timestampMs(adjustedEventNumber);
    this.rnd.setSeed(eventId);
    // eventId mod 50 without `%`, which falls back to a slow fmod once ids pass 2^31.
    const rem = eventId - Math.floor(eventId / PROPORTION_DENOMINATOR) * PROPORTION_DENOMINATOR;
    if (rem >= PERSON_PROPORTION + AUCTION_PROPORTION) return this.nextBid(eventId, timestamp);
    if (rem < PERSON_PROPORTION) return this.nextPerson(eventId, timestamp);
    return this.nextAuction(adjustedEventNumber, eventId, timestamp);
  }

  /** Beam's GeneratorConfig.split(n): n generators with disjoint id ranges on one timeline. */
  split(n: number): NexmarkGenerator[] {
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`split needs n >= 1, got ${n}`);
    if (n === 1) return [this];
    const out: NexmarkGenerator[] = [];
    let subMaxEvents = Math.floor(this.maxEvents / n);
    let subFirstEventId = this.firstEventId;
    for (let i = 0; i < n; i++) {
      if (i === n - 1) subMaxEvents = this.maxEvents - subMaxEvents * (n - 1);
      const opts: NexmarkGeneratorOptions = {
        timeline: this.timeline,
        firstEventId: subFirstEventId,
        firstEventNumber: this.firstEventNumber,
        maxEvents: subMaxEvents,
      };
      if (this.wallclockBaseMs >= 0) opts.wallclockBaseMs = this.wallclockBaseMs;
      const g = new NexmarkGenerator(this.config, opts);
      // Keep Beam's wall-clock rule when the parent used Beam's own timeline.
      g.externalTimeline = this.externalTimeline;
      out.push(g);
      subFirstEventId += subMaxEvents;
    }
    return out;
  }

  // ---- Beam's model generators ----

  private nextBase0PersonId(eventId: number): number {
    const numPeople = lastBase0PersonId(eventId) + 1;
    const activePeople = Math.min(numPeople, this.numActivePeople);
    const n = nextLongBelow(this.rnd, activePeople + PERSON_ID_LEAD);
    return numPeople - activePeople + n;
  }

  private nextBase0AuctionId(eventId: number): number {
    const maxAuction = lastBase0AuctionId(eventId);
    const minAuction = Math.max(maxAuction - this.numInFlightAuctions, 0);
    return minAuction + nextLongBelow(this.rnd, maxAuction - minAuction + 1 + AUCTION_ID_LEAD);
  }

  private nextPerson(eventId: number, timestamp: number): Person {
    const rnd = this.rnd;
    const strings = this.strings;
    const id = lastBase0PersonId(eventId) + FIRST_PERSON_ID;
    const name = FIRST_NAMES[rnd.nextIntBound(11)]! + ' ' + LAST_NAMES[rnd.nextIntBound(9)]!;
    const emailAddress = strings.nextString(rnd, 7) + '@' + strings.nextString(rnd, 5) + '.com';
    const c1 = pad4(rnd.nextIntBound(10000));
    const c2 = pad4(rnd.nextIntBound(10000));
    const c3 = pad4(rnd.nextIntBound(10000));
    const creditCard = c1 + ' ' + c2 + ' ' + c3 + ' ' + pad4(rnd.nextIntBound(10000));
    const city = US_CITIES[rnd.nextIntBound(10)]!;
    const state = US_STATES[rnd.nextIntBound(6)]!;
    const currentSize = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    const extra = strings.nextExtra(rnd, currentSize, this.avgPersonByteSize);
    return { type: 'person', id, name, emailAddress, creditCard, city, state, dateTime: timestamp, extra };
  }

  private nextAuction(adjustedEventNumber: number, eventId: number, timestamp: number): Auction {
    const rnd = this.rnd;
    const strings = this.strings;
    const id = lastBase0AuctionId(eventId) + FIRST_AUCTION_ID;
    let seller: number;
    if (rnd.nextIntBound(this.hotSellersRatio) > 0) {
      seller = div(lastBase0PersonId(eventId), HOT_SELLER_RATIO) * HOT_SELLER_RATIO;
    } else {
      seller = this.nextBase0PersonId(eventId);
    }
    seller += FIRST_PERSON_ID;
    const category = FIRST_CATEGORY_ID + rnd.nextIntBound(NUM_CATEGORIES);
    const initialBid = nextPrice(rnd);
    // Auction length: uniform in [1, 2*horizon], horizon = time until numInFlightAuctions more
    // auctions have been generated (Beam: nextAuctionLengthMs, at the adjusted event number).
    const futureAuction = this.timeline.timestampMs(adjustedEventNumber + this.numEventsForAuctions);
    const horizonMs = futureAuction - timestamp;
    const expires = timestamp + 1 + nextLongBelow(rnd, Math.max(horizonMs * 2, 1));
    const itemName = strings.nextString(rnd, 20);
    const description = strings.nextString(rnd, 100);
    const reserve = initialBid + nextPrice(rnd);
    const currentSize = 8 + itemName.length + description.length + 8 + 8 + 8 + 8 + 8;
    const extra = strings.nextExtra(rnd, currentSize, this.avgAuctionByteSize);
    return {
      type: 'auction', id, itemName, description, initialBid, reserve,
      dateTime: timestamp, expires, seller, category, extra,
    };
  }

  private nextBid(eventId: number, timestamp: number): Bid {
    const rnd = this.rnd;
    let auction: number;
    if (rnd.nextIntBound(this.hotAuctionRatio) > 0) {
      auction = div(lastBase0AuctionId(eventId), HOT_AUCTION_RATIO) * HOT_AUCTION_RATIO;
    } else {
      auction = this.nextBase0AuctionId(eventId);
    }
    auction += FIRST_AUCTION_ID;
    let bidder: number;
    if (rnd.nextIntBound(this.hotBiddersRatio) > 0) {
      bidder = div(lastBase0PersonId(eventId), HOT_BIDDER_RATIO) * HOT_BIDDER_RATIO + 1;
    } else {
      bidder = this.nextBase0PersonId(eventId);
    }
    bidder += FIRST_PERSON_ID;
    const price = nextPrice(rnd);
    if (this.withChannelAndUrl) return this.nextFlinkBid(auction, bidder, price, timestamp);
    const extra = this.strings.nextExtra(rnd, 32, this.avgBidByteSize);
    return { type: 'bid', auction, bidder, price, dateTime: timestamp, extra };
  }

  /** nexmark-flink's bid: channel/url drawn after price, before extra (its bidder bug not kept). */
  private nextFlinkBid(auction: number, bidder: number, price: number, timestamp: number): Bid {
    const rnd = this.rnd;
    const tables = channelTables!;
    let channel: string;
    let url: string;
    if (rnd.nextIntBound(HOT_CHANNELS_RATIO) > 0) {
      const i = rnd.nextIntBound(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i]!;
      url = tables.hotUrls[i]!;
    } else {
      const i = rnd.nextIntBound(CHANNELS_NUMBER);
      channel = tables.channels[i]!;
      url = tables.urls[i]!;
    }
    const extra = this.strings.nextExtra(rnd, 32, this.avgBidByteSize);
    return { type: 'bid', auction, bidder, price, dateTime: timestamp, extra, channel, url };
  }
}

/** The first `count` events of a config (default options: Beam's timeline, ids from 0). */
export function generateEvents(
  config: NexmarkConfig | NexmarkConfigInput,
  count: number,
  opts: NexmarkGeneratorOptions = {},
): NexmarkEvent[] {
  const g = new NexmarkGenerator(config, { ...opts, maxEvents: opts.maxEvents ?? count });
  const out: NexmarkEvent[] = [];
  while (out.length < count && g.hasNext()) out.push(g.next());
  return out;
}
