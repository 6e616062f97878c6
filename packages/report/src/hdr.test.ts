import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as hdr from 'hdr-histogram-js';
import { decodeHistogram } from '@streamscore/core';
import { exportHdr, SEND_DELAY_TAG, type HdrFiles } from './hdr.js';
import { buildResult, type FixtureResult } from './testing/fixtures.js';

describe('exportHdr', () => {
  let dir: string;
  let r: FixtureResult;
  let files: HdrFiles;
  let hlog: string;
  let hgrm: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'streamscore-hdr-'));
    r = buildResult({ seed: 7, backend: 'flink', target: 'ec2', workload: 'nexmark/q5', medianMs: 30, p99Ms: 200, warmupS: 2, durationS: 6, drainS: 2 });
    files = exportHdr(r, join(dir, 'hdr'));
    hlog = readFileSync(files.hlog, 'utf8');
    hgrm = readFileSync(files.hgrm, 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('names the files after the run id', () => {
    expect(basename(files.hlog)).toBe(`${r.runId}.hlog`);
    expect(basename(files.hgrm)).toBe(`${r.runId}.hgrm`);
  });

  it('writes the V1.3 log header: version, StartTime, BaseTime, legend', () => {
    const lines = hlog.split('\n');
    expect(lines[0]).toBe('#[Histogram log format version 1.3]');
    const base = (r.generator.baseTimeMs / 1000).toFixed(3);
    expect(lines[1]).toMatch(new RegExp(`^#\\[StartTime: ${base.replace('.', '\\.')} \\(seconds since epoch\\), .+\\]$`));
    expect(lines[2]).toBe(`#[BaseTime: ${base} (seconds since epoch)]`);
    expect(lines).toContain('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
    expect(hlog).toContain('#phases (seconds after BaseTime): warmup 0.000-2.000, measure 2.000-8.000, drain 8.000-10.000');
    // No blank lines: some readers stop at them.
    expect(hlog.trimEnd().split('\n').every((l) => l.length > 0)).toBe(true);
  });

  it('writes each interval as a standard line with its own timestamps and the stored histogram', () => {
    const data = hlog.split('\n').filter((l) => /^\d/.test(l));
    expect(data).toHaveLength(r.intervals.length);
    data.forEach((line, i) => {
      const iv = r.intervals[i]!;
      const [start, length, max, b64] = line.split(',');
      expect(Number(start)).toBeCloseTo(i * 1, 3);
      expect(length).toBe('1.000');
      expect(max).toBe((iv.latency.percentiles.max / 1000).toFixed(3));
      expect(b64).toBe(iv.latency.encoded);
    });
    const tagged = hlog.split('\n').filter((l) => l.startsWith('Tag='));
    expect(tagged).toHaveLength(r.intervals.length);
    expect(tagged[0]!.startsWith(`Tag=${SEND_DELAY_TAG},0.000,1.000,`)).toBe(true);
  });

  it('round-trips through hdr-histogram-js HistogramLogReader, interval by interval', () => {
    expect(hdr.listTags(hlog)).toEqual(['NO TAG', SEND_DELAY_TAG]);
    const reader = new hdr.HistogramLogReader(hlog);
    const latency: hdr.Histogram[] = [];
    const sendDelay: hdr.Histogram[] = [];
    for (let h = reader.nextIntervalHistogram(); h; h = reader.nextIntervalHistogram()) {
      (h.tag === SEND_DELAY_TAG ? sendDelay : latency).push(h);
    }
    expect(latency).toHaveLength(r.intervals.length);
    expect(sendDelay).toHaveLength(r.intervals.length);
    latency.forEach((h, i) => {
      const iv = r.intervals[i]!;
      const original = decodeHistogram(iv.latency.encoded);
      expect(h.totalCount).toBe(original.totalCount);
      expect(h.maxValue).toBe(original.maxValue);
      expect(h.getValueAtPercentile(99)).toBe(original.getValueAtPercentile(99));
      expect(h.getValueAtPercentile(50)).toBe(iv.latency.percentiles.p50);
      // Absolute time: BaseTime + the interval's start, and its end.
      expect(h.startTimeStampMsec).toBeCloseTo(r.generator.baseTimeMs + i * 1000, 0);
      expect(h.endTimeStampMsec).toBeCloseTo(r.generator.baseTimeMs + (i + 1) * 1000, 0);
    });
    expect(sendDelay[3]!.totalCount).toBe(decodeHistogram(r.intervals[3]!.sendDelay.encoded).totalCount);
    // The measured intervals add up to the run's total histogram.
    const total = hdr.build({ numberOfSignificantValueDigits: 3 });
    latency.forEach((h, i) => {
      if (r.intervals[i]!.phase === 'measure') total.add(h);
    });
    const stored = decodeHistogram(r.latency.encoded);
    expect(total.totalCount).toBe(stored.totalCount);
    expect(total.getValueAtPercentile(99.9)).toBe(stored.getValueAtPercentile(99.9));
  });

  it('reads only the requested time range, as HdrHistogram tools do', () => {
    const reader = new hdr.HistogramLogReader(hlog);
    const inRange: number[] = [];
    for (let h = reader.nextIntervalHistogram(2, 7.5); h; h = reader.nextIntervalHistogram(2, 7.5)) {
      if (h.tag !== SEND_DELAY_TAG) inRange.push(h.startTimeStampMsec);
    }
    expect(inRange).toHaveLength(6); // starts 2, 3, 4, 5, 6, 7
  });

  it('writes the .hgrm percentile distribution in milliseconds with the standard header and footer', () => {
    const lines = hgrm.split('\n');
    expect(lines[0]).toBe('       Value     Percentile TotalCount 1/(1-Percentile)');
    expect(lines[1]).toBe('');
    const total = decodeHistogram(r.latency.encoded);
    expect(hgrm).toMatch(/^#\[Mean    = +\d+\.\d{3}, StdDeviation   = +\d+\.\d{3}\]$/m);
    expect(hgrm).toContain(`#[Max     = ${(total.maxValue / 1000).toFixed(3).padStart(12)}, Total count    = ${String(total.totalCount).padStart(12)}]`);
    expect(hgrm).toMatch(/^#\[Buckets = +\d+, SubBuckets     = +\d+\]$/m);
    // Rows: value (ms), percentile, count, 1/(1-percentile); the 50% row is the median in ms.
    const rows = lines.slice(2).filter((l) => /^\s+\d/.test(l)).map((l) => l.trim().split(/\s+/));
    expect(rows.length).toBeGreaterThan(20);
    const median = rows.find((x) => x[1] === '0.500000000000')!;
    expect(Number(median[0])).toBeCloseTo(total.getValueAtPercentile(50) / 1000, 0);
    // The last row is the 100% row, without the 1/(1-Percentile) column (as the Java original prints it).
    expect(rows.at(-1)).toEqual([(total.maxValue / 1000).toFixed(3), '1.000000000000', String(total.totalCount)]);
  });

  it('makes a run id safe as a file name', () => {
    const odd = buildResult({ seed: 8, runId: 'a/b c:d' });
    const f = exportHdr(odd, join(dir, 'odd'));
    expect(basename(f.hlog)).toBe('a_b_c_d.hlog');
  });
});
