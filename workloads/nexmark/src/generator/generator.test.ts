import { describe, expect, it } from 'vitest';
import {
  BEAM_DEFAULT_NEXMARK_CONFIG,
  NexmarkConfigSchema,
  STANDARD_NEXMARK_CONFIG,
  nexmarkConfig,
} from './config.js';
import {
  NexmarkGenerator,
  beamUnboundedMaxEvents,
  generateEvents,
  lastBase0AuctionId,
  lastBase0PersonId,
  nexmarkChannelTables,
} from './generator.js';
import { JavaRandom, LCG_CONSTANTS } from './java-random.js';
import type { Bid, NexmarkEvent } from './model.js';
import { CSV_COLUMNS, canonicalDigest, canonicalLine, csvHeader, formatEvent } from './serialize.js';
import { StringDrawer } from './strings.js';
import { BEAM_BASE_TIME_MS, beamInterEventDelaysUs, beamTimeline, timelineFromSpec } from './timeline.js';
import type { EventSource, Timeline } from './types.js';

describe('config', () => {
  it("has Beam's defaults", () => {
    expect(BEAM_DEFAULT_NEXMARK_CONFIG).toMatchObject({
      numEvents: 100_000,
      numEventGenerators: 100,
      rateShape: 'SINE',
      firstEventRate: 10_000,
      nextEventRate: 10_000,
      rateUnit: 'PER_SECOND',
      ratePeriodSec: 600,
      useWallclockEventTime: false,
      avgPersonByteSize: 200,
      avgAuctionByteSize: 500,
      avgBidByteSize: 100,
      hotAuctionRatio: 2,
      hotSellersRatio: 4,
      hotBiddersRatio: 4,
      numActivePeople: 1000,
      numInFlightAuctions: 100,
      outOfOrderGroupSize: 1,
      withChannelAndUrl: false,
    });
    expect(STANDARD_NEXMARK_CONFIG).toEqual({ ...BEAM_DEFAULT_NEXMARK_CONFIG, numEventGenerators: 1 });
  });

  it('rejects values Beam cannot run with', () => {
    expect(() => nexmarkConfig({ hotAuctionRatio: 0 })).toThrow();
    expect(() => nexmarkConfig({ firstEventRate: 0 })).toThrow();
    expect(() => nexmarkConfig({ outOfOrderGroupSize: 0 })).toThrow();
    expect(() => nexmarkConfig({ rateShape: 'TRIANGLE' as 'SINE' })).toThrow();
    expect(nexmarkConfig({ numEvents: 0 }).numEvents).toBe(0);
  });
});

describe('timeline', () => {
  it("is Beam's integer rule at a constant rate", () => {
    const t = beamTimeline(STANDARD_NEXMARK_CONFIG);
    expect(t.timestampMs(0)).toBe(BEAM_BASE_TIME_MS);
    expect(t.timestampMs(9)).toBe(BEAM_BASE_TIME_MS);
    expect(t.timestampMs(10)).toBe(BEAM_BASE_TIME_MS + 1);
    expect(t.timestampMs(123_456_789)).toBe(BEAM_BASE_TIME_MS + 12_345_678);
    // Beam's default: 100 generators => 10 ms per event.
    expect(beamTimeline(BEAM_DEFAULT_NEXMARK_CONFIG).timestampMs(3)).toBe(BEAM_BASE_TIME_MS + 30);
    expect(t.describe()).toEqual({ kind: 'fixed-rate', baseTimeMs: BEAM_BASE_TIME_MS, interEventDelayUs: 100, numGenerators: 1 });
  });

  it('stays exact past 2^53 intermediate products', () => {
    const t = beamTimeline(nexmarkConfig({ firstEventRate: 1, nextEventRate: 1, rateUnit: 'PER_MINUTE' }), 0);
    // delay = 60e6 us * 100 generators = 6e9 us per event
    const n = 2 ** 40 + 7;
    expect(t.timestampMs(n)).toBe(Number((BigInt(n) * 6_000_000_000n) / 1000n));
  });

  it('rounds rates to periods as Beam (rate/2 bias) and shapes SQUARE/SINE', () => {
    // (1e6 + 6/2) / 6 = 166667 (plain 1e6/6 would truncate to 166666)
    expect(beamInterEventDelaysUs(nexmarkConfig({ firstEventRate: 6, nextEventRate: 6, numEventGenerators: 1 }))).toEqual([
      166_667,
    ]);
    expect(
      beamInterEventDelaysUs(nexmarkConfig({ rateShape: 'SQUARE', firstEventRate: 1000, nextEventRate: 500, numEventGenerators: 2 })),
    ).toEqual([2000, 4000]);
    const sine = beamInterEventDelaysUs(nexmarkConfig({ firstEventRate: 1000, nextEventRate: 100, numEventGenerators: 1 }));
    expect(sine).toHaveLength(10);
    expect(sine[0]).toBe(1000);
    expect(sine[5]).toBe(10_000);
  });

  it('is monotone through rate-shape steps and round-trips through describe()', () => {
    const t = beamTimeline(nexmarkConfig({ rateShape: 'SINE', firstEventRate: 5000, nextEventRate: 1000, ratePeriodSec: 10, numEventGenerators: 1 }));
    let prev = -Infinity;
    for (let n = 0; n < 200_000; n += 37) {
      const ts = t.timestampMs(n);
      expect(ts).toBeGreaterThanOrEqual(prev);
      prev = ts;
    }
    const copy = timelineFromSpec(t.describe());
    for (const n of [0, 1, 4999, 5000, 12_345, 99_999, 1e9]) expect(copy.timestampMs(n)).toBe(t.timestampMs(n));
    const fixed = beamTimeline(STANDARD_NEXMARK_CONFIG);
    expect(timelineFromSpec(fixed.describe()).timestampMs(777_777)).toBe(fixed.timestampMs(777_777));
  });
});

describe('ids', () => {
  it("follows Beam's person/auction id bookkeeping", () => {
    expect([0, 1, 49, 50, 51, 100].map(lastBase0PersonId)).toEqual([0, 0, 0, 1, 1, 2]);
    expect([1, 2, 3, 4, 49, 50, 51].map(lastBase0AuctionId)).toEqual([0, 1, 2, 2, 2, 2, 3]);
  });

  it('types events by id mod 50 and numbers persons/auctions densely from 1000', () => {
    const events = generateEvents(STANDARD_NEXMARK_CONFIG, 5000);
    const persons = events.filter((e) => e.type === 'person');
    const auctions = events.filter((e) => e.type === 'auction');
    expect(persons).toHaveLength(100);
    expect(auctions).toHaveLength(300);
    expect(persons.map((p) => p.id)).toEqual(Array.from({ length: 100 }, (_, i) => 1000 + i));
    expect(auctions.map((a) => a.id)).toEqual(Array.from({ length: 300 }, (_, i) => 1000 + i));
    for (const [i, e] of events.entries()) {
      const rem = i % 50;
      expect(e.type).toBe(rem < 1 ? 'person' : rem < 4 ? 'auction' : 'bid');
    }
  });
});

describe('NexmarkGenerator', () => {
  it('is an EventSource that stops at maxEvents', () => {
    const g: EventSource<NexmarkEvent> = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { maxEvents: 3 });
    expect(g.nextEventNumber).toBe(0);
    g.next();
    g.next();
    expect(g.nextEventNumber).toBe(2);
    expect(g.hasNext()).toBe(true);
    g.next();
    expect(g.hasNext()).toBe(false);
    expect(() => g.next()).toThrow(RangeError);
  });

  it('defaults maxEvents to numEvents, or to Beam’s bound for numEvents = 0', () => {
    expect(new NexmarkGenerator(STANDARD_NEXMARK_CONFIG).maxEvents).toBe(100_000);
    const unbounded = nexmarkConfig({ numEvents: 0 });
    // Long.MAX_VALUE / (50 * 500)
    expect(beamUnboundedMaxEvents(unbounded)).toBe(368934881474191);
    expect(new NexmarkGenerator(unbounded).maxEvents).toBe(368934881474191);
  });

  it('produces the same event for an event number however it gets there', () => {
    const all = generateEvents(STANDARD_NEXMARK_CONFIG, 2000);
    const resumed = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { firstEventNumber: 1500, maxEvents: 500 });
    // firstEventNumber shifts the event number (and so the id) with the same first id.
    for (let i = 0; i < 500; i++) expect(resumed.next()).toEqual(all[1500 + i]);
    const g = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG);
    expect(g.eventFor(1234)).toEqual(all[1234]);
  });

  it('splits into disjoint id ranges on one shared timeline, as GeneratorConfig.split', () => {
    const g = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { maxEvents: 10 });
    const parts = g.split(3);
    expect(parts.map((p) => [p.firstEventId, p.maxEvents, p.firstEventNumber])).toEqual([
      [0, 3, 0],
      [3, 3, 0],
      [6, 4, 0],
    ]);
    expect(parts.every((p) => p.timeline === g.timeline)).toBe(true);
    expect(parts[2]!.nextEventId).toBe(6);
    expect(g.split(1)).toEqual([g]);
  });

  it('shuffles within out-of-order groups and reports the group watermark', () => {
    const cfg = nexmarkConfig({ numEventGenerators: 1, outOfOrderGroupSize: 12 });
    const g = new NexmarkGenerator(cfg, { maxEvents: 24 });
    const ids: number[] = [];
    while (g.hasNext()) {
      ids.push(g.nextEventId);
      g.next();
    }
    expect([...ids].sort((a, b) => a - b)).toEqual(Array.from({ length: 24 }, (_, i) => i));
    expect(ids.slice(0, 12)).not.toEqual(Array.from({ length: 12 }, (_, i) => i));
    expect(g.watermarkMs(17)).toBe(g.timeline.timestampMs(12));
  });

  it('uses a caller timeline for event time and due time', () => {
    const timeline: Timeline = {
      timestampMs: (n) => 1_700_000_000_000 + n * 2,
      describe: () => ({ kind: 'fixed-rate', baseTimeMs: 1_700_000_000_000, interEventDelayUs: 2000 }),
    };
    const g = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { timeline, maxEvents: 100 });
    expect(g.next().dateTime).toBe(1_700_000_000_000);
    expect(g.dueTimeMs(50)).toBe(1_700_000_000_100);
    // Auction expiry looks 1666 events ahead on the same timeline: mean length 1666 * 2 ms.
    const auctions = generateEvents(STANDARD_NEXMARK_CONFIG, 50_000, { timeline }).filter((e) => e.type === 'auction');
    const mean = auctions.reduce((s, a) => s + (a.expires - a.dateTime), 0) / auctions.length;
    expect(mean).toBeGreaterThan(2800);
    expect(mean).toBeLessThan(3900);
  });

  it("with Beam's own timeline, due time is Beam's wallclockBase + (event time - base)", () => {
    const g = new NexmarkGenerator(STANDARD_NEXMARK_CONFIG, { wallclockBaseMs: 5_000 });
    expect(g.dueTimeMs(0)).toBe(5_000);
    expect(g.dueTimeMs(100_000)).toBe(15_000);
    const [a, b] = g.split(2);
    expect(a!.dueTimeMs(10)).toBe(5_001);
    expect(b!.dueTimeMs(10)).toBe(5_001);
  });

  it('keeps padding sizes near the configured averages', () => {
    const events = generateEvents(STANDARD_NEXMARK_CONFIG, 20_000);
    const bids = events.filter((e): e is Bid => e.type === 'bid');
    const lengths = bids.map((b) => b.extra.length);
    expect(Math.min(...lengths)).toBe(54);
    expect(Math.max(...lengths)).toBe(81);
    expect(bids.filter((b) => !/^[H-z]+$/.test(b.extra))).toEqual([]);
  });
});

describe('channel and url (nexmark-flink bid fields)', () => {
  const cfg = nexmarkConfig({ ...STANDARD_NEXMARK_CONFIG, withChannelAndUrl: true });

  it('adds deterministic channel/url drawn after price, keeping auction/bidder/price', () => {
    const beam = generateEvents(STANDARD_NEXMARK_CONFIG, 5000);
    const flink = generateEvents(cfg, 5000);
    const tables = nexmarkChannelTables();
    let hot = 0;
    for (let i = 0; i < beam.length; i++) {
      const a = beam[i]!;
      const b = flink[i]!;
      if (a.type !== 'bid' || b.type !== 'bid') {
        expect(b).toEqual(a);
        continue;
      }
      expect([b.auction, b.bidder, b.price, b.dateTime]).toEqual([a.auction, a.bidder, a.price, a.dateTime]);
      expect(b.channel).toBeDefined();
      if (['Google', 'Facebook', 'Baidu', 'Apple'].includes(b.channel!)) {
        hot++;
        expect(tables.hotUrls).toContain(b.url);
      } else {
        const n = Number(b.channel!.slice('channel-'.length));
        expect(b.url).toBe(tables.urls[n]);
      }
      expect(b.url).toMatch(/^https:\/\/www\.nexmark\.com\/[a-z_]+\/[a-z_]+\/[a-z_]+\/item\.htm\?query=1(&channel_id=-?\d+)?$/);
    }
    expect(hot / 4600).toBeGreaterThan(0.45);
    expect(hot / 4600).toBeLessThan(0.55);
    expect(tables.urls[1]).toMatch(/&channel_id=-2147483648$/); // abs(Integer.reverse(1)) overflows in Java
  });

  it('is pinned (our own variant: a regression pin, not a Beam one)', () => {
    expect(canonicalDigest(generateEvents(cfg, 10_000))).toBe(
      'a5be96e3902085fe9d1d93af294a8b9f7e503d2e33e3507922774ff64abba0e8',
    );
  });
});

describe('serialize', () => {
  const events = generateEvents(nexmarkConfig({ ...STANDARD_NEXMARK_CONFIG, withChannelAndUrl: true }), 60);

  it('writes JSONL in model field order', () => {
    const line = formatEvent(events[0]!, 'jsonl');
    expect(line.startsWith('{"type":"person","id":1000,"name":')).toBe(true);
    for (const e of events) expect(JSON.parse(formatEvent(e, 'jsonl'))).toEqual(e);
  });

  it('writes one wide CSV layout with an event_type column', () => {
    expect(csvHeader().split(',')).toEqual(CSV_COLUMNS);
    expect(CSV_COLUMNS[0]).toBe('event_type');
    for (const e of events) {
      const cells = formatEvent(e, 'csv').split(',');
      expect(cells).toHaveLength(CSV_COLUMNS.length);
      expect(cells[0]).toBe(e.type === 'person' ? '0' : e.type === 'auction' ? '1' : '2');
      expect(cells[cells.length - 1]).toBe(String(e.dateTime));
      const col = (name: string) => cells[CSV_COLUMNS.indexOf(name)];
      if (e.type === 'bid') {
        expect(col('bid_auction')).toBe(String(e.auction));
        expect(col('bid_url')).toBe(e.url);
        expect(col('person_id')).toBe('');
      }
      if (e.type === 'auction') expect(col('auction_expires')).toBe(String(e.expires));
      if (e.type === 'person') expect(col('person_creditCard')).toBe(e.creditCard);
    }
  });

  it('quotes CSV cells only when needed', () => {
    const odd: NexmarkEvent = { type: 'bid', auction: 1, bidder: 2, price: 3, dateTime: 4, extra: 'a,"b"' };
    expect(formatEvent(odd, 'csv').endsWith(',"a,""b""",4')).toBe(true);
  });

  it('has the canonical line of the parity digest', () => {
    expect(canonicalLine({ type: 'bid', auction: 1, bidder: 2, price: 3, dateTime: 4, extra: 'x' })).toBe('bid|1|2|3|4|x');
  });
});

describe('strings', () => {
  it('repeat the LCG constants of java-random', () => {
    expect(LCG_CONSTANTS).toEqual({ MUL_HI: 0x5de, MUL_LO: 0xece66d, ADDEND: 0xb, MASK_24: 0xffffff, INV_TWO_24: 1 / 2 ** 24 });
  });

  it('draw exactly like the plain JavaRandom calls (reference implementation)', () => {
    // Reference: Beam's StringsGenerator written naively on JavaRandom's public methods.
    const refString = (r: JavaRandom, max: number): string => {
      let len = 3 + r.nextIntBound(max - 3);
      let s = '';
      while (len-- > 0) s += r.nextIntBound(13) === 0 ? ' ' : String.fromCharCode(97 + r.nextIntBound(26));
      return s.trim();
    };
    const refExact = (r: JavaRandom, length: number): string => {
      let s = '';
      let rnd = 0;
      let n = 0;
      while (length-- > 0) {
        if (n === 0) {
          rnd = r.nextInt();
          n = 6;
        }
        s += String.fromCharCode(97 + (rnd % 26));
        rnd = (rnd / 26) | 0;
        n--;
      }
      return s;
    };
    const drawer = new StringDrawer(8); // small: exercises growth
    const a = new JavaRandom();
    const b = new JavaRandom();
    for (let seed = 0; seed < 3000; seed++) {
      a.setSeed(seed * 7919);
      b.setSeed(seed * 7919);
      const max = 4 + (seed % 120);
      expect(drawer.nextString(a, max)).toBe(refString(b, max));
      const len = seed % 500;
      expect(drawer.nextExactString(a, len)).toBe(refExact(b, len));
      expect(a.nextInt()).toBe(b.nextInt());
    }
  });
});

describe('schema', () => {
  it('strips unknown keys and fills defaults', () => {
    const parsed = NexmarkConfigSchema.parse({ numEventGenerators: 4, somethingElse: 1 });
    expect(parsed).toEqual({ ...BEAM_DEFAULT_NEXMARK_CONFIG, numEventGenerators: 4 });
  });
});
