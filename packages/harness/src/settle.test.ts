import { describe, expect, it } from 'vitest';
import type { HarnessTransport } from '@streamscore/core';
import type { Collector } from './collect.js';
import { POSITION_EVERY_MS, settle } from './settle.js';

// Only what settle touches: the output count and the drain.
const silentCollector = () => ({ out: 0, drain: () => {} }) as unknown as Collector;
const transport = (quietMs: number, maxMs: number) => ({ settle: { quietMs, maxMs } }) as unknown as HarnessTransport;

describe('settle: the drain waits for an engine still taking in its input', () => {
  it('ends a quiet period after the output stops when the engine reports no position', async () => {
    const t0 = Date.now();
    await settle(transport(300, 5_000), silentCollector());
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(300);
    expect(took).toBeLessThan(1_500);
  });

  it('stays open while the position moves, then a quiet period more', async () => {
    const t0 = Date.now();
    // The engine reads on for 2 s after the load stopped, then stands still.
    const position = async () => Math.min(Date.now() - t0, 2_000);
    await settle(transport(300, 10_000), silentCollector(), 0, 0, position);
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(2_000 + 300);
    expect(took).toBeLessThan(2_000 + 300 + 2 * POSITION_EVERY_MS + 1_000);
  });

  it('is still bounded when the position never stops moving', async () => {
    const t0 = Date.now();
    await settle(transport(300, 1_500), silentCollector(), 0, 0, async () => Date.now());
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1_500);
    expect(took).toBeLessThan(3_000);
  });

  it('a position the engine cannot give (an error) counts as no news', async () => {
    const t0 = Date.now();
    await settle(transport(300, 5_000), silentCollector(), 0, 0, () => Promise.reject(new Error('REST down')));
    expect(Date.now() - t0).toBeLessThan(1_500);
  });
});
