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
 */
export async function settle(transport: HarnessTransport, collector: Collector, atLeastMs = 0, heldMs = 0): Promise<void> {
  const bounds = transport.settle ?? { quietMs: 200, maxMs: 500 };
  const settleStart = nowMs();
  const quietMs = Math.max(bounds.quietMs, heldMs);
  const maxMs = atLeastMs + bounds.maxMs + 6 * heldMs;
  let lastOut = collector.out;
  let quietSince = settleStart;
  while (nowMs() - settleStart < maxMs && (nowMs() - settleStart < atLeastMs || nowMs() - quietSince < quietMs)) {
    collector.drain();
    if (collector.out !== lastOut) {
      lastOut = collector.out;
      quietSince = nowMs();
    }
    await sleep(20);
  }
  collector.drain();
}
