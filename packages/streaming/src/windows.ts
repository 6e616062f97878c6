/**
 * Event-time window arithmetic shared by the streaming implementations (and, because each of
 * these is a one-line formula, usable by oracles too). Times are ms since the epoch.
 *
 * Conventions follow Flink: windows are half-open [start, end) and aligned to the epoch
 * (`TimeWindow.getWindowStartWithOffset` with offset 0); a window fires once the watermark has
 * reached its last millisecond, i.e. when `watermark >= end - 1`.
 */

/** Start of the tumbling window of `sizeMs` that holds `ts` (also the last hop start, with `sizeMs` = slide). */
export function windowStart(ts: number, sizeMs: number): number {
  const r = ts % sizeMs;
  return r >= 0 ? ts - r : ts - r - sizeMs;
}

/** True once a window ending at `endMs` (exclusive) has fired under `watermarkMs`. */
export function isWindowFired(endMs: number, watermarkMs: number): boolean {
  return endMs - 1 <= watermarkMs;
}

/**
 * Starts of every hopping window of `sizeMs` sliding by `slideMs` that holds `ts`, latest first.
 * Allocates an array: meant for oracles and tests; hot paths iterate with {@link windowStart}.
 */
export function hopWindowStarts(ts: number, sizeMs: number, slideMs: number): number[] {
  const out: number[] = [];
  for (let s = windowStart(ts, slideMs); s > ts - sizeMs; s -= slideMs) out.push(s);
  return out;
}

/** Why a window shape is invalid, or undefined if it is fine (size, slide > 0; slide ≤ size; size a multiple of slide). */
export function hopShapeProblem(sizeMs: number, slideMs: number): string | undefined {
  if (!(Number.isInteger(sizeMs) && sizeMs > 0)) return `window size must be a positive whole number of ms (got ${sizeMs})`;
  if (!(Number.isInteger(slideMs) && slideMs > 0)) return `window slide must be a positive whole number of ms (got ${slideMs})`;
  if (slideMs > sizeMs) return `window slide (${slideMs} ms) must not exceed the window size (${sizeMs} ms)`;
  // Flink's window TVF slices hopping windows into panes of `slide` and rejects other shapes
  // ("Slicing Hopping Window requires size must be an integral multiple of slide", SliceAssigners).
  if (sizeMs % slideMs !== 0) return `window size (${sizeMs} ms) must be a whole multiple of the slide (${slideMs} ms), as Flink's HOP requires`;
  return undefined;
}
