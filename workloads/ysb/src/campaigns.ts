import { uuidFor } from './hash.js';

/** YSB's sizes: 100 campaigns of 10 ads each (core.clj: num-campaigns 100, ads partitioned by 10). */
export const NUM_CAMPAIGNS = 100;
export const ADS_PER_CAMPAIGN = 10;
export const NUM_ADS = NUM_CAMPAIGNS * ADS_PER_CAMPAIGN;
/** YSB's load generator draws user and page ids from 100 each (core.clj, `run`). */
export const NUM_USERS = 100;
export const NUM_PAGES = 100;

/**
 * The ids are fixed for the suite (drawn once from this seed), so the ad → campaign table is the
 * same in every run and can be written into the query text; the run's seed only picks which ad,
 * user, page and types each event has.
 */
const TABLE_SEED = 0x59534231; // "YSB1"
const Stream = { Campaign: 1, Ad: 2, User: 3, Page: 4 } as const;

export const CAMPAIGN_IDS: readonly string[] = Array.from({ length: NUM_CAMPAIGNS }, (_, i) => uuidFor(TABLE_SEED, Stream.Campaign, i));
export const AD_IDS: readonly string[] = Array.from({ length: NUM_ADS }, (_, i) => uuidFor(TABLE_SEED, Stream.Ad, i));
export const USER_IDS: readonly string[] = Array.from({ length: NUM_USERS }, (_, i) => uuidFor(TABLE_SEED, Stream.User, i));
export const PAGE_IDS: readonly string[] = Array.from({ length: NUM_PAGES }, (_, i) => uuidFor(TABLE_SEED, Stream.Page, i));

/** Index of the campaign that owns ad number `adIndex`. */
export function campaignIndexOfAd(adIndex: number): number {
  return Math.floor(adIndex / ADS_PER_CAMPAIGN);
}

/** The static table the query joins: one row per ad, as Flock ships it with each batch. */
export function campaignTable(): { c_ad_id: string; campaign_id: string }[] {
  return AD_IDS.map((ad, i) => ({ c_ad_id: ad, campaign_id: CAMPAIGN_IDS[campaignIndexOfAd(i)]! }));
}

/** ad id → campaign index, for the streaming implementation and for partitioning. */
export const CAMPAIGN_INDEX_BY_AD: ReadonlyMap<string, number> = new Map(AD_IDS.map((ad, i) => [ad, campaignIndexOfAd(i)]));
