import type { AnyWorkload } from '@streamscore/core';
import type { WorkloadTraits } from './types.js';

function numParam(params: Record<string, unknown>, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = params[n];
    if (typeof v === 'number' && Number.isFinite(v) && v > 0) return v;
  }
  return undefined;
}

/**
 * What the planner needs from a workload: its kind, window and slide (from the parameters by name:
 * `windowSizeMs`, `windowSlideMs`, `sessionGapMs`), the watermark delay its timing declares, and the
 * sizes of its events and answers — measured on the first `sample` events of its own generator
 * (JSON bytes per event as the transport frames them) and its oracle (answers per event).
 */
export function workloadTraits(w: AnyWorkload, paramsIn: Record<string, unknown> = {}, sample = 5000): WorkloadTraits {
  const params = w.params.parse(paramsIn);
  const timing = w.timing(params);
  let windowMs = 0;
  let slideMs = 0;
  if (w.kind === 'windowed' || w.kind === 'processing-time') {
    windowMs = numParam(params, 'windowSizeMs', 'sessionGapMs', 'gapMs') ?? Math.max(0, timing.horizonMs - timing.watermarkDelayMs);
    slideMs = numParam(params, 'windowSlideMs', 'slideMs') ?? windowMs;
  }
  const events: unknown[] = [];
  const src = w.generator({ maxEvents: sample });
  while (src.hasNext() && events.length < sample) events.push(src.next());
  // The transport frames each event as JSON.stringify(event) + LF (kinesis/framing.ts).
  const line = (e: unknown) => JSON.stringify(e);
  const eventBytes = events.length > 0 ? events.reduce<number>((s, e) => s + Buffer.byteLength(line(e)) + 1, 0) / events.length : 200;
  let outputRatio = 1;
  let outputBytes = eventBytes;
  let outputNote = `oracle over the first ${events.length} events`;
  try {
    const rows = w.reference(events, params);
    outputRatio = events.length > 0 ? rows.length / events.length : 1;
    if (rows.length > 0) outputBytes = rows.reduce((s, r) => s + Buffer.byteLength(JSON.stringify(r)) + 1, 0) / rows.length;
  } catch {
    outputNote = 'no oracle output (taken as one answer per event, an upper bound)';
  }
  return {
    id: w.id,
    kind: w.kind,
    windowMs,
    slideMs,
    watermarkDelayMs: timing.watermarkDelayMs,
    eventBytes,
    outputRatio,
    outputBytes,
    source: `measured: mean JSON bytes of the first ${events.length} generated events (${eventBytes.toFixed(0)} B); answers per event ${outputRatio.toFixed(4)} from the ${outputNote}`,
  };
}
