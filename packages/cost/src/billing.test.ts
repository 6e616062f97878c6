import { describe, expect, it } from 'vitest';
import { type LedgerEntry, CostSchema } from '@streamscore/core';
import { loadPriceBook } from './price-book.js';
import { costOfLedger, isUnpricedLine, monthsBetween, putUnitsFromTotals, type CostOptions } from './billing.js';

/**
 * Every expected figure below is worked by hand from the shipped us-east-1 snapshot (2026-11-25)
 * and written out in the comment above the assertion. Dates fall in June 2026, a 30-day month
 * (2,592,000 s), so GB-month prorations are easy to check.
 */
const book = loadPriceBook('us-east-1');
const T0 = Date.UTC(2026, 5, 10, 10, 0, 0);
const S = 1000;
const H = 3_600_000;

function entry(p: Partial<LedgerEntry> & Pick<LedgerEntry, 'kind' | 'count'>): LedgerEntry {
  return { id: p.id ?? p.kind, backend: 'test', runId: 'run-1', state: 'deleted', start: T0, ...p };
}

function cost(entries: LedgerEntry[], opts: Partial<CostOptions> = {}) {
  return costOfLedger(entries, book, { events: 0, runEndMs: T0 + H, ...opts });
}

/** Rounded to the cent, as a report shows it. */
const cents = (n: number): number => Math.round(n * 100) / 100;

describe('EC2 instances', () => {
  it('bills the 60-second minimum per instance', () => {
    // 3 × c6g.xlarge for 45 s → 60 s minimum each → 3 × 60/3600 h × $0.136 = $0.0068
    const c = cost([entry({ kind: 'ec2-instance', size: 'c6g.xlarge', count: 3, end: T0 + 45 * S })]);
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]!.quantity).toBeCloseTo(0.05, 10);
    expect(c.lines[0]!.unitPriceUsd).toBe(0.136);
    expect(c.totalUsd).toBeCloseTo(0.0068, 10);
    expect(c.lines[0]!.rule).toContain('60 s minimum');
    expect(c.lines[0]!.rule).toContain('ran 45 s');
  });

  it('prorates per second, rounding a partial second up', () => {
    // 2 × m5.large for 1 h 30 min 20.4 s → 5,421 s each → 2 × 5,421/3600 h = 3.011667 h × $0.096 = $0.28912 → $0.29
    const c = cost([entry({ kind: 'ec2-instance', size: 'm5.large', count: 2, end: T0 + 5420.4 * S })]);
    expect(c.lines[0]!.quantity).toBeCloseTo((2 * 5421) / 3600, 10);
    expect(c.totalUsd).toBeCloseTo(0.28912, 8);
    expect(cents(c.totalUsd)).toBe(0.29);
  });

  it('shows an instance type missing from the book as an unpriced line, without throwing', () => {
    const c = cost([entry({ kind: 'ec2-instance', size: 'x9.huge', count: 2, end: T0 + H })]);
    expect(c.totalUsd).toBe(0);
    expect(c.lines[0]!.rule).toMatch(/^no price for EC2 instance type x9\.huge/);
    expect(isUnpricedLine(c.lines[0]!)).toBe(true);
  });
});

describe('EBS gp3', () => {
  it('prorates GB-month per second over the calendar month, with IOPS and throughput above baseline', () => {
    // 100 GB, 6,000 IOPS, 250 MiB/s for 12 h in June (30 days): 43,200 s / 2,592,000 s = 1/60 month
    //   storage    100 GB × 1/60 × $0.08          = $0.133333
    //   IOPS       (6,000 − 3,000) × 1/60 × $0.005 = $0.25
    //   throughput (250 − 125) × 1/60 × $0.04     = $0.083333
    //   total                                       $0.466667 → $0.47
    const c = cost([entry({ kind: 'ebs-gp3', size: '100', count: 1, end: T0 + 12 * H, attributes: { iops: 6000, throughput: 250 } })]);
    expect(c.lines.map((l) => l.unit)).toEqual(['GB-month', 'IOPS-month', 'MiB/s-month']);
    expect(c.lines[0]!.costUsd).toBeCloseTo(0.133333, 6);
    expect(c.lines[1]!.costUsd).toBeCloseTo(0.25, 10);
    expect(c.lines[2]!.costUsd).toBeCloseTo(0.083333, 6);
    expect(c.totalUsd).toBeCloseTo(0.466667, 6);
    expect(cents(c.totalUsd)).toBe(0.47);
  });

  it('prorates as AWS’s EBS page describes: 2,000 GB for 12 hours of a 30-day month', () => {
    // $0.08 × 2,000 GB × 43,200 s / (86,400 s × 30) = $2.6667 → $2.67
    const c = cost([entry({ kind: 'ebs-gp3', size: '2000', count: 1, end: T0 + 12 * H })]);
    expect(c.totalUsd).toBeCloseTo(2.666667, 6);
  });

  it('bills nothing extra at the baseline and applies the 60 s minimum', () => {
    // 3 × 8 GB for 20 s → 60 s: 3 × 8 GB × 60/2,592,000 × $0.08 = $0.0000444
    const c = cost([entry({ kind: 'ebs-gp3', size: '8', count: 3, end: T0 + 20 * S, attributes: { iops: 3000, throughput: 125 } })]);
    expect(c.lines).toHaveLength(1);
    expect(c.totalUsd).toBeCloseTo((3 * 8 * 60 * 0.08) / 2_592_000, 12);
  });

  it('splits a span across two calendar months by each month’s length', () => {
    // 30 June 12:00 → 1 July 12:00: 12 h of June (30 days) + 12 h of July (31 days)
    const start = Date.UTC(2026, 5, 30, 12);
    expect(monthsBetween(start, start + 24 * H)).toBeCloseTo(12 / 720 + 12 / 744, 12);
    expect(monthsBetween(start, start + 24 * H, 730)).toBeCloseTo(24 / 730, 12);
  });
});

describe('public IPv4', () => {
  it('prorates the hourly rate per second', () => {
    // 3 addresses × 2 h 15 min = 6.75 IP-hours × $0.005 = $0.03375 → $0.03
    const c = cost([entry({ kind: 'public-ipv4', count: 3, end: T0 + 8100 * S })]);
    expect(c.lines[0]!.quantity).toBeCloseTo(6.75, 10);
    expect(c.totalUsd).toBeCloseTo(0.03375, 10);
  });
});

describe('Managed Service for Apache Flink', () => {
  it('applies the 10-minute minimum, the orchestration KPU and 50 GB running storage per KPU', () => {
    // parallelism 4, 1 per KPU → 4 KPUs + 1 orchestration = 5 KPUs; ran 5 min → billed 10 min
    //   KPUs     5 × 600/3600 h × $0.11                       = $0.091667
    //   storage  4 KPUs × 50 GB × 600/2,592,000 month × $0.10 = $0.004630
    //   total                                                   $0.096296 → $0.10
    const c = cost([entry({ kind: 'kda-application', count: 1, end: T0 + 300 * S, attributes: { parallelism: 4, parallelismPerKpu: 1 } })]);
    expect(c.lines.map((l) => l.unit)).toEqual(['KPU-hour', 'GB-month']);
    expect(c.lines[0]!.quantity).toBeCloseTo((5 * 600) / 3600, 10);
    expect(c.lines[0]!.costUsd).toBeCloseTo(0.091667, 6);
    expect(c.lines[1]!.quantity).toBeCloseTo((200 * 600) / 2_592_000, 10);
    expect(c.lines[1]!.costUsd).toBeCloseTo(0.00463, 6);
    expect(c.totalUsd).toBeCloseTo(0.096296, 6);
    expect(c.lines[0]!.rule).toContain('10-minute minimum');
    expect(c.lines[0]!.rule).toContain('orchestration KPU');
  });

  it('rounds KPUs up: parallelism 5 at 2 per KPU is 3 KPUs + 1', () => {
    // ⌈5/2⌉ = 3, + 1 = 4 KPUs × 1 h × $0.11 = $0.44; storage 3 × 50 GB × 1/720 month × $0.10 = $0.020833
    const c = cost([entry({ kind: 'kda-application', count: 1, end: T0 + H, attributes: { parallelism: 5, parallelismPerKpu: 2 } })]);
    expect(c.lines[0]!.quantity).toBeCloseTo(4, 10);
    expect(c.lines[0]!.costUsd).toBeCloseTo(0.44, 10);
    expect(c.lines[1]!.costUsd).toBeCloseTo(0.020833, 6);
  });

  it('reproduces AWS’s development example: 4 KPUs started three times (30, 5 and 2 minutes) → 50 minutes', () => {
    // how-pricing page: 30 min + 10 min (5 rounded up) + 10 min (2 rounded up) = 50 min
    //   KPUs    50/60 h × (4 + 1) × $0.11 = 4.167 KPU-hours → $0.458 → $0.46 (AWS: "$0.46", "4.167 KPU-Hour")
    //   storage 4 × 50 GB × 3,000 s / 2,592,000 s = 0.2315 GB-month × $0.10 = $0.023
    //           (AWS's page shows 0.232 GB-month and $0.03; their own product is $0.0232)
    const day = Date.UTC(2026, 5, 10);
    const run = (id: string, fromMin: number, toMin: number): LedgerEntry =>
      entry({ id, kind: 'kda-application', count: 1, start: day + (10 * 60 + fromMin) * 60 * S, end: day + (10 * 60 + toMin) * 60 * S, attributes: { kpus: 4 } });
    const c = costOfLedger([run('a', 5, 35), run('b', 40, 45), run('c', 50, 52)], book, { events: 0, runEndMs: day + 11 * H });
    const kpuHours = c.lines.filter((l) => l.unit === 'KPU-hour').reduce((s, l) => s + l.quantity, 0);
    const kpuUsd = c.lines.filter((l) => l.unit === 'KPU-hour').reduce((s, l) => s + l.costUsd, 0);
    const gbMonths = c.lines.filter((l) => l.unit === 'GB-month').reduce((s, l) => s + l.quantity, 0);
    expect(kpuHours).toBeCloseTo(4.167, 3);
    expect(cents(kpuUsd)).toBe(0.46);
    expect(gbMonths).toBeCloseTo(0.2315, 4);
  });
});

describe('Lambda invocations (totals from REPORT lines)', () => {
  it('prices GB-seconds by architecture plus requests', () => {
    // arm64, 1,024 MB, 3,600,000 billed ms in all (init included), 10,000 requests
    //   duration 3,600 s × 1 GB = 3,600 GB-s × $0.0000133334 = $0.048000
    //   requests 10,000 × $0.0000002                      = $0.002
    //   total                                               $0.050000 → $0.05
    const c = cost([entry({ kind: 'lambda-invocations', count: 1, attributes: { billedMs: 3_600_000, memoryMB: 1024, architecture: 'arm64', requests: 10_000 } })]);
    expect(c.lines.map((l) => l.unit)).toEqual(['GB-second', 'request']);
    expect(c.lines[0]!.quantity).toBeCloseTo(3600, 10);
    expect(c.lines[0]!.costUsd).toBeCloseTo(0.04800024, 10);
    expect(c.lines[1]!.costUsd).toBeCloseTo(0.002, 12);
    expect(cents(c.totalUsd)).toBe(0.05);
    expect(c.lines[0]!.rule).toContain('first tier');
  });

  it('splits usage across tiers when the month’s usage crosses a boundary (tierOffsetGbS)', () => {
    // x86_64, 2,048 MB, 1,000,000 billed ms → 1,000 s × 2 GB = 2,000 GB-s, starting at 5,999,999,000 GB-s used
    //   1,000 GB-s at tier 1 × $0.0000166667 = $0.0166667
    //   1,000 GB-s at tier 2 × $0.000015     = $0.015
    //   1 request × $0.0000002               = $0.0000002
    //   total                                  $0.0316669 → $0.03
    const c = cost([entry({ kind: 'lambda-invocations', count: 1, attributes: { billedMs: 1_000_000, memoryMB: 2048, architecture: 'x86_64', requests: 1 } })], {
      tierOffsetGbS: { x86_64: 5_999_999_000 },
    });
    const duration = c.lines.filter((l) => l.unit === 'GB-second');
    expect(duration.map((l) => [l.quantity, l.unitPriceUsd])).toEqual([
      [1000, 0.0000166667],
      [1000, 0.000015],
    ]);
    expect(c.totalUsd).toBeCloseTo(0.0316669, 7);
    expect(duration[1]!.rule).toContain('tier 2');
  });

  it('keeps one running tier total per architecture across entries', () => {
    // Two x86_64 entries, 4e9 GB-s each (billedMs 4e12 at 1,024 MB): the second crosses 6e9
    //   first:  4e9 × $0.0000166667
    //   second: 2e9 × $0.0000166667 + 2e9 × $0.000015
    const e = (id: string) => entry({ id, kind: 'lambda-invocations', count: 1, attributes: { billedMs: 4e12, memoryMB: 1024, architecture: 'x86_64', requests: 0 } });
    const c = cost([e('f1'), e('f2')]);
    const second = c.lines.filter((l) => l.resource === 'f2' && l.unit === 'GB-second');
    expect(second.map((l) => l.quantity)).toEqual([2e9, 2e9]);
    expect(c.totalUsd).toBeCloseTo(6e9 * 0.0000166667 + 2e9 * 0.000015, 4);
  });

  it('bills ephemeral storage above 512 MB', () => {
    // 2,048 MB of /tmp → 1,536 MB billed: 1.5 GB × 100 s = 150 GB-s × $0.0000000309 = $0.000004635
    const c = cost([entry({ kind: 'lambda-invocations', count: 1, attributes: { billedMs: 100_000, memoryMB: 128, architecture: 'x86_64', requests: 0, ephemeralStorageMB: 2048 } })]);
    const eph = c.lines.find((l) => l.rule.includes('ephemeral'));
    expect(eph!.quantity).toBeCloseTo(150, 10);
    expect(eph!.costUsd).toBeCloseTo(0.000004635, 12);
  });

  it('cannot price an entry without REPORT totals, and says so', () => {
    const c = cost([entry({ kind: 'lambda-invocations', count: 1, attributes: { requests: 10 } })]);
    expect(c.totalUsd).toBe(0);
    expect(c.lines[0]!.rule).toMatch(/^no price for lambda-invocations without billedMs/);
  });
});

describe('Kinesis', () => {
  it('rounds each record up to 25 KB PUT payload units', () => {
    // a 30 KB record (30,720 bytes) = 2 units; 500 records of 1 KB = 500 units
    expect(putUnitsFromTotals(1, 30 * 1024, book.kinesis.putPayloadUnitBytes)).toBe(2);
    expect(putUnitsFromTotals(500, 500 * 1024, book.kinesis.putPayloadUnitBytes)).toBe(500);
    expect(putUnitsFromTotals(0, 0, book.kinesis.putPayloadUnitBytes)).toBe(0);
  });

  it('bills shard-hours per second plus PUT payload units', () => {
    // 2 shards × 1 h = 2 shard-hours × $0.015 = $0.03
    // 10,000,000 records of 1 KB → 10,000,000 units × $0.014 / 1e6 = $0.14
    // total $0.17
    const c = cost([entry({ kind: 'kinesis-shard', count: 2, end: T0 + H, attributes: { records: 10_000_000, bytes: 10_000_000 * 1024 } })]);
    expect(c.lines[0]!.costUsd).toBeCloseTo(0.03, 10);
    expect(c.lines[1]!.quantity).toBe(10_000_000);
    expect(c.lines[1]!.costUsd).toBeCloseTo(0.14, 10);
    expect(c.totalUsd).toBeCloseTo(0.17, 10);
    expect(c.lines[0]!.rule).toContain('prorated per second here');
  });

  it('takes putPayloadUnits as recorded when the backend counted them', () => {
    // 1 shard × 30 min = 0.5 × $0.015 = $0.0075; 2,000,000 units (a million 30 KB records) × $0.014/1e6 = $0.028
    const c = cost([entry({ kind: 'kinesis-shard', count: 1, end: T0 + H / 2, attributes: { putPayloadUnits: 2_000_000 } })]);
    expect(c.totalUsd).toBeCloseTo(0.0075 + 0.028, 10);
  });

  it('prices on-demand streams: stream-hours, data in rounded up to 1 KB per record, data out', () => {
    // 1 stream × 1 h × $0.04 = $0.04
    // in:  1,000,000 records of 4.5 KB → 5 KB each = 5,120,000,000 bytes = 4.768372 GiB × $0.08 = $0.381470
    // out: 10 GiB × $0.04 = $0.40
    // total $0.821470 → $0.82
    const c = cost([entry({ kind: 'kinesis-on-demand', count: 1, end: T0 + H, attributes: { records: 1_000_000, bytesIn: 1_000_000 * 4608, bytesOut: 10 * 1024 ** 3 } })]);
    expect(c.lines[1]!.quantity).toBeCloseTo(4.768372, 6);
    expect(c.totalUsd).toBeCloseTo(0.82147, 5);
  });
});

describe('S3 and CloudWatch', () => {
  it('prices S3 requests per 1,000', () => {
    // 10,000 PUT → 10 × $0.005 = $0.05; 100,000 GET → 100 × $0.0004 = $0.04; total $0.09
    const c = cost([entry({ kind: 's3-requests', count: 1, attributes: { puts: 10_000, gets: 100_000 } })]);
    expect(c.totalUsd).toBeCloseTo(0.09, 10);
  });

  it('prices S3 storage by GB-month', () => {
    // 1 GiB stored for 12 h of June = 1/60 month × $0.023 = $0.000383
    const c = cost([entry({ kind: 's3-object', count: 1, end: T0 + 12 * H, attributes: { bytes: 1024 ** 3 } })]);
    expect(c.totalUsd).toBeCloseTo(0.023 / 60, 10);
  });

  it('prices GetMetricData per 1,000 metrics requested', () => {
    // 12 metrics every 10 s for 1 h = 360 calls × 12 = 4,320 metrics → 4.32 × $0.01 = $0.0432 → $0.04
    const c = cost([entry({ kind: 'cloudwatch-metrics', count: 1, attributes: { metricsRequested: 4320 } })]);
    expect(c.totalUsd).toBeCloseTo(0.0432, 10);
  });

  it('prices CloudWatch Logs ingestion per GB', () => {
    // Lambda REPORT/START/END lines: 3,600 invocations × 300 bytes = 1,080,000 bytes = 0.0010058 GiB × $0.50 = $0.00050291
    const c = cost([entry({ kind: 'cloudwatch-logs', count: 1, attributes: { bytes: 1_080_000 } })]);
    expect(c.totalUsd).toBeCloseTo((1_080_000 / 2 ** 30) * 0.5, 12);
    expect(c.lines[0]!.rule).toContain('CloudWatch Logs ingestion');
  });
});

describe('data transfer between Availability Zones', () => {
  it('bills each GB crossing on both sides', () => {
    // 10 GiB crossing → $0.01 out of one AZ + $0.01 into the other = 20 × $0.01 = $0.20
    const c = cost([entry({ kind: 'data-transfer-inter-az', count: 1, attributes: { bytes: 10 * 2 ** 30 } })]);
    expect(c.totalUsd).toBeCloseTo(0.2, 12);
    expect(c.lines[0]!.quantity).toBe(20);
  });

  it('marks an entry without bytes as not priced', () => {
    const c = cost([entry({ kind: 'data-transfer-inter-az', count: 1 })]);
    expect(isUnpricedLine(c.lines[0]!)).toBe(true);
  });
});

describe('the run as a whole', () => {
  it('costs local kinds nothing, with the rule "runs on this machine"', () => {
    const c = cost([entry({ kind: 'process', count: 2, end: T0 + H }), entry({ id: 'jm', kind: 'local-flink', count: 1, end: T0 + H })]);
    expect(c.totalUsd).toBe(0);
    expect(c.lines.map((l) => l.rule)).toEqual(['runs on this machine', 'runs on this machine']);
  });

  it('shows an unknown kind as a $0 line instead of throwing', () => {
    const c = cost([entry({ kind: 'dynamodb-table', count: 1, end: T0 + H })]);
    expect(c.lines).toHaveLength(1);
    expect(c.lines[0]!.costUsd).toBe(0);
    expect(c.lines[0]!.rule).toBe('no price for kind dynamodb-table');
  });

  it('costs free kinds nothing and says why', () => {
    const c = cost([entry({ kind: 'lambda-function', count: 4 }), entry({ kind: 'iam-role', count: 1 })]);
    expect(c.totalUsd).toBe(0);
    expect(c.lines.some(isUnpricedLine)).toBe(false);
  });

  it('bills resources with no end up to the end of the run', () => {
    // m5.large started at T0, no end; run ended at T0 + 2 h → 2 h × $0.096 = $0.192
    const c = cost([entry({ kind: 'ec2-instance', size: 'm5.large', count: 1, state: 'created' })], { runEndMs: T0 + 2 * H });
    expect(c.totalUsd).toBeCloseTo(0.192, 10);
    expect(c.lines[0]!.rule).toContain('no end recorded');
    expect(c.perHourUsd).toBeCloseTo(0.096, 10);
  });

  it('gives 0 per million events for 0 events, never NaN', () => {
    const c = cost([entry({ kind: 'ec2-instance', size: 'm5.large', count: 1, end: T0 + H })], { events: 0 });
    expect(c.perMillionEventsUsd).toBe(0);
    expect(Number.isNaN(c.perMillionEventsUsd)).toBe(false);
    const empty = cost([]);
    expect(empty).toMatchObject({ totalUsd: 0, perHourUsd: 0, perMillionEventsUsd: 0 });
  });

  it('adds up a Flink-on-EC2 run, per hour and per million events, in the Result’s shape', () => {
    // 3 × c6g.xlarge, 1 h           3 × 1 h × $0.136                      = $0.408
    // 3 × 8 GB gp3, 1 h             3 × 8 GB × 1/720 month × $0.08        = $0.002667
    // 3 public IPv4, 1 h            3 × 1 h × $0.005                      = $0.015
    // 2 shards, 1 h                 2 × $0.015                            = $0.03
    // 3,600,000 PUT units           3.6 × $0.014                          = $0.0504
    // harness process               $0
    // total $0.506067 → $0.51; wall 1 h → $0.506067/h; 36,000,000 events → $0.014057 per million
    const c = cost(
      [
        entry({ id: 'tm', kind: 'ec2-instance', size: 'c6g.xlarge', count: 3, end: T0 + H }),
        entry({ id: 'vol', kind: 'ebs-gp3', size: '8', count: 3, end: T0 + H }),
        entry({ id: 'ip', kind: 'public-ipv4', count: 3, end: T0 + H }),
        entry({ id: 'in', kind: 'kinesis-shard', count: 2, end: T0 + H, attributes: { putPayloadUnits: 3_600_000 } }),
        entry({ id: 'harness', kind: 'process', count: 1, end: T0 + H }),
      ],
      { events: 36_000_000 },
    );
    expect(c.totalUsd).toBeCloseTo(0.506067, 6);
    expect(cents(c.totalUsd)).toBe(0.51);
    expect(c.perHourUsd).toBeCloseTo(c.totalUsd, 10);
    expect(c.perMillionEventsUsd).toBeCloseTo(0.014057, 6);
    expect(c.priceBook).toEqual({ region: 'us-east-1', date: book.date, source: book.source });
    expect(CostSchema.parse(c)).toEqual(c);
  });
});

describe('local stand-ins', () => {
  it('a kinesis stream on a local Kinesis (attribute local) costs nothing', async () => {
    const { costOfLedger } = await import('./billing.js');
    const { loadPriceBook } = await import('./price-book.js');
    const book = loadPriceBook('us-east-1');
    const entry = { id: 's', backend: 'flink', runId: 'r', kind: 'kinesis-shard', count: 2, state: 'deleted' as const, start: 0, end: 3_600_000, attributes: { local: true } };
    const c = costOfLedger([entry], book, { events: 1000, runEndMs: 3_600_000 });
    expect(c.totalUsd).toBe(0);
    expect(c.lines[0]!.rule).toBe('runs on this machine');
    // The same stream on AWS: 2 shards × 1 h × the shard-hour price.
    const aws = costOfLedger([{ ...entry, attributes: {} }], book, { events: 1000, runEndMs: 3_600_000 });
    expect(aws.totalUsd).toBeCloseTo(2 * book.kinesis.shardHourUsd, 6);
  });
});
