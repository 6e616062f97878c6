import { z } from 'zod';

/**
 * The knobs of Beam's NexmarkConfiguration that change the generated events, with Beam's
 * defaults and Beam's field names (so a Beam config maps over one to one).
 *
 * Left out on purpose, because Beam's generator never reads them: query parameters
 * (windowSizeSec, windowPeriodSec, auctionSkip, fanout, …), sinks/sources, and
 * occasionalDelaySec/probDelayedEvent: those only make Beam's rate-limited
 * UnboundedEventSource hold events back on the wall clock with an unseeded ThreadLocalRandom;
 * they change neither an event's fields nor its event time.
 */
export const NexmarkConfigSchema = z.object({
  /** Events to generate; 0 means "as many as Beam allows" (Long.MAX_VALUE / (50 * max avg size)). */
  numEvents: z.number().int().min(0).default(100_000),
  /**
   * Number of generators sharing the event-time timeline. Beam multiplies the inter-event delay by
   * it, so each of the n split generators runs at rate/n. Beam's default is 100; Beam's own tests
   * and the nexmark-flink suite (source parallelism) use other values, see STANDARD_NEXMARK_CONFIG.
   */
  numEventGenerators: z.number().int().min(1).default(100),
  /** How the rate moves between firstEventRate and nextEventRate (ignored when they are equal). */
  rateShape: z.enum(['SQUARE', 'SINE']).default('SINE'),
  firstEventRate: z.number().int().min(1).default(10_000),
  nextEventRate: z.number().int().min(1).default(10_000),
  rateUnit: z.enum(['PER_SECOND', 'PER_MINUTE']).default('PER_SECOND'),
  /** Length of one full rate-shape cycle. */
  ratePeriodSec: z.number().int().min(1).default(600),
  /** Event times start at the wall clock instead of Beam's BASE_TIME (2015-07-15T00:00:00Z). */
  useWallclockEventTime: z.boolean().default(false),
  avgPersonByteSize: z.number().int().min(0).default(200),
  avgAuctionByteSize: z.number().int().min(0).default(500),
  avgBidByteSize: z.number().int().min(0).default(100),
  /** P(bid is for a hot auction) = 1 - 1/hotAuctionRatio. */
  hotAuctionRatio: z.number().int().min(1).default(2),
  /** P(auction is by a hot seller) = 1 - 1/hotSellersRatio. */
  hotSellersRatio: z.number().int().min(1).default(4),
  /** P(bid is by a hot bidder) = 1 - 1/hotBiddersRatio. */
  hotBiddersRatio: z.number().int().min(1).default(4),
  /** People a new auction or bid may refer to (plus 10 "future" people). */
  numActivePeople: z.number().int().min(0).default(1000),
  /** Auctions a new bid may refer to (plus 10 "future" auctions); also sets auction length. */
  numInFlightAuctions: z.number().int().min(0).default(100),
  /** Events are shuffled within groups of this many (1 = in order). */
  outOfOrderGroupSize: z.number().int().min(1).default(1),
  /**
   * Adds the nexmark/nexmark (Flink suite) bid fields `channel` and `url`. Their draws come after
   * `price` and before `extra`, as in nexmark-flink, so bids then differ from Beam's from `extra`
   * on. Not in Beam.
   */
  withChannelAndUrl: z.boolean().default(false),
});

export type NexmarkConfig = z.infer<typeof NexmarkConfigSchema>;
export type NexmarkConfigInput = z.input<typeof NexmarkConfigSchema>;

/** Beam's NexmarkConfiguration.DEFAULT (numEventGenerators 100: 10 ms between events). */
export const BEAM_DEFAULT_NEXMARK_CONFIG: NexmarkConfig = Object.freeze(NexmarkConfigSchema.parse({}));

/**
 * The "standard" config the parity pins are taken from: Beam's defaults with
 * numEventGenerators = 1, as in Beam's own query tests (QueryTest sets numEventGenerators = 1
 * because results depend on timestamps). 10,000 events/s, so event n is at
 * 2015-07-15T00:00:00Z + floor(n / 10) ms. The tests pin its first 100,000 events.
 */
export const STANDARD_NEXMARK_CONFIG: NexmarkConfig = Object.freeze(
  NexmarkConfigSchema.parse({ numEventGenerators: 1 }),
);

export function nexmarkConfig(input: NexmarkConfigInput = {}): NexmarkConfig {
  return NexmarkConfigSchema.parse(input);
}
