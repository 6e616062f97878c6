import type { AnyWorkload } from '@streamscore/core';
import { ysbCampaigns } from './query.js';

export type { YsbEvent } from './model.js';
export { AD_TYPES, EVENT_TYPES, YSB_IP_ADDRESS } from './model.js';
export {
  AD_IDS,
  CAMPAIGN_IDS,
  USER_IDS,
  PAGE_IDS,
  NUM_CAMPAIGNS,
  ADS_PER_CAMPAIGN,
  NUM_ADS,
  campaignTable,
  campaignIndexOfAd,
  CAMPAIGN_INDEX_BY_AD,
} from './campaigns.js';
export {
  YsbGenerator,
  YsbConfigSchema,
  generateYsbEvents,
  fixedRateTimeline,
  type YsbConfig,
  type YsbConfigInput,
  type YsbGeneratorOptions,
} from './generator.js';
export { ysbCampaigns, ysbReference, YsbParamsSchema, type YsbParams, MODULE as YSB_MODULE } from './query.js';

/** The YSB suite as the registry holds it. */
export const workloads: AnyWorkload[] = [ysbCampaigns];
