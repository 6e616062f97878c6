export type { Person, Auction, Bid, NexmarkEvent, NexmarkEventType } from './model.js';
export type { Timeline, TimelineSpec, EventSource } from './types.js';
export {
  NexmarkConfigSchema,
  BEAM_DEFAULT_NEXMARK_CONFIG,
  STANDARD_NEXMARK_CONFIG,
  nexmarkConfig,
  type NexmarkConfig,
  type NexmarkConfigInput,
} from './config.js';
export {
  BEAM_BASE_TIME_MS,
  BeamTimeline,
  beamTimeline,
  beamInterEventDelaysUs,
  beamStepLengthSec,
  rateToPeriodUs,
  timelineFromSpec,
  type BeamShapeSpec,
} from './timeline.js';
export {
  NexmarkGenerator,
  generateEvents,
  lastBase0PersonId,
  lastBase0AuctionId,
  beamUnboundedMaxEvents,
  nexmarkChannelTables,
  FIRST_PERSON_ID,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  PROPORTION_DENOMINATOR,
  type NexmarkGeneratorOptions,
} from './generator.js';
export { JavaRandom } from './java-random.js';
export {
  formatEvent,
  csvHeader,
  csvRow,
  jsonLine,
  canonicalLine,
  canonicalDigest,
  CSV_COLUMNS,
  type EventFormat,
} from './serialize.js';
