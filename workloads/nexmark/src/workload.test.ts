import { describe, expect, it } from 'vitest';
import { renderSqlTemplate, templatePlaceholders, type AnyWorkload } from '@streamscore/core';
import { STANDARD_NEXMARK_CONFIG, beamTimeline, generateEvents } from './generator/index.js';
import { nexmarkWorkload, nexmarkWorkloads, workloads } from './workload.js';

const BACKEND_VARS = { SOURCE_WITH: "'connector' = 'datagen'", SINK_WITH: "'connector' = 'blackhole'" };

describe('the NEXMark suite', () => {
  it('lists q0-q5, q7-q9, q11, q12 under their ids', () => {
    expect(workloads.map((w) => w.id)).toEqual(
      ['q0', 'q1', 'q2', 'q3', 'q4', 'q5', 'q7', 'q8', 'q9', 'q11', 'q12'].map((q) => `nexmark/${q}`),
    );
    expect(nexmarkWorkload('q5')?.id).toBe('nexmark/q5');
    expect(nexmarkWorkload('nexmark/q6')).toBeUndefined();
    for (const w of workloads) {
      expect(w.suite).toBe('nexmark');
      expect(w.module).toBe('@streamscore/workload-nexmark');
      expect(w.output.columns.map((c) => c.name)).toContain(w.output.dueTimeColumn);
      expect(w.output.columns.find((c) => c.name === w.output.dueTimeColumn)?.type).toBe('timestamp');
      for (const k of w.output.upsertKey ?? []) expect(w.output.columns.map((c) => c.name)).toContain(k);
    }
    expect(workloads.filter((w) => w.output.upsertKey).map((w) => w.id)).toEqual(['nexmark/q4', 'nexmark/q9']);
  });

  it('defaults to the suite’s values and rejects nonsense', () => {
    const q5 = nexmarkWorkload('q5')!;
    expect(q5.params.parse({})).toEqual({ watermarkDelayMs: 4000, windowSizeMs: 10_000, windowSlideMs: 2000 });
    expect(q5.params.safeParse({ windowSlideMs: 20_000 }).success).toBe(false); // slide > size
    expect(q5.params.safeParse({ windowSlideMs: 3000 }).success).toBe(false); // size not a multiple of the slide
    expect(q5.params.safeParse({ windowSizeMs: 0 }).success).toBe(false);
    expect(q5.params.safeParse({ windowSlideMs: -2 }).success).toBe(false);
    expect(q5.params.safeParse({ windowSize: 5 }).success).toBe(false); // unknown (misspelt) parameter
    expect(nexmarkWorkload('q11')!.params.parse({})).toEqual({ watermarkDelayMs: 4000, sessionGapMs: 10_000 });
    expect(nexmarkWorkload('q11')!.params.safeParse({ sessionGapMs: 0 }).success).toBe(false);
    expect(nexmarkWorkload('q0')!.params.safeParse({ watermarkDelayMs: -1 }).success).toBe(false);
  });

  it('states how long answers take to become final', () => {
    const timing = (id: string) => {
      const w = nexmarkWorkload(id)!;
      return w.timing(w.params.parse({}));
    };
    for (const q of ['q0', 'q1', 'q2', 'q3', 'q4', 'q9']) expect(timing(q)).toEqual({ watermarkDelayMs: 4000, horizonMs: 0 });
    for (const q of ['q5', 'q7', 'q8', 'q11']) expect(timing(q)).toEqual({ watermarkDelayMs: 4000, horizonMs: 14_000 });
    expect(timing('q12')).toEqual({ watermarkDelayMs: 4000, horizonMs: 10_000 });
  });

  it.each(workloads.map((w) => [w.id, w] as const))('%s: Flink and micro-batch SQL render completely', (_id, w: AnyWorkload) => {
    const p = w.params.parse({});
    const flink = w.sql?.['flink-sql'];
    expect(flink).toBeDefined();
    expect(flink).toContain('CREATE TABLE nexmark_events');
    expect(flink).toContain(`INSERT INTO nexmark_${w.id.split('/')[1]}`);
    expect(templatePlaceholders(flink!)).toEqual(expect.arrayContaining(['SOURCE_WITH', 'SINK_WITH', 'interval:watermarkDelayMs']));
    const rendered = renderSqlTemplate(flink!, p, BACKEND_VARS);
    expect(rendered).not.toMatch(/\$\{/);
    expect(rendered).toContain("WATERMARK FOR event_time AS event_time - INTERVAL '4' SECOND");
    for (const c of w.output.columns) expect(rendered).toContain(c.name);
    const micro = w.sql?.['microbatch-sql'];
    expect(micro).toBeDefined();
    expect(renderSqlTemplate(micro!, p, { WINDOW_START: 0, WINDOW_END: 10_000 })).not.toMatch(/\$\{/);
  });

  it('rebuilds the events of a run from the request, as verification does', () => {
    const timeline = beamTimeline({ ...STANDARD_NEXMARK_CONFIG, outOfOrderGroupSize: 4 }, 1_700_000_000_000);
    const q0 = nexmarkWorkloads[0];
    const src = q0.generator({ timeline, firstEventNumber: 10, maxEvents: 5, options: { numEventGenerators: 1, outOfOrderGroupSize: 4 } });
    const got = Array.from({ length: 5 }, () => src.next());
    expect(src.hasNext()).toBe(false);
    const want = generateEvents({ numEventGenerators: 1, outOfOrderGroupSize: 4 }, 15, { timeline }).slice(10);
    expect(got).toEqual(want);
    expect(src.dueTimeMs(10)).toBe(timeline.timestampMs(10));
  });

  it('partitions by a numeric key where the query can be split', () => {
    const events = generateEvents(STANDARD_NEXMARK_CONFIG, 200);
    for (const w of workloads) {
      if (w.partitioning.kind !== 'key') continue;
      for (const e of events) expect(Number.isSafeInteger(w.partitioning.key(e))).toBe(true);
    }
    expect(Object.fromEntries(workloads.map((w) => [w.id.split('/')[1], w.partitioning.kind]))).toEqual({
      q0: 'any', q1: 'any', q2: 'any', q3: 'key', q4: 'single', q5: 'single', q7: 'single', q8: 'key', q9: 'key', q11: 'key', q12: 'key',
    });
  });
});
