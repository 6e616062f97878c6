import { describe, expect, it } from 'vitest';
import { isUserError } from '@streamscore/core';
import { loadPriceBook } from './price-book.js';
import { alwaysOnLambda, explainHourly, lambdaLogs, projectCost, projectHourly } from './projection.js';

const book = loadPriceBook('us-east-1');

describe('projectHourly', () => {
  it('prices EC2 instances, gp3 volumes and public IPv4 per hour', () => {
    // 3 × c6g.xlarge = 3 × $0.136 = $0.408/h
    expect(projectHourly({ kind: 'ec2-instance', size: 'c6g.xlarge', count: 3 }, book)).toBeCloseTo(0.408, 10);
    // 3 × 100 GB gp3 = 300 × $0.08 / 730 h = $0.032877/h
    expect(projectHourly({ kind: 'ebs-gp3', size: '100', count: 3 }, book)).toBeCloseTo(0.032877, 6);
    // 3 addresses × $0.005 = $0.015/h
    expect(projectHourly({ kind: 'public-ipv4', count: 3 }, book)).toBeCloseTo(0.015, 10);
  });

  it('prices a Managed Flink application with its orchestration KPU and storage', () => {
    // parallelism 8 at 2 per KPU → 4 KPUs + 1 = 5 × $0.11 = $0.55/h; storage 4 × 50 GB × $0.10 / 730 h = $0.027397/h
    expect(projectHourly({ kind: 'kda-application', count: 1, attributes: { parallelism: 8, parallelismPerKpu: 2 } }, book)).toBeCloseTo(0.577397, 6);
  });

  it('prices Lambda from a request rate, an average billed duration and memory', () => {
    // 100 req/s × 3,600 s = 360,000 requests/h; × 120 ms × 1 GB = 43,200 GB-s × $0.0000133334 (arm64, first tier) = $0.576003
    // + 360,000 × $0.0000002 = $0.072 → $0.648003/h
    const r = { kind: 'lambda-invocations', count: 1, attributes: { requestsPerSecond: 100, avgBilledMs: 120, memoryMB: 1024, architecture: 'arm64' } };
    expect(projectHourly(r, book)).toBeCloseTo(0.648003, 6);
  });

  it('prices Kinesis shards with PUT units from a record rate and size', () => {
    // 4 shards × $0.015 = $0.06/h; 2,000 records/s of 24 KiB (1 unit each) × 3,600 = 7.2M units × $0.014/M = $0.1008/h
    const r = { kind: 'kinesis-shard', count: 4, attributes: { recordsPerSecond: 2000, recordBytes: 24 * 1024 } };
    expect(projectHourly(r, book)).toBeCloseTo(0.1608, 10);
  });

  it('costs local resources nothing', () => {
    expect(projectHourly({ kind: 'process', count: 1 }, book)).toBe(0);
  });

  it('throws a UserError for what it cannot price, instead of showing $0', () => {
    let err: unknown;
    try {
      projectHourly({ kind: 'ec2-instance', size: 'x9.huge', count: 1 }, book);
    } catch (e) {
      err = e;
    }
    expect(isUserError(err)).toBe(true);
    expect(explainHourly({ kind: 'redshift-cluster', count: 1 }, book)).toMatchObject({ usdPerHour: 0, priced: false });
  });
});

describe('projectCost', () => {
  it('applies minimums to a short run', () => {
    // A 5-minute run of a 2-KPU application (+1) is billed 10 minutes: 3 × 600/3600 × $0.11 = $0.055
    //   + storage 2 × 50 GB × 600 s / (730 × 3600 s) × $0.10 = $0.002283; total $0.057283
    const c = projectCost([{ kind: 'kda-application', count: 1, attributes: { kpus: 2 } }], book, { durationS: 300, events: 1_000_000 });
    expect(c.totalUsd).toBeCloseTo(0.057283, 6);
    expect(c.perMillionEventsUsd).toBeCloseTo(0.057283, 6);
  });
});

describe('always-on Lambda and its logs', () => {
  it('bills an always-on 4,096 MB arm64 function every millisecond of the hour', () => {
    const hourly = explainHourly;
    const b = book;
    // 4 invocations × 900,000 ms = 3,600 s × 4 GB = 14,400 GB-s × $0.0000133334 = $0.19200 + 4 requests × $0.0000002
    const x = hourly(alwaysOnLambda(4096, 'arm64'), b);
    expect(x.priced).toBe(true);
    expect(x.usdPerHour).toBeCloseTo(14_400 * 0.0000133334 + 4 * 0.2e-6, 9);
    // 10 invocations/s × 380 B × 3,600 s = 13,680,000 B = 0.012741 GiB × $0.50 = $0.0063702
    expect(hourly(lambdaLogs(10), b).usdPerHour).toBeCloseTo((13_680_000 / 2 ** 30) * 0.5, 10);
  });
});
