import { type HarnessTransport, nowMs } from '@streamscore/core';
import type { Collector } from './collect.js';
import { sleep } from './drive.js';

/**
 * The drain: the load has stopped; let in-flight answers arrive — until the output has been
 * quiet for the transport's quiet period, within a bound (a polled transport needs longer than
 * memory). `atLeastMs` holds the drain open regardless: a processing-time window still open when
 * the input ends closes only when the wall clock passes its end.
 */
export async function settle(transport: HarnessTransport, collector: Collector, atLeastMs = 0): Promise<void> {
  const bounds = transport.settle ?? { quietMs: 200, maxMs: 500 };
  const settleStart = nowMs();
  const maxMs = atLeastMs + bounds.maxMs;
  let lastOut = collector.out;
  let quietSince = settleStart;
  while (nowMs() - settleStart < maxMs && (nowMs() - settleStart < atLeastMs || nowMs() - quietSince < bounds.quietMs)) {
    collector.drain();
    if (collector.out !== lastOut) {
      lastOut = collector.out;
      quietSince = nowMs();
    }
    await sleep(20);
  }
  collector.drain();
}
