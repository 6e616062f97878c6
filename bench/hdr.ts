import { newHistogram } from '@streamscore/core';
import type { BenchRow } from './types.js';

/** What one latency record costs the harness: ns per recordValue on the histogram it uses. */
export async function benchHdr(): Promise<BenchRow[]> {
  const n = 10_000_000;
  const values = new Int32Array(1 << 16);
  // Skewed latencies between 200 µs and ~2 s, as a loaded system produces.
  for (let i = 0; i < values.length; i++) values[i] = Math.floor(200 * Math.exp(Math.random() * Math.log(10_000)));
  const rows: BenchRow[] = [];
  for (const round of [1, 2]) {
    const h = newHistogram();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) h.recordValue(values[i & 0xffff]!);
    const ns = Number(process.hrtime.bigint() - t0) / n;
    rows.push({ name: `HDR recordValue (JS Int32, 3 digits), round ${round}`, value: ns, unit: 'ns/value', note: `${(1000 / ns).toFixed(1)} M values/s` });
  }
  return rows;
}
