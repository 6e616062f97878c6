import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { decodeHistogram, type Result } from '@streamscore/core';

/**
 * HdrHistogram interop files of a run, for the HdrHistogram tool chain (HistogramLogProcessor,
 * HistogramLogAnalyzer, hdrhistogram.github.io/HdrHistogram/plotFiles.html, the libraries of
 * every language):
 *
 * - `<runId>.hlog`: the histogram log, format V1.3, one line per interval holding the interval's
 *   compressed base64 histogram exactly as the Result stores it. Untagged lines are the latency of
 *   output records; lines tagged `Tag=sendDelay` are how late the driver sent events. Values are
 *   microseconds; `Interval_Max` is in milliseconds (max / 1000). Timestamps are seconds after
 *   `#[BaseTime: …]`, the start of the load (event time of event 0).
 * - `<runId>.hgrm`: the percentile distribution of the run's total latency histogram (the measured
 *   phase, as in the summary), in milliseconds (output value unit ratio 1000), the same text
 *   `outputPercentileDistribution` prints in every HdrHistogram implementation.
 *
 * The lines are written here rather than with hdr-histogram-js's HistogramLogWriter, which would
 * re-encode every histogram, writes its `#[StartTime …]` comment followed by a stray blank line
 * and has no `#[BaseTime …]`; the format follows the Java reference writer.
 */
export interface HdrFiles {
  hlog: string;
  hgrm: string;
}

export const SEND_DELAY_TAG = 'sendDelay';

/** Three decimals, as the reference writer's `%.3f`. */
function f3(x: number): string {
  return x.toFixed(3);
}

/** File-name-safe form of a run id. */
export function safeRunId(runId: string): string {
  return runId.replace(/[^A-Za-z0-9._-]/g, '_');
}

export function hlogText(r: Result): string {
  const baseMs = r.generator.baseTimeMs > 0 ? r.generator.baseTimeMs : Date.parse(r.startedAt);
  const baseS = baseMs / 1000;
  const lines: string[] = [
    '#[Histogram log format version 1.3]',
    `#[StartTime: ${f3(baseS)} (seconds since epoch), ${new Date(baseMs).toString()}]`,
    `#[BaseTime: ${f3(baseS)} (seconds since epoch)]`,
    `#streamscore run ${r.runId}: ${r.config.backend} (${r.config.target}) ${r.config.workload} at ${r.config.load.rate} events/s`,
    '#values in microseconds; Interval_Max in milliseconds; untagged: latency of output records; Tag=sendDelay: driver send delay',
  ];
  const phases = new Map<string, { from: number; to: number }>();
  let prev = 0;
  for (const iv of r.intervals) {
    const p = phases.get(iv.phase);
    if (p) p.to = iv.t;
    else phases.set(iv.phase, { from: prev, to: iv.t });
    prev = iv.t;
  }
  if (phases.size) {
    lines.push(`#phases (seconds after BaseTime): ${[...phases].map(([k, v]) => `${k} ${f3(v.from)}-${f3(v.to)}`).join(', ')}`);
  }
  lines.push('"StartTimestamp","Interval_Length","Interval_Max","Interval_Compressed_Histogram"');
  prev = 0;
  for (const iv of r.intervals) {
    const start = prev;
    const length = iv.t - prev > 0 ? iv.t - prev : r.config.load.intervalS;
    prev = iv.t;
    lines.push(`${f3(start)},${f3(length)},${f3(iv.latency.percentiles.max / 1000)},${iv.latency.encoded}`);
    lines.push(`Tag=${SEND_DELAY_TAG},${f3(start)},${f3(length)},${f3(iv.sendDelay.percentiles.max / 1000)},${iv.sendDelay.encoded}`);
  }
  return lines.join('\n') + '\n';
}

export function hgrmText(r: Result): string {
  // An empty histogram gives the header and footer only, which parsers handle.
  return decodeHistogram(r.latency.encoded).outputPercentileDistribution(5, 1000);
}

/** Writes `<runId>.hlog` and `<runId>.hgrm` into outDir (created if missing); returns their absolute paths. */
export function exportHdr(result: Result, outDir: string): HdrFiles {
  const dir = resolve(outDir);
  mkdirSync(dir, { recursive: true });
  const name = safeRunId(result.runId);
  const hlog = join(dir, `${name}.hlog`);
  const hgrm = join(dir, `${name}.hgrm`);
  writeFileSync(hlog, hlogText(result));
  writeFileSync(hgrm, hgrmText(result));
  return { hlog, hgrm };
}
