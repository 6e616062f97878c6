import { describe, expect, it } from 'vitest';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { FlockDriver } from './driver.js';

const driver = () =>
  new FlockDriver({ lambda: {} as LambdaClient, plan: { stage: 'per-event', sql: 'SELECT * FROM events', watermarkDelayMs: 0 }, functions: ['f'], invocation: 'async', epochMs: 1_000, eventTime: () => 0 });

describe("a driver's accounts handed from its process to the harness's", () => {
  it('carry counters, REPORT lines seen and cold starts; a late copy of a seen line is not counted twice', () => {
    const child = driver();
    child.push([{ t: 1 }, { t: 2 }]);
    child.addReport({ requestId: 'a', durationMs: 10, billedMs: 10, memoryMB: 1024, initMs: 250 });
    child.addReport({ requestId: 'b', durationMs: 20, billedMs: 20, memoryMB: 1024, maxMemoryUsedMB: 300 });
    const local = driver();
    local.restore(child.snapshot());
    expect(local.stats).toMatchObject({ eventsIn: 2, reports: 2, billedMs: 30, coldStarts: 1, initMs: 250, maxMemoryUsedMB: 300 });
    local.addReport({ requestId: 'b', durationMs: 20, billedMs: 20, memoryMB: 1024 });
    local.addReport({ requestId: 'c', durationMs: 5, billedMs: 5, memoryMB: 1024 });
    expect(local.stats.reports).toBe(3);
    expect(local.stats.billedMs).toBe(35);
    expect((local.summary()['initDurationUs'] as { percentiles: { count: number } }).percentiles.count).toBe(1);
  });
});
