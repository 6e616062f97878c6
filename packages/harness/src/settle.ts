import { type HarnessTransport, nowMs } from '@streamscore/core';
import type { Collector } from './collect.js';
import { sleep } from './drive.js';

/**
 * The drain: the load has stopped; let in-flight answers arrive — until the output has been
 * quiet for the transport's quiet period, within a bound (a polled transport needs longer than
 * memory). `atLeastMs` holds the drain open regardless: a processing-time window still open when
 * the input ends closes only when the wall clock passes its end. `heldMs`: the backend holds
 * answers that long (a transactional sink writes each checkpoint's answers when it completes), so
 * its output comes in bursts up to that far apart — quiet means longer than that, and a job still
 * catching up after a fault gets a few bursts more.
 *
 * `position`: how far the engine has taken in its input (its consumer position), asked every
 * `POSITION_EVERY_MS`. An engine still working through its input is not quiet even when no answer
 * has come out yet: on a busy machine an engine can trail its input by more than the quiet period,
 * and answers it would have given were judged missing. Still bounded by `maxMs`.
 */
export async function settle(
  transport: HarnessTransport,
  collector: Collector,
  atLeastMs = 0,
  heldMs = 0,
  position?: () => Promise<number | undefined>,
): Promise<void> {
  const bounds = transport.settle ?? { quietMs: 200, maxMs: 500 };
  const settleStart = nowMs();
  let lastPosition = position ? await position().catch(() => undefined) : undefined;
  // Quiet must span two asks, or a moving position could go unseen.
  const quietMs = Math.max(bounds.quietMs, heldMs, lastPosition !== undefined ? 2 * POSITION_EVERY_MS : 0);
  const maxMs = atLeastMs + bounds.maxMs + 6 * heldMs;
  let lastOut = collector.out;
  let quietSince = settleStart;
  let askedAt = nowMs();
  while (nowMs() - settleStart < maxMs && (nowMs() - settleStart < atLeastMs || nowMs() - quietSince < quietMs)) {
    collector.drain();
    if (collector.out !== lastOut) {
      lastOut = collector.out;
      quietSince = nowMs();
    }
    if (position && nowMs() - askedAt >= POSITION_EVERY_MS) {
      askedAt = nowMs();
      const p = await position().catch(() => undefined);
      if (p !== undefined && p !== lastPosition) {
        lastPosition = p;
        quietSince = nowMs();
      }
    }
    await sleep(20);
  }
  collector.drain();
}

/** How often the drain asks the engine for its position (a REST round trip for Flink). */
export const POSITION_EVERY_MS = 500;
