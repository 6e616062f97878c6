import { describe, expect, it } from 'vitest';
import { parseReportLine } from './lambda-client.js';
import { FlockDriver } from './driver/driver.js';
// Core's cost functions, from its sources (core's index does not export the cost modules yet).
import { costOfLambdaReports, costOfLedger, loadPriceBook } from '@streamscore/cost';

/**
 * Hand-worked example (us-east-1, arm64, 1024 MB; first tier $0.0000133334 per GB-s, $0.20 per
 * million requests):
 *
 *   invocation 1 (cold): Duration 120.40 ms, Init 230.10 ms → Billed ceil(350.50) = 351 ms
 *   invocation 2:        Duration  20.50 ms               → Billed 21 ms
 *   invocation 3:        Duration   8.01 ms               → Billed  9 ms
 *
 *   billed = 351 + 21 + 9 = 381 ms;  GB-s = 0.381 s × 1024/1024 GB = 0.381
 *   duration = 0.381 × 0.0000133334 = $0.00000508002540
 *   requests = 3 × $0.0000002       = $0.00000060000000
 *   total                           = $0.00000568002540
 */
const LINES = [
  'REPORT RequestId: 6f1c0d6e-0001\tDuration: 120.40 ms\tBilled Duration: 351 ms\tMemory Size: 1024 MB\tMax Memory Used: 112 MB\tInit Duration: 230.10 ms\t',
  'REPORT RequestId: 6f1c0d6e-0002\tDuration: 20.50 ms\tBilled Duration: 21 ms\tMemory Size: 1024 MB\tMax Memory Used: 115 MB\t',
  'REPORT RequestId: 6f1c0d6e-0003\tDuration: 8.01 ms\tBilled Duration: 9 ms\tMemory Size: 1024 MB\tMax Memory Used: 115 MB\t',
];
const EXPECTED_USD = 0.381 * 0.0000133334 + 3 * 0.0000002;

describe('the Lambda bill from REPORT lines', () => {
  it('parses REPORT lines', () => {
    expect(LINES.map(parseReportLine)).toEqual([
      { requestId: '6f1c0d6e-0001', durationMs: 120.4, billedMs: 351, memoryMB: 1024, maxMemoryUsedMB: 112, initMs: 230.1 },
      { requestId: '6f1c0d6e-0002', durationMs: 20.5, billedMs: 21, memoryMB: 1024, maxMemoryUsedMB: 115 },
      { requestId: '6f1c0d6e-0003', durationMs: 8.01, billedMs: 9, memoryMB: 1024, maxMemoryUsedMB: 115 },
    ]);
  });

  it('matches the hand-worked example through core’s Lambda billing', () => {
    const book = loadPriceBook('us-east-1');
    const reports = LINES.map((l) => ({ ...parseReportLine(l)!, architecture: 'arm64' as const }));
    const cost = costOfLambdaReports(reports, book);
    expect(cost.billedMs).toBe(381);
    expect(cost.totalUsd).toBeCloseTo(EXPECTED_USD, 15);
  });

  it('the driver’s ledger totals give the same bill through core’s ledger pricing', () => {
    // What the backend writes into its lambda-invocations ledger entry, from the same lines.
    const drv = new FlockDriver({ lambda: {} as never, plan: { stage: 'per-event', sql: '', watermarkDelayMs: 0 }, functions: ['f'], invocation: 'sync', epochMs: 100, eventTime: () => 0 });
    for (const l of LINES) drv.addReport(parseReportLine(l)!);
    drv.addReport(parseReportLine(LINES[1]!)!); // the same request seen twice counts once
    expect(drv.stats).toMatchObject({ reports: 3, billedMs: 381, coldStarts: 1, initMs: 230.1 });
    const book = loadPriceBook('us-east-1');
    const breakdown = costOfLedger(
      [
        {
          id: 'ss-flock-x-invocations',
          backend: 'flock',
          runId: 'r',
          kind: 'lambda-invocations',
          size: '1024MB/arm64',
          count: 1,
          state: 'deleted',
          start: 0,
          end: 1000,
          attributes: { billedMs: drv.stats.billedMs, requests: drv.stats.reports, memoryMB: 1024, architecture: 'arm64', initMs: drv.stats.initMs },
        },
      ],
      book,
      { events: 1000, runEndMs: 1000 },
    );
    expect(breakdown.totalUsd).toBeCloseTo(EXPECTED_USD, 15);
  });
});
