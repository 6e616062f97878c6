import { readFileSync } from 'node:fs';
import { z } from 'zod';
import {
  type Emit,
  type EventSource,
  type GeneratorRequest,
  type IncrementalOracle,
  type Row,
  type StreamingQuery,
  type Workload,
} from '@streamscore/core';
import { isWindowFired, windowStart } from '@streamscore/streaming';
import { CAMPAIGN_IDS, CAMPAIGN_INDEX_BY_AD, NUM_CAMPAIGNS, campaignTable } from './campaigns.js';
import { YsbConfigSchema, YsbGenerator } from './generator.js';
import type { YsbEvent } from './model.js';

const YSB_FIELDS = ['user_id', 'page_id', 'ad_id', 'ad_type', 'event_type', 'event_time', 'ip_address'] as const;

/** `streamscore generate ysb`: JSON lines as YSB writes them to Kafka, or CSV in the same field order. */
const ysbSerializer = {
  jsonLine: (e: YsbEvent) => JSON.stringify(e),
  csvHeader: () => YSB_FIELDS.join(','),
  csvRow: (e: YsbEvent) => YSB_FIELDS.map((f) => String(e[f])).join(','),
};

export const MODULE = '@streamscore/workload-ysb';

export const YsbParamsSchema = z.strictObject({
  watermarkDelayMs: z
    .number()
    .int()
    .min(0)
    .default(4_000)
    .describe('bounded out-of-orderness of the source watermark, ms (4 s, as the NEXMark suite; YSB itself has no watermark)'),
  windowSizeMs: z
    .number()
    .int()
    .positive()
    .default(10_000)
    .describe('tumbling window length, ms (YSB: 10 s, time-divisor 10000 in core.clj)'),
});
export type YsbParams = z.infer<typeof YsbParamsSchema>;

function readResource(relative: string): string {
  return readFileSync(new URL(`../resources/${relative}`, import.meta.url), 'utf8');
}

/** The static ad → campaign table as SQL VALUES rows. */
function campaignRowsSql(): string {
  return campaignTable()
    .map((r) => `    ('${r.c_ad_id}', '${r.campaign_id}')`)
    .join(',\n');
}

const FLINK_SQL = readResource('flink/ysb.sql').replace('${CAMPAIGN_ROWS}', campaignRowsSql());
const MICROBATCH_SQL = readResource('microbatch/ysb.sql');

/**
 * Per tumbling window, a view counter per campaign. A view is late, and dropped, when its window
 * has fired (watermark ≥ end − 1), as Flink's window operator drops it; a view of an ad that is
 * not in the table is dropped, as YSB drops events whose ad has no campaign.
 */
class YsbStreaming implements StreamingQuery<YsbEvent> {
  private readonly size: number;
  private readonly windows = new Map<number, Float64Array>();
  private watermark = Number.NEGATIVE_INFINITY;

  constructor(p: YsbParams) {
    this.size = p.windowSizeMs;
  }

  onEvent(e: YsbEvent, _emit: Emit): void {
    if (e.event_type !== 'view') return;
    const campaign = CAMPAIGN_INDEX_BY_AD.get(e.ad_id);
    if (campaign === undefined) return;
    const start = windowStart(e.event_time, this.size);
    if (isWindowFired(start + this.size, this.watermark)) return;
    let counts = this.windows.get(start);
    if (counts === undefined) {
      counts = new Float64Array(NUM_CAMPAIGNS);
      this.windows.set(start, counts);
    }
    counts[campaign]!++;
  }

  onWatermark(watermarkMs: number, emit: Emit): void {
    this.watermark = watermarkMs;
    this.fire(watermarkMs, emit);
  }

  onEnd(emit: Emit): void {
    this.fire(Number.POSITIVE_INFINITY, emit);
  }

  private fire(limit: number, emit: Emit): void {
    for (const [start, counts] of this.windows) {
      const end = start + this.size;
      if (!isWindowFired(end, limit)) continue;
      for (let c = 0; c < counts.length; c++) {
        const n = counts[c]!;
        if (n > 0) emit({ campaign_id: CAMPAIGN_IDS[c]!, window_start: start, window_end: end, seen_count: n });
      }
      this.windows.delete(start);
    }
  }
}

/**
 * Oracle: join every view with the campaign table, bucket it by event time into its window,
 * count per (campaign, window). As YSB's own checker (core.clj `dostats`) recomputes it.
 */
export function ysbReference(events: readonly YsbEvent[], p: YsbParams): Row[] {
  const campaignOf = new Map(campaignTable().map((r) => [r.c_ad_id, r.campaign_id]));
  const counts = new Map<string, { campaign_id: string; window_start: number; n: number }>();
  for (const e of events) {
    if (e.event_type !== 'view') continue;
    const campaign_id = campaignOf.get(e.ad_id);
    if (campaign_id === undefined) continue;
    const window_start = Math.floor(e.event_time / p.windowSizeMs) * p.windowSizeMs;
    const key = `${campaign_id}@${window_start}`;
    const c = counts.get(key) ?? { campaign_id, window_start, n: 0 };
    c.n++;
    counts.set(key, c);
  }
  return [...counts.values()].map((c) => ({
    campaign_id: c.campaign_id,
    window_start: c.window_start,
    window_end: c.window_start + p.windowSizeMs,
    seen_count: c.n,
  }));
}

/**
 * The oracle in streaming form: the same join and per-window counts, each window answered and
 * forgotten once event time has passed its end.
 */
export function ysbOracle(p: YsbParams): IncrementalOracle<YsbEvent> {
  const campaignOf = new Map(campaignTable().map((r) => [r.c_ad_id, r.campaign_id]));
  const windows = new Map<number, Map<string, number>>(); // window start → campaign → views
  const answer = (window_start: number, emit: Emit): void => {
    const w = windows.get(window_start)!;
    windows.delete(window_start);
    for (const [campaign_id, n] of w) emit({ campaign_id, window_start, window_end: window_start + p.windowSizeMs, seen_count: n });
  };
  return {
    push: (e) => {
      if (e.event_type !== 'view') return;
      const campaign_id = campaignOf.get(e.ad_id);
      if (campaign_id === undefined) return;
      const start = Math.floor(e.event_time / p.windowSizeMs) * p.windowSizeMs;
      let w = windows.get(start);
      if (w === undefined) {
        w = new Map();
        windows.set(start, w);
      }
      w.set(campaign_id, (w.get(campaign_id) ?? 0) + 1);
    },
    advance: (low, emit) => {
      for (const start of windows.keys()) if (start + p.windowSizeMs <= low) answer(start, emit);
    },
    end: (emit) => {
      for (const start of windows.keys()) answer(start, emit);
    },
  };
}

function ysbGenerator(request: GeneratorRequest): EventSource<YsbEvent> {
  const config = YsbConfigSchema.parse(request.options ?? {});
  return new YsbGenerator(config, {
    timeline: request.timeline,
    ...(request.firstEventNumber !== undefined ? { firstEventNumber: request.firstEventNumber } : {}),
    ...(request.maxEvents !== undefined ? { maxEvents: request.maxEvents } : {}),
  });
}

export const ysbCampaigns: Workload<YsbEvent, YsbParams> = {
  id: 'ysb/campaigns',
  suite: 'ysb',
  title: 'YSB campaign view counts',
  description:
    'The Yahoo Streaming Benchmark: ad events filtered to views, joined with a static ad → campaign table (100 campaigns × 10 ads), counted per campaign in 10-second event-time tumbling windows. An update stream keyed by (campaign, window), as YSB’s counters are.',
  kind: 'windowed',
  params: YsbParamsSchema,
  output: {
    columns: [
      { name: 'campaign_id', type: 'string' },
      { name: 'window_start', type: 'timestamp' },
      { name: 'window_end', type: 'timestamp' },
      { name: 'seen_count', type: 'bigint' },
    ],
    dueTimeColumn: 'window_end',
    upsertKey: ['campaign_id', 'window_start'],
  },
  eventTime: (e) => e.event_time,
  generator: ysbGenerator,
  generatorOptions: YsbConfigSchema,
  serialize: ysbSerializer,
  reference: (events, p) => ysbReference(events, p),
  incrementalReference: (p) => ysbOracle(p),
  streaming: (p) => new YsbStreaming(p),
  partitioning: { kind: 'key', key: (e) => CAMPAIGN_INDEX_BY_AD.get(e.ad_id) ?? 0 },
  timing: (p) => ({ watermarkDelayMs: p.watermarkDelayMs, horizonMs: p.windowSizeMs + p.watermarkDelayMs }),
  sql: { 'flink-sql': FLINK_SQL, 'microbatch-sql': MICROBATCH_SQL },
  module: MODULE,
};
