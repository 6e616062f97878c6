import { describe, expect, it } from 'vitest';
import { AD_IDS, CAMPAIGN_IDS, campaignTable, NUM_ADS } from './campaigns.js';
import { YsbGenerator, fixedRateTimeline, generateYsbEvents } from './generator.js';
import { mix32, uuidFor } from './hash.js';
import { AD_TYPES, EVENT_TYPES } from './model.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('YSB ids and table', () => {
  it('are UUID-shaped, distinct and fixed', () => {
    expect(new Set(CAMPAIGN_IDS).size).toBe(100);
    expect(new Set(AD_IDS).size).toBe(1000);
    for (const id of [...CAMPAIGN_IDS, ...AD_IDS]) expect(id).toMatch(UUID);
    // Pinned: the table is part of the query text, so it must never change by accident.
    expect(mix32(1)).toBe(1753845952);
    expect(uuidFor(1, 2, 3)).toMatch(UUID);
    expect(CAMPAIGN_IDS[0]).toBe('edd21a0e-4cf4-43a7-ad33-2aead86cdc61');
    expect(AD_IDS[999]).toBe('c0bc4671-08c9-4d1f-bd32-8bd8fc97fe04');
  });
  it('maps each campaign to 10 ads', () => {
    const t = campaignTable();
    expect(t).toHaveLength(NUM_ADS);
    const perCampaign = new Map<string, number>();
    for (const r of t) perCampaign.set(r.campaign_id, (perCampaign.get(r.campaign_id) ?? 0) + 1);
    expect([...perCampaign.values()].every((n) => n === 10)).toBe(true);
  });
});

describe('YsbGenerator', () => {
  it('makes event n a pure function of (seed, n): regenerable by index, the same in any split', () => {
    // Pinned: event 0 of seed 1 on the default timeline, the same on every machine.
    expect(generateYsbEvents({ seed: 1 }, 1)[0]).toEqual({
      user_id: '32e8a485-0382-4ad1-b066-8d92c230238b',
      page_id: '96829880-86de-4f7f-af48-d5495666e40d',
      ad_id: '081a6bd0-9e9f-46ba-93cb-964bb42ee835',
      ad_type: 'banner',
      event_type: 'click',
      event_time: 1436918400000,
      ip_address: '1.2.3.4',
    });
    const all = generateYsbEvents({ seed: 7 }, 5000);
    const g = new YsbGenerator({ seed: 7 }, { firstEventNumber: 1234, maxEvents: 10 });
    const part = Array.from({ length: 10 }, () => g.next());
    expect(part).toEqual(all.slice(1234, 1244));
    expect(g.hasNext()).toBe(false);
    expect(new YsbGenerator({ seed: 7 }).eventAt(4321)).toEqual(all[4321]);
    expect(generateYsbEvents({ seed: 8 }, 100)).not.toEqual(all.slice(0, 100));
  });
  it('stamps event time from the timeline and draws fields uniformly', () => {
    const timeline = fixedRateTimeline(2000, 1_000_000);
    const events = generateYsbEvents({ seed: 1 }, 60_000, { timeline });
    expect(events[0]!.event_time).toBe(1_000_000);
    expect(events[2001]!.event_time).toBe(1_001_000);
    expect(new YsbGenerator({}, { timeline }).dueTimeMs(4000)).toBe(1_002_000);
    const count = (f: (e: (typeof events)[number]) => string) => {
      const m = new Map<string, number>();
      for (const e of events) m.set(f(e), (m.get(f(e)) ?? 0) + 1);
      return m;
    };
    const types = count((e) => e.event_type);
    expect([...types.keys()].sort()).toEqual([...EVENT_TYPES].sort());
    for (const n of types.values()) expect(Math.abs(n - 20_000)).toBeLessThan(600);
    expect(count((e) => e.ad_type).size).toBe(AD_TYPES.length);
    const ads = count((e) => e.ad_id);
    expect(ads.size).toBe(1000);
    for (const n of ads.values()) expect(Math.abs(n - 60)).toBeLessThan(40);
    expect(count((e) => e.user_id).size).toBe(100);
    expect(count((e) => e.page_id).size).toBe(100);
    expect(events.every((e) => e.ip_address === '1.2.3.4')).toBe(true);
  });
  it('generates well over a million events per second', () => {
    const g = new YsbGenerator({ seed: 3 }, { maxEvents: 1_000_000 });
    const t0 = performance.now();
    let views = 0;
    while (g.hasNext()) if (g.next().event_type === 'view') views++;
    const rate = 1_000_000 / ((performance.now() - t0) / 1000);
    console.log(`YSB generator: ${Math.round(rate).toLocaleString('en')} events/s`);
    expect(views).toBeGreaterThan(300_000);
    expect(rate).toBeGreaterThan(300_000); // generous for slow CI; typically several million
  });
});
