/**
 * A Yahoo Streaming Benchmark ad event, with the fields of yahoo/streaming-benchmarks
 * (data/src/setup/core.clj, make-kafka-event-at). `event_time` is epoch ms as a number (YSB
 * writes it as a string of the same digits).
 */
export interface YsbEvent {
  user_id: string;
  page_id: string;
  ad_id: string;
  ad_type: string;
  event_type: string;
  event_time: number;
  ip_address: string;
}

/** YSB's ad types and event types (core.clj). */
export const AD_TYPES = ['banner', 'modal', 'sponsored-search', 'mail', 'mobile'] as const;
export const EVENT_TYPES = ['view', 'click', 'purchase'] as const;
/** The address every YSB event carries (core.clj). */
export const YSB_IP_ADDRESS = '1.2.3.4';
