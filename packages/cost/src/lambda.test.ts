import { describe, expect, it } from 'vitest';
import { loadPriceBook } from './price-book.js';
import { costOfLambdaReports, parseLambdaReportLine, sliceTiers, summarizeLambdaReports, type LambdaReport } from './lambda.js';

const book = loadPriceBook('us-east-1');

// The REPORT line AWS shows for the same invocation after 2025-08-01 (Compute Blog, "AWS Lambda
// standardizes billing for INIT Phase"): Billed Duration now includes Init Duration.
const COLD =
  'REPORT RequestId: 7c4a2f0e-1b2c-4d5e-8f90-123456789abc\tDuration: 250.06 ms\tBilled Duration: 351 ms\tMemory Size: 1024 MB\tMax Memory Used: 350 MB\tInit Duration: 100.77 ms';
const WARM = 'REPORT RequestId: 9d1b0c3a-aaaa-bbbb-cccc-ddddeeeeffff Duration: 250.06 ms Billed Duration: 251 ms Memory Size: 1024 MB Max Memory Used: 350 MB';

describe('REPORT lines', () => {
  it('parses duration, billed duration, memory and init duration', () => {
    expect(parseLambdaReportLine(COLD, 'arm64')).toEqual({
      durationMs: 250.06,
      billedMs: 351,
      memoryMB: 1024,
      maxMemoryUsedMB: 350,
      initMs: 100.77,
      architecture: 'arm64',
    });
    expect(parseLambdaReportLine(WARM, 'x86_64')).toMatchObject({ durationMs: 250.06, billedMs: 251, memoryMB: 1024 });
    expect(parseLambdaReportLine(WARM, 'x86_64')!.initMs).toBeUndefined();
    expect(parseLambdaReportLine('START RequestId: abc Version: $LATEST', 'x86_64')).toBeUndefined();
  });
});

describe('costOfLambdaReports', () => {
  it('sums billed duration per invocation with init already inside Billed Duration', () => {
    // 10,000 invocations at 2,048 MB on arm64: 9,900 warm (billed 251 ms) + 100 cold (billed 351 ms, init included)
    //   billed  9,900 × 251 + 100 × 351 = 2,484,900 + 35,100 = 2,520,000 ms = 2,520 s
    //   GB-s    2,520 s × 2 GB = 5,040 GB-s × $0.0000133334 = $0.067200
    //   requests 10,000 × $0.0000002                      = $0.002
    //   total                                               $0.069200 → $0.07
    const reports: LambdaReport[] = [
      ...Array.from({ length: 9900 }, () => ({ billedMs: 251, memoryMB: 2048, architecture: 'arm64' as const })),
      ...Array.from({ length: 100 }, () => ({ billedMs: 351, initMs: 100.77, memoryMB: 2048, architecture: 'arm64' as const })),
    ];
    const c = costOfLambdaReports(reports, book);
    expect(c.invocations).toBe(10_000);
    expect(c.billedMs).toBe(2_520_000);
    expect(c.gbSeconds).toEqual({ x86_64: 0, arm64: 5040 });
    expect(c.totalUsd).toBeCloseTo(5040 * 0.0000133334 + 0.002, 12);
    expect(Math.round(c.totalUsd * 100) / 100).toBe(0.07);
  });

  it('adds init when the billed figure excludes it (REPORT lines of managed runtimes before 2025-08-01)', () => {
    // billed 251 ms + ⌈100.77⌉ = 101 ms init → 352 ms × 1 GB = 0.352 GB-s
    const c = costOfLambdaReports([{ billedMs: 251, initMs: 100.77, memoryMB: 1024, architecture: 'x86_64' }], book, { initIncludedInBilled: false });
    expect(c.billedMs).toBe(352);
    expect(c.gbSeconds.x86_64).toBeCloseTo(0.352, 12);
  });

  it('rounds a fractional billed duration up to the next millisecond', () => {
    const c = costOfLambdaReports([{ billedMs: 10.2, memoryMB: 1024, architecture: 'x86_64' }], book);
    expect(c.billedMs).toBe(11);
  });

  it('prices each architecture on its own tiers, starting from tierOffsetGbS', () => {
    // arm64 already at 7,499,999,999 GB-s; one 1,024 MB invocation billed 3,000 ms = 3 GB-s
    //   1 GB-s at tier 1 ($0.0000133334) + 2 GB-s at tier 2 ($0.0000120001) + 1 request ($0.0000002)
    const c = costOfLambdaReports([{ billedMs: 3000, memoryMB: 1024, architecture: 'arm64' }], book, { tierOffsetGbS: { arm64: 7_499_999_999 } });
    const duration = c.lines.filter((l) => l.unit === 'GB-second');
    expect(duration.map((l) => [l.quantity, l.unitPriceUsd])).toEqual([
      [1, 0.0000133334],
      [2, 0.0000120001],
    ]);
    expect(c.totalUsd).toBeCloseTo(0.0000133334 + 2 * 0.0000120001 + 0.0000002, 15);
  });

  it('groups reports by architecture and memory for the ledger entry’s attributes', () => {
    const groups = summarizeLambdaReports([
      { billedMs: 351, initMs: 100.77, memoryMB: 1024, architecture: 'arm64' },
      { billedMs: 251, memoryMB: 1024, architecture: 'arm64' },
      { billedMs: 40, memoryMB: 512, architecture: 'x86_64' },
    ]);
    expect(groups).toEqual([
      { architecture: 'arm64', memoryMB: 1024, ephemeralStorageMB: 512, requests: 2, billedMs: 602, initMs: 100.77, coldStarts: 1 },
      { architecture: 'x86_64', memoryMB: 512, ephemeralStorageMB: 512, requests: 1, billedMs: 40, initMs: 0, coldStarts: 0 },
    ]);
  });
});

describe('tiers', () => {
  it('covers the whole range with open-ended last tiers', () => {
    // x86_64: 6B at $0.0000166667, 9B at $0.000015, then $0.0000133334
    const s = sliceTiers(book, 'x86_64', 20e9);
    expect(s.map((x) => [x.gbS, x.gbSecondUsd])).toEqual([
      [6e9, 0.0000166667],
      [9e9, 0.000015],
      [5e9, 0.0000133334],
    ]);
    expect(sliceTiers(book, 'arm64', 0)).toEqual([]);
  });
});
