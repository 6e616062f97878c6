import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { EventSource, GeneratorRequest, EventSerializer } from '@streamscore/core';
import { NexmarkConfigSchema, NexmarkGenerator, beamUnboundedMaxEvents, csvHeader, csvRow, jsonLine } from '../generator/index.js';
import type { Auction, Bid, NexmarkEvent, Person } from '../generator/model.js';

export type { Auction, Bid, NexmarkEvent, Person };

/** The package that exports these workloads (worker threads load them from it). */
export const MODULE = '@streamscore/workload-nexmark';

/**
 * The watermark the nexmark/nexmark Flink DDL declares:
 * `WATERMARK FOR dateTime AS dateTime - INTERVAL '4' SECOND` (nexmark-flink/src/main/resources/queries/ddl_gen.sql).
 */
export const DEFAULT_WATERMARK_DELAY_MS = 4_000;
/** Window length of q5, q7, q8 and q12 in nexmark/nexmark's Flink SQL (10 s), and q11's session gap. */
export const DEFAULT_WINDOW_MS = 10_000;
/** q5's hop slide in nexmark/nexmark's q5.sql (`HOP(..., INTERVAL '2' SECOND, INTERVAL '10' SECOND)`). */
export const DEFAULT_Q5_SLIDE_MS = 2_000;

/** A resource file of this package (`resources/…`); the path resolves from `src/queries` and `dist/queries` alike. */
export function readResource(relative: string): string {
  return readFileSync(new URL(`../../resources/${relative}`, import.meta.url), 'utf8');
}

const FLINK_DDL = readResource('flink/ddl.sql');

/** The Flink SQL a backend runs: the shared source DDL and views, then the query's sink and INSERT. */
export function flinkSql(query: string): string {
  return `${FLINK_DDL.trimEnd()}\n\n${readResource(`flink/${query}.sql`).trim()}\n`;
}

export function microbatchSql(query: string): string {
  return `${readResource(`microbatch/${query}.sql`).trim()}\n`;
}

export function eventTime(e: NexmarkEvent): number {
  return e.dateTime;
}

/** The generator every NEXMark workload uses: Beam's, configured by the run's generator options. */
export function nexmarkGenerator(request: GeneratorRequest): EventSource<NexmarkEvent> {
  const config = NexmarkConfigSchema.parse(request.options ?? {});
  return new NexmarkGenerator(config, {
    timeline: request.timeline,
    ...(request.firstEventNumber !== undefined ? { firstEventNumber: request.firstEventNumber } : {}),
    // The contract: no maxEvents means unbounded (a run stops the generator, not the other way round).
    maxEvents: request.maxEvents ?? beamUnboundedMaxEvents(config),
  });
}

// ---- parameters ----

export const watermarkDelayMs = z
  .number()
  .int()
  .min(0)
  .default(DEFAULT_WATERMARK_DELAY_MS)
  .describe('bounded out-of-orderness of the source watermark, ms (Flink DDL: 4 s)');

export const windowSizeMs = z
  .number()
  .int()
  .positive()
  .default(DEFAULT_WINDOW_MS)
  .describe('window length, ms');

/** Parameters of the per-event queries (the watermark is declared by the shared DDL even though they do not use it). */
export const PerEventParamsSchema = z.strictObject({ watermarkDelayMs });
export type PerEventParams = z.infer<typeof PerEventParamsSchema>;

export const TumblingParamsSchema = z.strictObject({ watermarkDelayMs, windowSizeMs });
export type TumblingParams = z.infer<typeof TumblingParamsSchema>;

// ---- small shared pieces of the streaming implementations ----

/** Flink's AVG over BIGINT: a BIGINT, the sum divided by the count with Java's truncating division. */
export function avgBigint(sum: number, count: number): number {
  return (sum - (sum % count)) / count;
}

/** How `streamscore generate nexmark` writes events (the generator's JSONL and CSV formats). */
export const nexmarkSerializer: EventSerializer<NexmarkEvent> = { jsonLine, csvHeader, csvRow };

/** The fields every NEXMark query shares: one generator, one event time, one serializer, one module. */
export const nexmarkSuite = {
  suite: 'nexmark',
  eventTime,
  generator: nexmarkGenerator,
  generatorOptions: NexmarkConfigSchema,
  serialize: nexmarkSerializer,
  module: MODULE,
} as const;
