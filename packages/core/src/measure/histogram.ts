import * as hdr from 'hdr-histogram-js';

/** Latency histograms: microseconds, 3 significant digits (as the Result schema states). */
export const HISTOGRAM_UNIT = 'us';
export const SIGNIFICANT_DIGITS = 3;

export type Histogram = hdr.Histogram;

export function newHistogram(): Histogram {
  return hdr.build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, bitBucketSize: 32, autoResize: true });
}

export function encodeHistogram(h: Histogram): string {
  return hdr.encodeIntoCompressedBase64(h);
}

export function decodeHistogram(base64: string): Histogram {
  return hdr.decodeFromCompressedBase64(base64, 32, false);
}

export interface Percentiles {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  p999: number;
  max: number;
  mean: number;
}

export function percentiles(h: Histogram): Percentiles {
  if (h.totalCount === 0) return { count: 0, p50: 0, p90: 0, p99: 0, p999: 0, max: 0, mean: 0 };
  return {
    count: h.totalCount,
    p50: h.getValueAtPercentile(50),
    p90: h.getValueAtPercentile(90),
    p99: h.getValueAtPercentile(99),
    p999: h.getValueAtPercentile(99.9),
    max: h.maxValue,
    mean: h.mean,
  };
}

/** Adds histograms (how results of several workers or intervals are merged). */
export function mergeHistograms(parts: Iterable<Histogram>): Histogram {
  const total = newHistogram();
  for (const p of parts) total.add(p);
  return total;
}
