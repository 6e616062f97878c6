import * as hdr from 'hdr-histogram-js';
import { newHistogram } from '@streamscore/core';
import type { BenchRow } from './types.js';

/**
 * What one latency record costs the harness: ns per recordValue on the histogram it uses (the
 * JS build, 32-bit buckets, 3 digits), and on hdr-histogram-js's WebAssembly build with the same
 * settings — the collector records one value per answer, so at millions of answers a second this
 * is a share of the harness's core.
 */
export async function benchHdr(): Promise<BenchRow[]> {
  const n = 10_000_000;
  const values = new Int32Array(1 << 16);
  // Skewed latencies between 200 µs and ~2 s, as a loaded system produces.
  for (let i = 0; i < values.length; i++) values[i] = Math.floor(200 * Math.exp(Math.random() * Math.log(10_000)));
  const time = (h: { recordValue(v: number): void }) => {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) h.recordValue(values[i & 0xffff]!);
    return Number(process.hrtime.bigint() - t0) / n;
  };
  const rows: BenchRow[] = [];
  await hdr.initWebAssembly();
  for (const round of [1, 2]) {
    const js = time(newHistogram());
    rows.push({ name: `HDR recordValue, JS build (the harness's; 32-bit, 3 digits), round ${round}`, value: js, unit: 'ns/value', note: `${(1000 / js).toFixed(1)} M values/s` });
    const w = hdr.build({ numberOfSignificantValueDigits: 3, bitBucketSize: 32, autoResize: true, useWebAssembly: true });
    const wasm = time(w);
    w.destroy(); // WebAssembly memory is not garbage-collected
    rows.push({ name: `HDR recordValue, WebAssembly build (same settings), round ${round}`, value: wasm, unit: 'ns/value', note: `${(1000 / wasm).toFixed(1)} M values/s; ${(js / wasm).toFixed(1)}× the JS build` });
  }
  return rows;
}
