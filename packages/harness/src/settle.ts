import { type HarnessTransport, nowMs } from '@streamscore/core';
import type { Collector } from './collect.js';
import { sleep } from './drive.js';

/**
 * Settle: let in-flight answers arrive — until the output has been quiet for the transport's
 * quiet period, within a bound (a polled transport needs longer than memory).
 */
export async function settle(transport: HarnessTransport, collector: Collector): Promise<void> {
  const bounds = transport.settle ?? { quietMs: 200, maxMs: 500 };
  const settleStart = nowMs();
  let lastOut = collector.out;
  let quietSince = settleStart;
  while (nowMs() - settleStart < bounds.maxMs && nowMs() - quietSince < bounds.quietMs) {
    collector.drain();
    if (collector.out !== lastOut) {
      lastOut = collector.out;
      quietSince = nowMs();
    }
    await sleep(20);
  }
  collector.drain();
}
