import { MIN_ANSWERS_FOR_P99 } from '@streamscore/core';

/** Number formatting shared by the Markdown and HTML reports (one place, so both agree). */

/** Latency in µs → milliseconds with about three significant digits: 0.412, 4.12, 41.2, 412, 4120. */
export function formatMs(us: number): string {
  if (!Number.isFinite(us)) return '—';
  const ms = us / 1000;
  const a = Math.abs(ms);
  if (a >= 100) return Math.round(ms).toString();
  if (a >= 10) return ms.toFixed(1);
  if (a >= 1) return ms.toFixed(2);
  return ms.toFixed(3);
}

/** Events per second with thousands separators: 100,000. */
export function formatRate(eventsPerS: number): string {
  if (!Number.isFinite(eventsPerS)) return '—';
  return Math.round(eventsPerS).toLocaleString('en-US');
}

/** A compact rate for labels: 500, 1.5k, 100k, 2M. */
export function formatRateShort(eventsPerS: number): string {
  const a = Math.abs(eventsPerS);
  const trim = (x: number) => (Math.round(x * 10) / 10).toString();
  if (a >= 1e6) return `${trim(eventsPerS / 1e6)}M`;
  if (a >= 1e3) return `${trim(eventsPerS / 1e3)}k`;
  return trim(eventsPerS);
}

/** US dollars: two decimals from $1 up, three significant digits below. */
export function formatUsd(usd: number | undefined): string {
  if (usd === undefined || !Number.isFinite(usd)) return '—';
  if (usd === 0) return '$0';
  if (Math.abs(usd) >= 1) return `$${usd.toFixed(2)}`;
  return `$${Number(usd.toPrecision(3))}`;
}

/** A duration in ms → "120 ms", "12.5 s", "3 min 20 s", "2 h 5 min". */
export function formatDurationMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '—';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${Number(s.toFixed(1))} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  if (m < 60) return `${m} min ${rest} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** Percentile q (0..1) as a label: 0%, 90%, 99%, 99.9%, 99.99%. */
export function formatPercentile(q: number): string {
  if (q <= 0) return '0%';
  const pct = q * 100;
  // Enough decimals to show the last 9 of 99.99…%.
  const decimals = Math.max(0, Math.ceil(-Math.log10(100 - pct) + 1e-9));
  return `${Number(pct.toFixed(Math.min(decimals, 10)))}%`;
}


/**
 * The tail figure a latency summary supports: its p99 with the number of answers behind it, or,
 * below MIN_ANSWERS_FOR_P99 answers, the maximum (a "p99" of 12 answers is their maximum).
 */
export function tailLatency(p: { count: number; p99: number; max: number }): { stat: 'p99' | 'max'; us: number; count: number } {
  return p.count >= MIN_ANSWERS_FOR_P99 ? { stat: 'p99', us: p.p99, count: p.count } : { stat: 'max', us: p.max, count: p.count };
}

/** "41.2 ms p99 of 1,204 answers", "45.6 ms max of 37 answers" (ms formatted by `ms`). */
export function tailLatencyText(p: { count: number; p99: number; max: number }, ms: (us: number) => string = (us) => `${formatMs(us)} ms`): string {
  if (p.count === 0) return 'no answers';
  const t = tailLatency(p);
  return `${ms(t.us)} ${t.stat} of ${t.count.toLocaleString('en-US')} answer${t.count === 1 ? '' : 's'}`;
}
