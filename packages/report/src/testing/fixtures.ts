import {
  encodeHistogram,
  newHistogram,
  percentiles,
  RESULT_SCHEMA_VERSION,
  ResultSchema,
  type Histogram,
  type Interval,
  type Result,
} from '@streamscore/core';
import { findMaxRate, type ReportTrial } from '../trials.js';

/**
 * Builds valid, deterministic Results for tests and for the sample report in the docs: latency
 * drawn from a seeded log-normal distribution into real HDR histograms (core's newHistogram,
 * encodeHistogram, percentiles), validated with ResultSchema.parse like any Result file.
 */
export interface FixtureOptions {
  backend?: string;
  target?: string;
  workload?: string;
  knobs?: Record<string, string | number | boolean>;
  /** Target rate, events/s. */
  rate?: number;
  seed?: number;
  /** Median and 99th percentile of the latency distribution, ms. */
  medianMs?: number;
  p99Ms?: number;
  /** Multiply latency in the measured interval with this index (0-based within all intervals) by `spikeFactor`. */
  spikeAt?: number;
  spikeFactor?: number;
  warmupS?: number;
  durationS?: number;
  drainS?: number;
  intervalS?: number;
  /** Latency samples recorded per interval (the histograms are real; the count is kept small). */
  samplesPerInterval?: number;
  /** Share of the target rate the driver managed to send. */
  achievedFraction?: number;
  /** Output records per input event (1 for per-event queries, less for windowed). */
  outputRatio?: number;
  /** Cost per hour (USD); omitted = no cost (as for local runs). */
  costPerHourUsd?: number;
  verdict?: 'pass' | 'fail' | 'incomplete' | 'unchecked' | 'vacuous';
  latencySloMs?: number;
  transportBaselineMs?: { p50: number; p99: number };
  errors?: string[];
  /** A find-max search: its trials (the sustained rate is the highest all-passing rate). */
  findMax?: { trials: Array<Pick<ReportTrial, 'rate' | 'passed' | 'p99Us' | 'backlogSlope' | 'reason'> & { repetition?: number }> };
  /** A bare `trials` array beside the schema: the loose hook older writers may use. */
  trials?: ReportTrial[];
  startedAt?: string;
  runId?: string;
}

/** mulberry32: small, fast, and the same numbers on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function logNormal(rand: () => number, medianUs: number, sigma: number): number {
  const u1 = Math.max(rand(), 1e-12);
  const u2 = rand();
  const z = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  return Math.max(1, Math.round(medianUs * Math.exp(sigma * z)));
}

function enc(h: Histogram) {
  return { unit: 'us' as const, significantDigits: 3 as const, encoded: encodeHistogram(h), percentiles: percentiles(h) };
}

export type FixtureResult = Result & { trials?: ReportTrial[] };

export function buildResult(o: FixtureOptions = {}): FixtureResult {
  const backend = o.backend ?? 'local';
  const target = o.target ?? 'local';
  const workload = o.workload ?? 'nexmark/q1';
  const rate = o.rate ?? 10_000;
  const warmupS = o.warmupS ?? 3;
  const durationS = o.durationS ?? 20;
  const drainS = o.drainS ?? 3;
  const intervalS = o.intervalS ?? 1;
  const perInterval = o.samplesPerInterval ?? 1000;
  const medianUs = (o.medianMs ?? 2) * 1000;
  const sigma = Math.log((o.p99Ms ?? 10) / (o.medianMs ?? 2)) / 2.326;
  const achieved = o.achievedFraction ?? 0.999;
  const outputRatio = o.outputRatio ?? 1;
  const drainRate = Math.max(1, Math.round(rate / 100));
  const rand = seededRandom(o.seed ?? 1);
  const startedAt = o.startedAt ?? '2026-11-20T10:00:00.000Z';
  const baseTimeMs = Date.parse(startedAt) + 1500;
  const runId = o.runId ?? `20261120T100000Z-${backend}-${workload.replace(/\//g, '-')}-${(o.seed ?? 1).toString(16).padStart(6, '0')}`;

  const total = newHistogram();
  const sendTotal = newHistogram();
  const intervals: Interval[] = [];
  const steps = Math.round((warmupS + durationS + drainS) / intervalS);
  let sent = 0;
  let out = 0;
  let measureSent = 0;
  for (let i = 0; i < steps; i++) {
    const t = Math.round((i + 1) * intervalS * 1000) / 1000;
    const phase: Interval['phase'] = t <= warmupS ? 'warmup' : t <= warmupS + durationS ? 'measure' : 'drain';
    const targetRate = phase === 'drain' ? drainRate : rate;
    const factor = o.spikeAt === i ? (o.spikeFactor ?? 5) : phase === 'warmup' ? 1.5 : 1;
    const lat = newHistogram();
    const sd = newHistogram();
    for (let k = 0; k < perInterval; k++) {
      const v = logNormal(rand, medianUs * factor, sigma);
      lat.recordValue(v);
      if (phase === 'measure') total.recordValue(v);
      const d = logNormal(rand, 40, 0.8);
      sd.recordValue(d);
      sendTotal.recordValue(d);
    }
    const jitter = 1 + (rand() - 0.5) * 0.01;
    const eventsIn = Math.round(targetRate * intervalS * (phase === 'drain' ? 1 : achieved * jitter));
    const eventsOut = Math.round(eventsIn * outputRatio * (1 + (rand() - 0.5) * 0.02));
    sent += eventsIn;
    out += eventsOut;
    if (phase === 'measure') measureSent += eventsIn;
    intervals.push({
      t,
      phase,
      targetRate,
      eventsIn,
      eventsOut,
      sendBacklog: phase === 'drain' ? 0 : Math.round(targetRate * intervalS * (1 - achieved)),
      latency: enc(lat),
      sendDelay: enc(sd),
      backend: { backlog: 0, cpu: Math.round(rand() * 100) / 100 },
    });
  }

  const scheduleS = warmupS + durationS + drainS;
  const achievedRate = measureSent / durationS;
  const expected = out;
  const verdictStatus = o.verdict ?? 'pass';
  const ledgerStart = baseTimeMs - 60_000;
  const ledgerEnd = baseTimeMs + scheduleS * 1000 + 30_000;
  const result: Result = {
    schemaVersion: RESULT_SCHEMA_VERSION,
    runId,
    tool: { name: 'streamscore', version: '0.1.0' },
    complete: true,
    startedAt,
    endedAt: new Date(ledgerEnd).toISOString(),
    config: {
      workload,
      params: {},
      backend,
      target,
      transport: backend === 'local' ? 'memory' : 'kinesis',
      knobs: o.knobs ?? {},
      load: { shape: { kind: 'constant', rate }, rate, warmupS, durationS, drainS, intervalS },
      ...(o.latencySloMs !== undefined ? { latencySloMs: o.latencySloMs } : {}),
    },
    environment: { os: 'linux', arch: 'x64', cpus: 2, cpuModel: 'Test CPU @ 2.0GHz', memoryGiB: 24, node: 'v20.20.2' },
    deployment: { mode: target === 'local' ? 'in-process' : 'cloud', provisioningMs: target === 'local' ? 12 : 95_000, details: { target } },
    generator: { baseTimeMs, firstEventNumber: 0, eventsSent: sent, timeline: { kind: 'constant', rate }, options: {} },
    summary: {
      targetRate: rate,
      achievedRate,
      eventsIn: sent,
      eventsOut: out,
      measuredS: durationS,
      latency: percentiles(total),
      sendDelay: percentiles(sendTotal),
    },
    latency: enc(total),
    sendDelay: enc(sendTotal),
    intervals,
    verdict: {
      status: verdictStatus,
      method: verdictStatus === 'unchecked' ? 'none' : 'multiset',
      matched: verdictStatus === 'fail' ? expected - 3 : verdictStatus === 'pass' ? expected : 0,
      missing: verdictStatus === 'fail' ? 3 : 0,
      unexpected: verdictStatus === 'fail' ? 1 : 0,
      expected: verdictStatus === 'unchecked' || verdictStatus === 'vacuous' ? 0 : expected,
      covered: verdictStatus === 'unchecked' || verdictStatus === 'vacuous' ? 0 : Math.round(scheduleS),
      samples: {
        missing: verdictStatus === 'fail' ? [{ auction: 1001, price: 42 }] : [],
        unexpected: verdictStatus === 'fail' ? [{ auction: 1002, price: 7 }] : [],
      },
      notes: verdictStatus === 'unchecked' ? ['verification opted out: --verify-max-events'] : [`checked ${expected} records`],
    },
    ledger:
      target === 'local'
        ? []
        : [
            { id: `${runId}-in`, backend, runId, kind: 'kinesis-shard', size: 'on-demand', count: 4, region: 'eu-west-1', state: 'deleted', start: ledgerStart, end: ledgerEnd },
            { id: `${runId}-compute`, backend, runId, kind: backend === 'flock' ? 'lambda' : 'ec2-instance', size: backend === 'flock' ? '2048MB-arm64' : 'm5.xlarge', count: 3, region: 'eu-west-1', state: 'deleted', start: ledgerStart, end: ledgerEnd },
          ],
    errors: o.errors ?? [],
  };
  if (o.costPerHourUsd !== undefined) {
    const hours = (ledgerEnd - ledgerStart) / 3_600_000;
    const totalUsd = o.costPerHourUsd * hours;
    result.cost = {
      priceBook: { region: 'eu-west-1', date: '2026-11-01', source: 'fixture' },
      lines: [
        { resource: `${runId}-compute`, kind: 'compute', quantity: hours, unit: 'h', unitPriceUsd: o.costPerHourUsd * 0.8, costUsd: totalUsd * 0.8, rule: 'per second, 60 s minimum' },
        { resource: `${runId}-in`, kind: 'kinesis-shard', quantity: hours * 4, unit: 'shard-h', unitPriceUsd: (o.costPerHourUsd * 0.2) / 4, costUsd: totalUsd * 0.2, rule: 'per shard-hour' },
      ],
      totalUsd,
      perHourUsd: o.costPerHourUsd,
      perMillionEventsUsd: o.costPerHourUsd / ((achievedRate * 3600) / 1e6),
    };
  }
  if (o.transportBaselineMs) {
    result.transportBaseline = {
      runId: `${runId}-baseline`,
      latency: {
        count: 10_000,
        p50: o.transportBaselineMs.p50 * 1000,
        p90: o.transportBaselineMs.p50 * 1500,
        p99: o.transportBaselineMs.p99 * 1000,
        p999: o.transportBaselineMs.p99 * 1300,
        max: o.transportBaselineMs.p99 * 2000,
        mean: o.transportBaselineMs.p50 * 1100,
      },
    };
  }
  if (o.findMax) {
    const trials = o.findMax.trials.map((t, i) => ({
      repetition: 0,
      achievedRate: t.rate * (t.passed ? achieved : 0.9),
      runId: `${runId}-trial-${i + 1}`,
      verdict: 'pass',
      ...t,
    }));
    result.findMax = {
      sustainedRate: findMaxRate(trials) ?? 0,
      latencySloMs: o.latencySloMs ?? 1000,
      backlogSlopeFraction: 0.01,
      trials,
    };
  }
  const parsed = ResultSchema.parse(result);
  return o.trials ? { ...parsed, trials: o.trials } : parsed;
}

/**
 * Three runs that exercise every part of the report: a local run without cost, a Flink-on-EC2
 * run with cost and an SLO, and a Flock run with cost, find-max trials and a transport baseline.
 * The sample report in docs/reports.md is made from these.
 */
export function sampleResults(): FixtureResult[] {
  return [
    buildResult({
      seed: 11,
      backend: 'local',
      target: 'local',
      workload: 'nexmark/q1',
      rate: 50_000,
      medianMs: 1.2,
      p99Ms: 6,
      samplesPerInterval: 1500,
    }),
    buildResult({
      seed: 22,
      backend: 'flink',
      target: 'ec2',
      workload: 'nexmark/q5',
      knobs: { instanceType: 'm5.xlarge', nodes: 3, parallelism: 6 },
      rate: 100_000,
      medianMs: 35,
      p99Ms: 160,
      spikeAt: 12,
      spikeFactor: 4,
      outputRatio: 0.02,
      costPerHourUsd: 0.72,
      latencySloMs: 500,
      samplesPerInterval: 1500,
    }),
    buildResult({
      seed: 33,
      backend: 'flock',
      target: 'aws',
      workload: 'nexmark/q5',
      knobs: { memoryMb: 2048, arch: 'arm64', concurrency: 32 },
      rate: 100_000,
      medianMs: 120,
      p99Ms: 420,
      outputRatio: 0.02,
      costPerHourUsd: 1.35,
      achievedFraction: 0.97,
      latencySloMs: 500,
      transportBaselineMs: { p50: 18, p99: 65 },
      errors: ['metrics: CloudWatch GetMetricData throttled once (retried)'],
      samplesPerInterval: 1500,
      findMax: { trials: [
        { rate: 50_000, passed: true, p99Us: 310_000, backlogSlope: 2, reason: 'p99 and backlog within limits' },
        { rate: 100_000, passed: true, p99Us: 420_000, backlogSlope: 15, reason: 'p99 and backlog within limits' },
        { rate: 200_000, passed: false, p99Us: 2_400_000, backlogSlope: 31_000, reason: 'backlog grows by 31000 events/s' },
        { rate: 150_000, passed: true, p99Us: 470_000, backlogSlope: 40, reason: 'p99 and backlog within limits' },
        { rate: 175_000, passed: false, p99Us: 910_000, backlogSlope: 4_200, reason: 'p99 910 ms > SLO 500 ms' },
      ] },
    }),
  ];
}
