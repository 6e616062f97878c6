import { describe, expect, it } from 'vitest';
import { canonicalRow, compareOutputs, renderSqlTemplate, type Row } from '@streamscore/core';
import { driveStreaming } from '@streamscore/streaming';
import { AD_IDS, CAMPAIGN_IDS } from './campaigns.js';
import { generateYsbEvents, fixedRateTimeline } from './generator.js';
import type { YsbEvent } from './model.js';
import { ysbCampaigns as w } from './query.js';
import { workloads } from './index.js';

const T0 = 1_436_918_400_000;
const ev = (ad: number, type: string, at: number): YsbEvent => ({
  user_id: 'u', page_id: 'p', ad_id: AD_IDS[ad]!, ad_type: 'banner', event_type: type, event_time: T0 + at, ip_address: '1.2.3.4',
});
const sorted = (rows: Row[]) => [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));

describe('ysb/campaigns oracle', () => {
  it('counts views per campaign and 10 s window, by hand', () => {
    // Ads 0-9 belong to campaign 0, ads 10-19 to campaign 1.
    const events = [
      ev(0, 'view', 1_000),
      ev(9, 'view', 9_999),
      ev(3, 'click', 5_000), // not a view
      ev(10, 'view', 2_000),
      ev(5, 'view', 10_000), // next window
      ev(12, 'purchase', 11_000),
      { ...ev(0, 'view', 3_000), ad_id: 'no-such-ad' }, // no campaign: dropped, as YSB does
    ];
    const p = w.params.parse({});
    expect(sorted(w.reference(events, p))).toEqual(
      sorted([
        { campaign_id: CAMPAIGN_IDS[0]!, window_start: T0, window_end: T0 + 10_000, seen_count: 2 },
        { campaign_id: CAMPAIGN_IDS[1]!, window_start: T0, window_end: T0 + 10_000, seen_count: 1 },
        { campaign_id: CAMPAIGN_IDS[0]!, window_start: T0 + 10_000, window_end: T0 + 20_000, seen_count: 1 },
      ]),
    );
    const actual = driveStreaming(w.streaming(p), events, { eventTime: w.eventTime, watermarkDelayMs: 4000, batchSize: 2 });
    expect(compareOutputs(w.reference(events, p), actual, w.output).status).toBe('pass');
  });
});

describe('ysb/campaigns streaming = oracle on generated events', () => {
  // 1,000 events/s (YSB's default load) for 200 s: 20 windows, ~330 views per campaign each.
  const events = generateYsbEvents({ seed: 42 }, 200_000, { timeline: fixedRateTimeline(1000, T0 + 123) });
  const p = w.params.parse({});
  const actual = driveStreaming(w.streaming(p), events, { eventTime: w.eventTime, watermarkDelayMs: p.watermarkDelayMs, batchSize: 1000 });
  const expected = w.reference(events, p);

  it('agrees', () => {
    const v = compareOutputs(expected, actual, w.output);
    expect(v.status, JSON.stringify(v.samples)).toBe('pass');
    // 200 s starting 123 ms into a window: 20 full windows with every campaign, and 123 ms of a 21st.
    expect(v.expected).toBeGreaterThan(100 * 20);
    expect(v.covered).toBe(21);
  });

  it('catches a dropped, changed or stale record', () => {
    const last = actual.length - 1;
    const bad: [string, Row[]][] = [
      ['dropped', actual.slice(0, last)],
      ['changed', actual.map((r, i) => (i === last ? { ...r, seen_count: Number(r['seen_count']) + 1 } : r))],
      // A second record for a window already counted (e.g. a partial count replayed): the final state is wrong.
      ['duplicated window', [...actual, { ...actual[0]!, seen_count: Number(actual[0]!['seen_count']) - 1 }]],
    ];
    for (const [what, rows] of bad) expect(compareOutputs(expected, rows, w.output).status, what).toBe('fail');
    expect(canonicalRow(actual[0]!, w.output)).toContain(String(actual[0]!['seen_count']));
  });

  it('honours the cut-off: windows ending after it are not judged', () => {
    const lastTime = events[events.length - 1]!.event_time;
    const cutoff = lastTime - p.watermarkDelayMs;
    const v = compareOutputs(expected, actual.filter((r) => Number(r['window_end']) <= cutoff), w.output, { cutoffMs: cutoff });
    expect(v.status).toBe('pass');
    expect(v.covered).toBe(19); // windows ending by 196.123 s
  });
});

describe('ysb/campaigns workload', () => {
  it('is registered with its SQL rendered except for the backend placeholders', () => {
    expect(workloads.map((x) => x.id)).toEqual(['ysb/campaigns']);
    const sql = w.sql!['flink-sql']!;
    expect(sql).not.toContain('${CAMPAIGN_ROWS}');
    expect(sql.match(/\('[0-9a-f-]{36}', '[0-9a-f-]{36}'\)/g)).toHaveLength(1000);
    const rendered = renderSqlTemplate(sql, w.params.parse({}), { SOURCE_WITH: "'connector' = 'x'", SINK_WITH: "'connector' = 'y'" });
    expect(rendered).toContain("INTERVAL '10' SECOND");
    expect(rendered).toContain("INTERVAL '4' SECOND");
    expect(rendered).not.toMatch(/\$\{/);
    expect(renderSqlTemplate(w.sql!['microbatch-sql']!, {}, { WINDOW_START: 0, WINDOW_END: 10_000 })).not.toMatch(/\$\{/);
  });
  it('rejects nonsense parameters', () => {
    expect(w.params.safeParse({ windowSizeMs: 0 }).success).toBe(false);
    expect(w.params.safeParse({ watermarkDelayMs: -1 }).success).toBe(false);
    expect(w.params.safeParse({ windowSize: 10 }).success).toBe(false);
    expect(w.timing(w.params.parse({}))).toEqual({ watermarkDelayMs: 4000, horizonMs: 14_000 });
  });
  it('regenerates the events of a run from its request', () => {
    const timeline = fixedRateTimeline(5000, T0);
    const src = w.generator({ timeline, maxEvents: 3, options: { seed: 9 } });
    const got = [src.next(), src.next(), src.next()];
    expect(src.hasNext()).toBe(false);
    expect(got).toEqual(generateYsbEvents({ seed: 9 }, 3, { timeline }));
  });
});
