import { describe, expect, it } from 'vitest';
import { loadPriceBook } from '@streamscore/cost';
import type { Result } from '@streamscore/core';
import { kneeOfTrials, loadShippedCalibration, pointFromResult, trialFailures, type MeasuredPoint } from './calibration.js';
import { evaluate, fitScaling, flockShape, kinesisFor, localEngineUs, localPipeline, publishedPerVcpu, queueingK, scaledCapacity, shardsFor, type PlannerInputs } from './model.js';
import type { WorkloadTraits } from './types.js';

const book = loadPriceBook('us-east-1');
const shipped = loadShippedCalibration();

const q0: WorkloadTraits = {
  id: 'nexmark/q0',
  kind: 'per-event',
  windowMs: 0,
  slideMs: 0,
  watermarkDelayMs: 4000,
  eventBytes: 200,
  outputRatio: 1,
  outputBytes: 100,
  source: 'hand-made',
};

function point(p: Partial<MeasuredPoint> & Pick<MeasuredPoint, 'runId' | 'config' | 'units' | 'vcpusPerUnit'>): MeasuredPoint {
  return {
    endedAt: '2026-11-25T00:00:00Z',
    workload: 'nexmark/q0',
    backend: 'flink',
    target: 'ec2',
    engine: 'flink',
    rate: 0,
    latencyP99Ms: 500,
    provisioningMs: 0,
    eventsIn: 0,
    eventsOut: 0,
    cpus: 4,
    ...p,
  };
}

describe('the scaling rule', () => {
  it('is t × v × (1 + η(n − 1))', () => {
    // 100k events/s per vCPU, c6g.xlarge = 4 vCPU, 3 nodes, η 0.9: 100,000 × 4 × (1 + 0.9 + 0.9) = 1,120,000
    expect(scaledCapacity(100_000, 4, 3, 0.9)).toBeCloseTo(100_000 * 4 * (1 + 0.9 + 0.9), 6);
    expect(scaledCapacity(100_000, 4, 3, 0.9)).toBeCloseTo(1_120_000, 6);
  });

  it('fits η from two sizes: 100 at 1 unit, 280 at 3 units → η = (280/100 − 1) / 2 = 0.9', () => {
    const f = fitScaling([{ units: 1, vcpusPerUnit: 1, rate: 100 }, { units: 3, vcpusPerUnit: 1, rate: 280 }], 0.5);
    expect(f.etaFitted).toBe(true);
    expect(f.eta).toBeCloseTo(0.9, 9);
    expect(f.perVcpu).toBeCloseTo(100, 9);
  });

  it('clamps a negative η to 0 and keeps the default with one size', () => {
    const neg = fitScaling([{ units: 1, vcpusPerUnit: 1, rate: 1_300_000 }, { units: 2, vcpusPerUnit: 1, rate: 250_000 }], 0.9);
    expect(neg.etaRaw).toBeLessThan(0);
    expect(neg.eta).toBe(0);
    // t is then the mean of the two rates, each over (1 + 0 × (n − 1)) = 1
    expect(neg.perVcpu).toBeCloseTo((1_300_000 + 250_000) / 2, 6);
    const one = fitScaling([{ units: 2, vcpusPerUnit: 4, rate: 760_000 }], 0.9);
    expect(one.etaFitted).toBe(false);
    expect(one.perVcpu).toBeCloseTo(760_000 / 4 / 1.9, 6);
  });
});

describe('a Flink on EC2 configuration, by hand', () => {
  // One measured run: 1 × c6g.xlarge sustained 400,000 events/s → 100,000 per vCPU.
  const inputs: PlannerInputs = {
    book,
    shipped,
    points: [point({ runId: 'one-node', config: { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 1 }, units: 1, vcpusPerUnit: 4, sustainedRate: 400_000, rate: 400_000 })],
  };
  // No guarantee, as the measured run had none (the exactly-once factor is checked below).
  const e = evaluate(inputs, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 1_000_000, { sloMs: 2000, guarantee: 'none' });

  it('sustains 100,000 × 4 × (1 + 0.9 + 0.9) = 1,120,000 events/s (projected from the measured run)', () => {
    expect(e.sustainableRate.value).toBeCloseTo(1_120_000, 3);
    expect(e.sustainableRate.basis).toBe('projected');
    expect(e.sustainableRate.source).toMatch(/one-node/);
    expect(e.sustains).toBe(true);
  });

  it('costs the price book hour: 3 × $0.136 + 3 × 20 GB × $0.08 / 730 + 3 × $0.005, plus Kinesis', () => {
    const ec2 = 3 * 0.136;
    const ebs = (3 * 20 * 0.08) / 730;
    const ip = 3 * 0.005;
    // Input: 1M × 200 B = 200,000,000 B/s → ⌈190.73 MiB/s⌉ = 191 shards; ⌈200e6 / 24,576 = 8,138.02⌉ = 8,139 records/s = PUT units/s
    const kin = 191 * 0.015 + (8139 * 3600 * 0.014) / 1e6;
    // Output: 1M × 1 × 100 B = 1e8 B/s → ⌈95.37⌉ = 96 shards; ⌈1e8 / 24,576 = 4,069.01⌉ = 4,070 records/s
    const kout = 96 * 0.015 + (4070 * 3600 * 0.014) / 1e6;
    // q0 is per-event (chained, no keyed exchange): nothing crosses between AZs; no guarantee: no checkpoints.
    expect(e.costItems.map((c) => c.item)).toEqual([
      'EC2 1 × c6g.xlarge (JobManager + TaskManager)',
      'EC2 2 × c6g.xlarge (TaskManagers)',
      'EBS gp3 3 × 20 GB',
      'public IPv4 × 3',
      'Kinesis input: 191 shard(s), 8,139 PUT units/s',
      'Kinesis output: 96 shard(s), 4,070 PUT units/s',
    ]);
    expect(e.costItems[0]!.usdPerHour + e.costItems[1]!.usdPerHour).toBeCloseTo(ec2, 9);
    expect(e.costItems[2]!.usdPerHour).toBeCloseTo(ebs, 6);
    expect(e.costItems[3]!.usdPerHour).toBeCloseTo(ip, 9);
    expect(e.costPerHourUsd.value).toBeCloseTo(ec2 + ebs + ip + kin + kout, 6);
    // per million events: $/h ÷ (1M/s × 3600 s) × 10⁶
    expect(e.costPerMillionEventsUsd.value).toBeCloseTo(((ec2 + ebs + ip + kin + kout) / 3.6e9) * 1e6, 9);
  });

  it('projects p99 for a per-event query from what it waits for: 210 + 200 + 100 ms, plus queueing at ρ = 1M ÷ (1.12M ÷ 0.9)', () => {
    // The search saw no failing trial, so its rate is taken as 0.9 of saturation: ρ = 1,000,000 / (1,120,000 / 0.9) = 0.8036;
    // 0.5 × 200 ms × ρ/(1 − ρ) = 409.1 ms
    const rho = 1_000_000 / (1_120_000 / 0.9);
    expect(e.utilisation).toBeCloseTo(rho, 9);
    expect(e.latencyP99Ms.value).toBeCloseTo(510 + 0.5 * 200 * (rho / (1 - rho)), 6);
    expect(e.latencyP99Ms.basis).toBe('projected');
    expect(e.feasible).toBe(true);
  });

  it('with exactly-once, takes 0.85 of a rate measured without checkpoints, and prices checkpoints and transfer between AZs', () => {
    const eo = evaluate(inputs, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 500_000);
    expect(eo.sustainableRate.value).toBeCloseTo(1_120_000 * 0.85, 3);
    expect(eo.guarantee?.given).toBe('exactly-once');
    // per-event: no state to checkpoint beyond offsets → S3 PUTs only: 12 slots × 2 files / 60 s = 0.4 PUT/s × 3,600 × $0.005 / 1,000
    const ckpt = eo.costItems.find((c) => c.item.startsWith('checkpoints'))!;
    expect(ckpt.usdPerHour).toBeCloseTo((0.4 * 3600 * 0.005) / 1000, 9);
    // A windowed query on 3 nodes over 3 AZs: 2 exchanges × 200 B × (1 − 1/3) × (1 − 1/3) at 10,000 events/s = 1,777,777.8 B/s crossing,
    // billed out and in: 2 × 1,777,777.8 × 3,600 / 2^30 GB × $0.01
    const q7: WorkloadTraits = { ...q0, id: 'nexmark/q0', kind: 'windowed', windowMs: 10_000, slideMs: 10_000 };
    const w = evaluate(inputs, q7, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 10_000);
    const crossing = 10_000 * 200 * 2 * (2 / 3) * (2 / 3);
    expect(w.costItems.find((c) => c.item.startsWith('data between AZs'))!.usdPerHour).toBeCloseTo(((2 * crossing * 3600) / 2 ** 30) * 0.01, 9);
    const oneAz = evaluate(inputs, q7, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 10_000, { placement: 'one-az' });
    expect(oneAz.costItems.some((c) => c.item.startsWith('data between AZs'))).toBe(false);
    expect(oneAz.guarantee?.note).toMatch(/loss of that AZ/);
  });

  it('applies pricing options to the services they cover: Spot to TaskManagers only, Savings Plans to EC2 and Lambda', () => {
    const spot = evaluate(inputs, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 500_000, { pricing: 'spot', guarantee: 'none' });
    // JobManager node on demand, 2 TaskManager nodes at 60% off
    expect(spot.costItems[0]!.usdPerHour).toBeCloseTo(0.136, 9);
    expect(spot.costItems[1]!.usdPerHour).toBeCloseTo(2 * 0.136 * 0.4, 9);
    const sp3 = evaluate(inputs, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 }, 500_000, { pricing: 'savings-3y', guarantee: 'none' });
    expect(sp3.costItems[0]!.usdPerHour + sp3.costItems[1]!.usdPerHour).toBeCloseTo(3 * 0.136 * 0.5, 9);
    // Managed Flink has no Savings Plan
    const kda = (pricing: 'on-demand' | 'savings-3y') => evaluate(inputs, q0, { family: 'kda', parallelism: 4, parallelismPerKpu: 1 }, 1000, { pricing }).costPerHourUsd.value;
    expect(kda('savings-3y')).toBeCloseTo(kda('on-demand'), 12);
  });

  it('uses the measured run itself for its own configuration', () => {
    const own = evaluate(inputs, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 1 }, 300_000);
    expect(own.sustainableRate).toMatchObject({ value: 400_000, basis: 'measured' });
    expect(own.latencyP99Ms).toMatchObject({ value: 500, basis: 'measured' });
  });
});

describe('the shipped profiles', () => {
  it('turns nexmark/nexmark V2 q5 into a sustainable per-vCPU rate: 920,400 / 12.35, + 1 µs, × 0.8', () => {
    const profile = shipped.profiles.find((p) => p.id === 'nexmark-v2')!;
    const raw = 920_400 / 12.35; // 74,526 events/s per busy core
    const withIngest = 1e6 / (1e6 / raw + 1); // 69,357
    expect(publishedPerVcpu(profile, 'nexmark/q5')!.perVcpu).toBeCloseTo(withIngest * 0.8, 6);
    expect(withIngest * 0.8).toBeCloseTo(55_486, 0);
    expect(profile.source.ref).toMatch(/nexmark\/nexmark/);
  });

  it('projects KDA from KPUs: 2 KPUs of the q5 rate → t × (1 + 0.9)', () => {
    const inputs: PlannerInputs = { book, shipped, points: [] };
    const q5: WorkloadTraits = { ...q0, id: 'nexmark/q5', kind: 'windowed', windowMs: 10_000, slideMs: 2_000, outputRatio: 0.01 };
    const e = evaluate(inputs, q5, { family: 'kda', parallelism: 4, parallelismPerKpu: 2 }, 50_000, { sloMs: 2000 });
    const t = (1e6 / (1e6 / (920_400 / 12.35) + 1)) * 0.8;
    expect(e.sustainableRate.value).toBeCloseTo(t * 1.9, 3);
    // 2 KPUs + 1 orchestration × $0.11 + 2 × 50 GB × $0.10 / 730
    expect(e.costItems[0]!.usdPerHour).toBeCloseTo(3 * 0.11 + (2 * 50 * 0.1) / 730, 6);
    // windowed: 210 + 200 + 100 + 2 × 100 + 4,000 + 200, plus queueing at ρ = 50,000 ÷ (t × 1.9 / 0.8 headroom)
    const rho = 50_000 / ((t * 1.9) / 0.8);
    expect(e.latencyP99Ms.value).toBeCloseTo(4910 + 0.5 * 200 * (rho / (1 - rho)), 6);
    expect(e.feasible).toBe(false);
    expect(e.reasons.join()).toMatch(/p99 4,971 ms > SLO 2,000 ms/);
  });

  it('reads GUIDE_V1 as its own profile: q8 146,140 per core', () => {
    const v1 = shipped.profiles.find((p) => p.id === 'nexmark-v1')!;
    expect(v1.flinkVersion).toBe('1.13–2.0');
    expect(publishedPerVcpu(v1, 'nexmark/q8')!.perVcpu).toBeCloseTo((1e6 / (1e6 / 146_140 + 1)) * 0.8, 6);
  });

  it('sees the 64-KPU limit as a default quota to raise, not a wall', () => {
    const e = evaluate({ book, shipped, points: [] }, q0, { family: 'kda', parallelism: 80, parallelismPerKpu: 1 }, 1000);
    expect(e.sustains).toBe(true);
    expect(e.capacityWork).toMatch(/above the default quota of 64 per application: ask AWS to raise it/);
  });

  it('refuses updating queries on Flock, and says why', () => {
    const inputs: PlannerInputs = { book, shipped, points: [] };
    const e = evaluate(inputs, { ...q0, id: 'nexmark/q4', kind: 'updating' }, { family: 'flock-lambda', memoryMB: 1024, architecture: 'arm64', groupSize: 4 }, 1000);
    expect(e.sustains).toBe(false);
    expect(e.reasons[0]).toMatch(/no state across windows/);
  });
});

describe('Flock on Lambda, by hand', () => {
  const inputs: PlannerInputs = { book, shipped, points: [] };
  const profile = shipped.profiles.find((p) => p.engine === 'flock')!;

  it('a per-event epoch: 1,000 events/s at 1,024 MB', () => {
    const s = flockShape(profile, inputs, q0, { memoryMB: 1024, groupSize: 0 }, 1000, 3.25, false);
    const speed = 1024 / 1769; // vCPU share
    expect(s.speed).toBeCloseTo(speed, 9);
    // 250 ms epoch → 250 events, one fragment (250 × 15 B ≪ 6 MB); billed (10 + 250 × 3.25 / 1000) / speed
    expect(s.billedMsPerInvocation).toBeCloseTo((10 + 0.8125) / speed, 9);
    expect(s.invocationsPerS).toBe(4);
    // 210 transport + 200 poll + 250 epoch + 15 invoke + compute
    expect(s.latencyMs).toBeCloseTo(210 + 200 + 250 + 15 + (10 + 0.8125) / speed, 9);
    expect(s.limits).toEqual([]);
  });

  it('prices the whole bill: the stage (4 req/s × ⌈18.68⌉ ms × 1 GB arm64), the always-on 4,096 MB source, the logs and Kinesis', () => {
    const e = evaluate(inputs, q0, { family: 'flock-lambda', memoryMB: 1024, architecture: 'arm64', groupSize: 0 }, 1000);
    const stage = 4 * 3600 * 2e-7 + 4 * 3600 * (19 / 1000) * 1 * 0.0000133334;
    expect(e.costItems[0]!.usdPerHour).toBeCloseTo(stage, 9);
    // Source: 3,600 s × 4 GB × $0.0000133334 = $0.19200/h + 4 requests — more than an m6g.medium ($0.0385/h) by itself
    expect(e.costItems[1]!.item).toMatch(/Flock source: 1 always-on 4096 MB/);
    expect(e.costItems[1]!.usdPerHour).toBeCloseTo(14_400 * 0.0000133334 + 4 * 2e-7, 9);
    // Logs: (4 + 1/900) invocations/s × 380 B × 3,600 s ÷ 2^30 × $0.50
    expect(e.costItems[2]!.usdPerHour).toBeCloseTo(((4 + 1 / 900) * 380 * 3600 * 0.5) / 2 ** 30, 9);
    expect(e.guarantee?.given).toBe('none');
    expect(e.guarantee?.note).toMatch(/at-most-once/);
  });

  it('a windowed query: a member must finish a window in 80% of group × slide', () => {
    const q5: WorkloadTraits = { ...q0, id: 'nexmark/q5', kind: 'windowed', windowMs: 10_000, slideMs: 2_000, outputRatio: 0.01 };
    // 100k/s × 10 s = 1M events; × 15 B = 15 MB → ⌈15,000,000 / 6,274,048⌉ = 3 fragments;
    // at 1 vCPU (1,769 MB) the window takes 3 × 10 ms + 1M × 3.25 µs = 3,280 ms, 1,093.3 ms per invocation
    const s = flockShape(profile, inputs, q5, { memoryMB: 1769, groupSize: 2 }, 100_000, 3.25, false);
    expect(s.billedMsPerInvocation).toBeCloseTo(3280 / 3, 6);
    expect(s.invocationsPerS).toBeCloseTo(3 / 2, 9); // 3 fragments per 2 s slide
    // 3,280 ms > 0.8 × 2 members × 2,000 ms = 3,200 ms: two members are too few …
    expect(s.limits.join()).toMatch(/a window takes 3,280 ms > 80% of 2 members × 2000 ms slide/);
    // … three are enough: 0.8 × 3 × 2,000 = 4,800 ms
    expect(flockShape(profile, inputs, q5, { memoryMB: 1769, groupSize: 3 }, 100_000, 3.25, false).limits).toEqual([]);
    // latency: 210 + 200 + 4,000 watermark + 250 epoch + 3 × 15 invokes + 3,280 window compute
    expect(s.latencyMs).toBeCloseTo(210 + 200 + 4000 + 250 + 3 * 15 + 3280, 6);
  });
});

describe("engines on this machine: the local Kinesis pipeline's ceiling", () => {
  const local = { family: 'flock-local', memoryMB: 1024, architecture: 'arm64', groupSize: 0 } as const;
  const search = (runId: string, workload: string, sustainedRate: number): MeasuredPoint =>
    point({ runId, workload, backend: 'flock', target: 'local', engine: 'flock', config: local, units: 1, vcpusPerUnit: 1, rate: sustainedRate, sustainedRate, computeUsPerEvent: 3.25 });

  it('bounds every Flock query by the largest rate a flock-local search of any query sustained', () => {
    const without = evaluate({ book, shipped, points: [] }, q0, local, 1000);
    // The query stage alone, at 3.25 µs/event, projects far more than one local source reads.
    expect(without.sustainableRate.value).toBeGreaterThan(100_000);
    const inputs: PlannerInputs = { book, shipped, points: [search('q5-search', 'nexmark/q5', 10_000), search('q7-search', 'nexmark/q7', 8_000)] };
    const e = evaluate(inputs, q0, local, 1000);
    expect(e.sustainableRate.value).toBe(10_000);
    expect(e.sustainableRate.source).toMatch(/this machine's Kinesis pipeline: 10,000 events\/s sustained by nexmark\/q5 \(q5-search\), the largest of 2 search\(es\) of 1024 MB arm64/);
    // Leave-one-out: without q5's search the ceiling is q7's.
    expect(evaluate(inputs, q0, local, 1000, { exclude: new Set(['q5-search']) }).sustainableRate.value).toBe(8_000);
  });

  it('bounds Flink on this machine the same way, only from searches of the same configuration', () => {
    const p1 = { family: 'flink-local', parallelism: 1, cpus: 2 } as const;
    const flink = (runId: string, workload: string, sustainedRate: number, config: typeof p1 | { family: 'flink-local'; parallelism: number; cpus: number } = p1): MeasuredPoint =>
      point({ runId, workload, backend: 'flink', target: 'local', config, units: 1, vcpusPerUnit: 1, rate: sustainedRate, sustainedRate });
    const alone = evaluate({ book, shipped, points: [] }, q0, p1, 1000, { guarantee: 'none' }).sustainableRate.value;
    expect(alone).toBeGreaterThan(64_000);
    const inputs: PlannerInputs = { book, shipped, points: [flink('q5', 'nexmark/q5', 64_000), flink('q7', 'nexmark/q7', 48_000), flink('q5-p2', 'nexmark/q5', 30_000, { family: 'flink-local', parallelism: 2, cpus: 2 })] };
    const e = evaluate(inputs, q0, p1, 1000, { guarantee: 'none' });
    expect(e.sustainableRate.value).toBe(64_000);
    expect(e.sustainableRate.source).toMatch(/the largest of 2 search\(es\) of parallelism 1/);
  });

  it('leaves Flock on Lambda alone: its source scales out with the rate', () => {
    const inputs: PlannerInputs = { book, shipped, points: [search('q5-search', 'nexmark/q5', 10_000)] };
    const lambda = evaluate(inputs, q0, { ...local, family: 'flock-lambda' }, 1000);
    expect(lambda.sustainableRate.value).toBeGreaterThan(100_000);
  });
});

describe('Kinesis sizing (the same for every platform)', () => {
  it('is ⌈max(bytes/s ÷ 1 MiB, records/s ÷ 1000)⌉', () => {
    expect(shardsFor(200_000_000, 8139)).toBe(191);
    expect(shardsFor(10, 1)).toBe(1);
    expect(shardsFor(100, 2500)).toBe(3);
    const k = kinesisFor(q0, 1000, { book, shipped, points: [] });
    expect(k.shardsIn).toBe(1);
    expect(k.recordsInPerS).toBe(Math.ceil(200_000 / 24_576));
  });
});

describe('measured points from Results', () => {
  function result(o: { backend: string; target: string; knobs: Record<string, string | number | boolean>; sustained?: number; cpus?: number }): Result {
    return {
      runId: `r-${o.backend}`,
      endedAt: '2026-11-25T10:00:00Z',
      complete: true,
      config: { workload: 'nexmark/q0', backend: o.backend, target: o.target, knobs: o.knobs, latencySloMs: 1000 },
      environment: { cpus: o.cpus ?? 2 },
      deployment: { provisioningMs: 1234, details: {} },
      summary: { targetRate: 1000, achievedRate: 990, eventsIn: 10_000, eventsOut: 9_200, latency: { p99: 300_000 } },
      verdict: { status: 'pass' },
      ledger: [{ kind: 'lambda-invocations', attributes: { billedMs: 50, requests: 40 } }],
      ...(o.sustained !== undefined ? { findMax: { sustainedRate: o.sustained, latencySloMs: 1000, trials: [] } } : {}),
    } as unknown as Result;
  }

  it('reads the configuration from backend, target, knobs and environment', () => {
    expect(pointFromResult(result({ backend: 'local', target: 'local', knobs: { parallelism: 2 }, sustained: 1e6 }), book).point).toMatchObject({
      engine: 'local',
      config: { family: 'local', parallelism: 2, cpus: 2 },
      units: 2,
      sustainedRate: 1e6,
      latencyP99Ms: 300,
      provisioningMs: 1234,
    });
    expect(pointFromResult(result({ backend: 'flink', target: 'ec2', knobs: { 'instance-type': 'c6g.xlarge', nodes: 3 }, sustained: 9e5 }), book).point).toMatchObject({
      config: { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 3 },
      units: 3,
      vcpusPerUnit: 4,
    });
    expect(pointFromResult(result({ backend: 'kda', target: 'aws', knobs: { parallelism: 5, parallelismPerKpu: 2 } }), book).point).toMatchObject({
      config: { family: 'kda', parallelism: 5, parallelismPerKpu: 2 },
      units: 3,
      lowerBoundRate: 990,
    });
  });

  it('takes Flock compute per event from the billed REPORT total: 50 ms × 1000 / 10,000 events on the local service = 5 µs', () => {
    const p = pointFromResult(result({ backend: 'flock', target: 'local', knobs: { memory: 1024, arch: 'arm64', 'group-size': 4 } }), book).point!;
    expect(p.config).toEqual({ family: 'flock-local', memoryMB: 1024, architecture: 'arm64', groupSize: 4 });
    expect(p.computeUsPerEvent).toBeCloseTo(5, 9);
  });

  it('skips a backend it has no model for, saying so', () => {
    expect(pointFromResult(result({ backend: 'duckdb', target: 'local', knobs: {} }), book).skipped).toMatch(/no capacity model/);
  });
});

describe('latency grows with utilisation, fitted on find-max trials', () => {
  it('fits k of p99 = a + k × batch × ρ/(1 − ρ) on the passing trials, ρ = rate ÷ the lowest failing rate', () => {
    // Saturation 10,000/s (the failing trial). Passing trials at ρ = 0.2, 0.5, 0.8 → ρ/(1 − ρ) = 0.25, 1, 4;
    // p99 = 100 + 80 × that = 120, 180, 420 ms. With a 100 ms batch, k = 80 / 100 = 0.8.
    const p = point({
      runId: 'search',
      workload: 'nexmark/q0',
      backend: 'local',
      target: 'local',
      engine: 'local',
      config: { family: 'local', parallelism: 1, cpus: 2 },
      units: 1,
      vcpusPerUnit: 1,
      sustainedRate: 8000,
      saturationRate: 10_000,
      trials: [
        { rate: 2000, p99Ms: 120, passed: true },
        { rate: 5000, p99Ms: 180, passed: true },
        { rate: 8000, p99Ms: 420, passed: true },
        { rate: 10_000, p99Ms: 9000, passed: false },
      ],
    });
    const inputs: PlannerInputs = { book, shipped, points: [p] };
    const k = queueingK(inputs, 'local', 100);
    expect(k.k).toBeCloseTo(0.8, 9);
    expect(k.source).toMatch(/fitted on 3 trial\(s\) of 1 search\(es\) of local/);
    // Without trials, the assumed k.
    expect(queueingK({ book, shipped, points: [] }, 'local', 100).k).toBe(0.5);
    // Two workers (not the measured configuration, whose own p99 would be used): capacity 8,000 × (1 + 0.9) = 15,200/s, and
    // the search kept 0.8 of saturation, so saturation is 19,000/s; at 4,000/s ρ = 4/19 and p99 = 100 ms tick + 0.8 × 100 × ρ/(1 − ρ).
    const e = evaluate(inputs, q0, { family: 'local', parallelism: 2, cpus: 2 }, 4000);
    const rho = 4000 / 19_000;
    expect(e.utilisation).toBeCloseTo(rho, 9);
    expect(e.latencyP99Ms.value).toBeCloseTo(100 + 0.8 * 100 * (rho / (1 - rho)), 9);
  });

  it('reads saturation and trials from a find-max Result', () => {
    const r = {
      runId: 'fm',
      endedAt: '2026-11-25T10:00:00Z',
      complete: true,
      config: { workload: 'nexmark/q0', backend: 'local', target: 'local', knobs: {}, latencySloMs: 100 },
      environment: { cpus: 2 },
      deployment: { provisioningMs: 0, details: {} },
      summary: { targetRate: 8000, achievedRate: 8000, eventsIn: 1, eventsOut: 1, latency: { p99: 50_000 } },
      verdict: { status: 'pass' },
      ledger: [],
      findMax: { sustainedRate: 8000, latencySloMs: 100, trials: [{ rate: 8000, p99Us: 50_000, passed: true }, { rate: 16_000, p99Us: 900_000, passed: false }, { rate: 12_000, p99Us: 400_000, passed: false }] },
    } as unknown as Result;
    expect(pointFromResult(r, book).point).toMatchObject({ sustainedRate: 8000, saturationRate: 12_000, trials: [{ rate: 8000, p99Ms: 50, passed: true }, { rate: 16_000, p99Ms: 900, passed: false }, { rate: 12_000, p99Ms: 400, passed: false }] });
  });
});

describe('capacity per CPU-second of the system under test', () => {
  it('takes a search that measured its CPU as events per busy vCPU, with the published headroom', () => {
    // Flink on this machine sustained 20,000/s using 0.5 CPU-s per s of the SUT → 40,000 events per CPU-second;
    // × 0.8 headroom = 32,000 per vCPU; a c6g.xlarge (4 vCPU, speed 1) with no guarantee: 128,000 events/s.
    const p = point({ runId: 'busy', backend: 'flink', target: 'local', config: { family: 'flink-local', parallelism: 1, cpus: 2 }, units: 1, vcpusPerUnit: 1, sustainedRate: 20_000, eventsPerSutCpuSecond: 40_000 });
    const e = evaluate({ book, shipped, points: [p] }, q0, { family: 'flink-ec2', instanceType: 'c6g.xlarge', nodes: 1 }, 1000, { guarantee: 'none' });
    expect(e.sustainableRate.value).toBeCloseTo(32_000 * 4, 6);
    expect(e.sustainableRate.source).toMatch(/40,000 events per CPU-second of the system under test/);
  });
});

describe('where a search fell behind (its knee)', () => {
  it("reads what a trial failed on from the harness's reason", () => {
    expect(trialFailures('within SLO')).toEqual([]);
    expect(trialFailures('p99 3010.6 ms > SLO 3000 ms')).toEqual(['latency']);
    expect(trialFailures('p99 8146.9 ms > SLO 3000 ms; backlog grows 17801 ± 4095 events/s > 640; achieved 60373 events/s')).toEqual(['latency', 'backlog', 'rate']);
    expect(trialFailures('p99 10436.6 ms > SLO 3000 ms; wrong answer')).toEqual(['latency', 'answer']);
    expect(trialFailures('only 40 scored answers (a p99 needs 100; lengthen the trials)')).toEqual(['other']);
  });

  it('is the middle of the bracket between the highest rate that kept up and the lowest that fell behind', () => {
    // Flink q0's ladder on this machine: 16k, 32k, 40k pass; 48k fails on p99 only (it kept up);
    // 64k's backlog grows. The bracket is (48,000, 64,000]: knee (48,000 + 64,000) / 2 = 56,000.
    const t = (rate: number, failedOn: ('latency' | 'backlog' | 'rate')[]) => ({ rate, p99Ms: 1000, passed: failedOn.length === 0, failedOn });
    const trials = [t(16_000, []), t(32_000, []), t(64_000, ['latency', 'backlog']), t(48_000, ['latency']), t(40_000, [])];
    expect(kneeOfTrials(trials)).toBe(56_000);
    // Nothing fell behind: the search never found it.
    expect(kneeOfTrials(trials.slice(0, 2))).toBeUndefined();
    // Trials that do not say why they failed (folded in earlier): unknown.
    expect(kneeOfTrials([{ rate: 1000, p99Ms: 1, passed: false }])).toBeUndefined();
  });

  it('comes with the trials and the run parameters from a find-max Result', () => {
    const r = {
      runId: 'fm',
      endedAt: '2026-11-25T10:00:00Z',
      complete: true,
      config: { workload: 'nexmark/q5', params: { windowSizeMs: 500, windowSlideMs: 100 }, backend: 'flink', target: 'local', knobs: { parallelism: 1 }, latencySloMs: 3000 },
      environment: { cpus: 2 },
      deployment: { provisioningMs: 0, details: {} },
      summary: { targetRate: 32_000, achievedRate: 32_000, eventsIn: 1, eventsOut: 1, latency: { p99: 2_445_000 } },
      verdict: { status: 'pass' },
      ledger: [],
      findMax: {
        sustainedRate: 32_000,
        latencySloMs: 3000,
        trials: [
          { rate: 32_000, p99Us: 2_445_000, passed: true, reason: 'within SLO' },
          { rate: 64_000, p99Us: 8_172_000, passed: false, reason: 'p99 8171.5 ms > SLO 3000 ms; backlog grows 26293 ± 7554 events/s > 640' },
          { rate: 48_000, p99Us: 3_271_000, passed: false, reason: 'p99 3270.7 ms > SLO 3000 ms' },
        ],
      },
    } as unknown as Result;
    const p = pointFromResult(r, book).point!;
    expect(p.kneeRate).toBe(56_000);
    expect(p.saturationRate).toBe(48_000);
    expect(p.params).toEqual({ windowSizeMs: 500, windowSlideMs: 100 });
    expect(p.trials![2]).toEqual({ rate: 48_000, p99Ms: 3271, passed: false, failedOn: ['latency'] });
  });
});

describe("this machine: the pipeline and the engine in series (1/knee = p + c × u)", () => {
  const p1 = { family: 'flink-local', parallelism: 1, cpus: 2 } as const;
  const q7: WorkloadTraits = { ...q0, id: 'nexmark/q7', kind: 'windowed', windowMs: 100, slideMs: 100, watermarkDelayMs: 1000 };
  const search = (runId: string, workload: string, sustainedRate: number, kneeRate: number, trials?: MeasuredPoint['trials']): MeasuredPoint =>
    point({ runId, workload, backend: 'flink', target: 'local', config: p1, units: 1, vcpusPerUnit: 1, rate: sustainedRate, sustainedRate, kneeRate, ...(trials ? { trials } : {}) });

  it("takes the engine's cost u from GUIDE_V2 before headroom, with 1 µs of decoding", () => {
    // q0: 2,650,000 / 7 = 378,571/core → 2.6415 µs + 1 = 3.6415 µs; q5: 920,400 / 12.35 → 13.4181 + 1 = 14.4181 µs;
    // q7: 262,460 / 11.45 → 43.6257 + 1 = 44.6257 µs.
    const inputs: PlannerInputs = { book, shipped, points: [] };
    expect(localEngineUs(inputs, p1, 'nexmark/q0')).toBeCloseTo(3.6415, 3);
    expect(localEngineUs(inputs, p1, 'nexmark/q5')).toBeCloseTo(14.4181, 3);
    expect(localEngineUs(inputs, p1, 'nexmark/q7')).toBeCloseTo(44.6257, 3);
  });

  it('fits p and c on the other searches and projects a third query, by hand', () => {
    // q0's search fell behind at 80,000/s (1/knee = 12.5 µs) and sustained 60,000; q5's at 50,000/s (20 µs), sustained 35,000.
    // c = (20 − 12.5) / (14.4181 − 3.6415) = 7.5 / 10.7766 = 0.69595; p = 12.5 − 0.69595 × 3.6415 = 9.9657 µs.
    // q7: 1/knee = 9.9657 + 0.69595 × 44.6257 = 41.023 µs → knee 24,376/s; share (60/80 + 35/50) / 2 = 0.725
    // → capacity 24,376 × 0.725 = 17,673/s.
    const inputs: PlannerInputs = { book, shipped, points: [search('q0', 'nexmark/q0', 60_000, 80_000), search('q5', 'nexmark/q5', 35_000, 50_000)] };
    const pipe = localPipeline(inputs, p1, 'nexmark/q7')!;
    expect(pipe.engineScale).toBeCloseTo(0.69595, 4);
    expect(pipe.pipelineUs).toBeCloseTo(9.9657, 3);
    expect(pipe.knee).toBeCloseTo(24_376.5, 0);
    expect(pipe.share).toBeCloseTo(0.725, 9);
    expect(pipe.capacity).toBeCloseTo(17_673, 0);
    const e = evaluate(inputs, q7, p1, 10_000, { guarantee: 'none' });
    expect(e.sustainableRate.value).toBeCloseTo(17_673, 0);
    expect(e.sustainableRate.source).toMatch(/1\/knee = p 9.97 µs \+ c 0.696 × u 44.63 µs → knee 24,376/);
  });

  it('when the knees do not rise with the engine cost, the pipeline binds every query (c = 0)', () => {
    // The first comparison's Flink searches: q5 and q7 both fell behind between 48,000 and 64,000/s (knee 56,000) and
    // sustained 32,000 and 28,000 under the 3 s SLO. Fitted c = 0, p = 1/56,000 = 17.857 µs: q0's knee is 56,000/s,
    // share (32 + 28) / 2 / 56 = 0.5357, capacity 30,000/s — not GUIDE_V2's 16× cost of q7 over q0.
    // Latency: 510 ms (transport 210 + poll 200 + flush 100) + k × 200 ms × ρ/(1 − ρ), ρ = 40,000 / 56,000 = 0.7143 → 2.5.
    // k from both searches' trials, each about its own mean (q5 waits for a 1 s watermark, q0 does not): at ρ = 1/4, 1/2
    // (ρ/(1 − ρ) = 1/3, 1) q5 measured 2,000 and 2,200 ms, q7 1,900 and 2,100 ms: slope 200 / (2/3) = 300 ms → k = 1.5.
    // p99 = 510 + 300 × 2.5 = 1,260 ms.
    const tr = (a: number, b: number): MeasuredPoint['trials'] => [
      { rate: 14_000, p99Ms: a, passed: true, failedOn: [] },
      { rate: 28_000, p99Ms: b, passed: true, failedOn: [] },
    ];
    const inputs: PlannerInputs = { book, shipped, points: [search('q5', 'nexmark/q5', 32_000, 56_000, tr(2000, 2200)), search('q7', 'nexmark/q7', 28_000, 56_000, tr(1900, 2100))] };
    const pipe = localPipeline(inputs, p1, 'nexmark/q0')!;
    expect(pipe.engineScale).toBe(0);
    expect(pipe.knee).toBeCloseTo(56_000, 6);
    expect(pipe.capacity).toBeCloseTo(30_000, 6);
    expect(queueingK(inputs, 'flink-local', 200).k).toBeCloseTo(1.5, 9);
    const e = evaluate(inputs, q0, p1, 40_000, { guarantee: 'none' });
    expect(e.sustainableRate.value).toBeCloseTo(30_000, 6);
    expect(e.utilisation).toBeCloseTo(40 / 56, 9);
    expect(e.latencyP99Ms.value).toBeCloseTo(510 + 300 * 2.5, 6);
    // Leave-one-out: the run's own search never informs its projection.
    expect(localPipeline(inputs, p1, 'nexmark/q0', { exclude: new Set(['q5', 'q7']) })).toBeUndefined();
  });

  it("takes the published cost at face value (c = 1) when the searches' engine costs do not differ (Flock)", () => {
    // Flock's compute is 3.25 µs/event for every query. q5 fell behind at 14,000 (71.429 µs), q7 at 11,000 (90.909 µs):
    // p = ((71.429 − 3.25) + (90.909 − 3.25)) / 2 = 77.919 µs; q0: 1/knee = 77.919 + 3.25 → 12,320/s;
    // share (10/14 + 10/11) / 2 = 0.81169 → 10,000/s.
    const local = { family: 'flock-local', memoryMB: 1024, architecture: 'arm64', groupSize: 4 } as const;
    const flock = (runId: string, workload: string, kneeRate: number): MeasuredPoint =>
      point({ runId, workload, backend: 'flock', target: 'local', engine: 'flock', config: local, units: 4, vcpusPerUnit: 1, rate: 10_000, sustainedRate: 10_000, kneeRate });
    const inputs: PlannerInputs = { book, shipped, points: [flock('q5', 'nexmark/q5', 14_000), flock('q7', 'nexmark/q7', 11_000)] };
    const pipe = localPipeline(inputs, local, 'nexmark/q0')!;
    expect(pipe.engineScale).toBe(1);
    expect(pipe.pipelineUs).toBeCloseTo(77.919, 3);
    expect(pipe.knee).toBeCloseTo(12_320, 6);
    expect(evaluate(inputs, q0, local, 1000).sustainableRate.value).toBeCloseTo(10_000, 6);
  });
});

describe('the queue is the family’s, each query with its own floor', () => {
  it('fits one k over searches of different queries, each about its own mean', () => {
    // Two searches, knee 10,000/s, trials at 2,500, 5,000, 7,500 (ρ/(1 − ρ) = 1/3, 1, 3): a per-event query at
    // 500 + 100 × that, a windowed one at 2,000 + 100 × that. One slope: 100 ms → k = 100 / 200 = 0.5. (Fitted as one
    // line through all six, the windowed floor would tilt it.)
    const trials = (floor: number): MeasuredPoint['trials'] => [2500, 5000, 7500].map((rate) => ({ rate, p99Ms: floor + 100 * (rate / 10_000 / (1 - rate / 10_000)), passed: true, failedOn: [] }));
    const s = (runId: string, workload: string, floor: number): MeasuredPoint =>
      point({ runId, workload, config: { family: 'kda', parallelism: 1, parallelismPerKpu: 1 }, units: 1, vcpusPerUnit: 1, sustainedRate: 7500, kneeRate: 10_000, trials: trials(floor) });
    const k = queueingK({ book, shipped, points: [s('a', 'nexmark/q0', 500), s('b', 'nexmark/q5', 2000)] }, 'kda', 200);
    expect(k.k).toBeCloseTo(0.5, 9);
    // A trial that failed on latency alone is a measured p99 and counts; one that fell behind does not.
    const withFails = point({
      runId: 'c',
      config: { family: 'kda', parallelism: 1, parallelismPerKpu: 1 },
      units: 1,
      vcpusPerUnit: 1,
      sustainedRate: 5000,
      kneeRate: 10_000,
      trials: [
        { rate: 2500, p99Ms: 500 + 100 / 3, passed: true, failedOn: [] },
        { rate: 7500, p99Ms: 800, passed: false, failedOn: ['latency'] },
        { rate: 9000, p99Ms: 99_999, passed: false, failedOn: ['latency', 'answer'] },
      ],
    });
    expect(queueingK({ book, shipped, points: [withFails] }, 'kda', 200).k).toBeCloseTo(0.5, 9);
  });
});
