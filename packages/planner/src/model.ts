import { type PriceBook, instanceSpec, explainHourly, alwaysOnLambda, lambdaLogs, type ProjectedResource, LAMBDA_MAX_INVOCATION_S } from '@streamscore/cost';
import {
  lambdaNumber,
  lambdaVcpus,
  platformList,
  platformNumber,
  platformTable,
  type CalibrationProfile,
  type MeasuredPoint,
  type ShippedCalibration,
} from './calibration.js';
import {
  ENGINE_OF,
  type CostItem,
  type CostService,
  type Engine,
  type Evaluation,
  type Family,
  type Figure,
  type Guarantee,
  type Placement,
  type PlanConfig,
  type PricingOption,
  type Scenario,
  type WorkloadTraits,
} from './types.js';

/**
 * The planner's model: for a configuration of a backend family, the rate it sustains, what an
 * hour of it costs at a given rate, the p99 latency it would show, and how long it takes to get
 * running. Pure functions of the calibration, the price book and the workload's traits.
 *
 * **The scaling rule.** A configuration's work is spread over `n` units — EC2 nodes, KPUs, or
 * workers on this machine — of `v` vCPUs each. With `t` the sustainable events/s of one vCPU on
 * this workload and `η` the share of a unit's throughput each unit beyond the first adds:
 *
 *     capacity = t × v × (1 + η × (n − 1))
 *
 * `η` is fitted (least squares of capacity/v against n − 1) where measured runs of the same family
 * and workload exist at two sizes or more, and is 0.9 otherwise (`scaling.eta` in platforms.json).
 * `t` comes from measured runs (find-max's sustained rate ÷ the same factor) when there are any,
 * else from the shipped profile: for Flink, nexmark/nexmark's published throughput ÷ busy cores,
 * with 1 µs per event of JSON decoding added and 80% headroom (published figures are saturation
 * throughput). Flock is modelled from compute per event instead (see `evaluateFlock`).
 */

export interface PlannerInputs {
  book: PriceBook;
  shipped: ShippedCalibration;
  /** Measured points (from `--calibrate` and the user's calibration file). */
  points: readonly MeasuredPoint[];
  /** How to read the calibration (default: the central scenario, see CENTRAL). */
  scenario?: Scenario;
}

/** Measured find-max runs where there are any, else nexmark/nexmark GUIDE_V2; Flock's mean measured compute. */
export const CENTRAL: Scenario = { id: 'central', flink: 'auto', flock: 'mean' };

export interface EvaluateOptions {
  /** p99 latency SLO, ms. */
  sloMs?: number;
  /** Run ids whose points must not be used (leave-one-out for `--check`). */
  exclude?: ReadonlySet<string>;
  /** Price a configuration only if it sustains the rate (the sweep: saves pricing what it drops). */
  priceOnlyIfSustains?: boolean;
  /** The delivery guarantee every platform is priced under where it offers it (default exactly-once). */
  guarantee?: Guarantee;
  /** How compute is paid for (default on-demand). */
  pricing?: PricingOption;
  /** Where EC2 nodes live (default spread over AZs). */
  placement?: Placement;
}

export interface Speed {
  /** Sustainable events/s per vCPU. */
  perVcpu: number;
  eta: number;
  basis: 'measured' | 'projected';
  /** Where t came from. */
  source: string;
  /** Where η came from. */
  etaSource: string;
  /** Never true any more: single passing runs are not capacity (kept for the check table). */
  lowerBound: boolean;
  /** The figure was measured without checkpoints (local Flink runs): exactly-once costs throughput on top. */
  measuredWithoutCheckpoints?: boolean;
  /** The fraction of saturation perVcpu stands for (published saturation × headroom; 1 for a find-max rate). */
  headroom: number;
}

// One formatter per precision: toLocaleString builds a new one on every call, which dominated the sweep's time.
const formatters = new Map<number, Intl.NumberFormat>();
const fmt = (n: number, digits = 0): string => {
  let f = formatters.get(digits);
  if (!f) {
    f = new Intl.NumberFormat('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
    formatters.set(digits, f);
  }
  return f.format(n);
};

function usable(points: readonly MeasuredPoint[], exclude?: ReadonlySet<string>): MeasuredPoint[] {
  return points.filter((p) => !exclude?.has(p.runId));
}

/**
 * Where a search's system saturates: its knee (the rate where it fell behind, `kneeOfTrials`), or,
 * for a point folded in before trials said why they failed, its lowest failing trial above the rate kept.
 */
export function saturationOf(p: MeasuredPoint): number | undefined {
  return p.kneeRate ?? p.saturationRate;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Least-squares fit of y = a + b·x; undefined when x has fewer than two distinct values. */
export function linearFit(xs: readonly number[], ys: readonly number[]): { a: number; b: number } | undefined {
  if (new Set(xs).size < 2) return undefined;
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  const b = num / den;
  return { a: my - b * mx, b };
}

/**
 * Fits t (per vCPU) and η from measured (units, vCPUs per unit, rate) triples:
 * rate / v = t + t·η·(n − 1). η is clamped to [0, 1]; with one size only, η is `defaultEta`.
 */
export function fitScaling(
  samples: readonly { units: number; vcpusPerUnit: number; rate: number }[],
  defaultEta: number,
  fitEta = true,
): { perVcpu: number; eta: number; etaFitted: boolean; etaRaw?: number } {
  const xs = samples.map((s) => s.units - 1);
  const ys = samples.map((s) => s.rate / s.vcpusPerUnit);
  const fit = fitEta ? linearFit(xs, ys) : undefined;
  let eta = defaultEta;
  let etaFitted = false;
  let etaRaw: number | undefined;
  if (fit && fit.a > 0) {
    etaRaw = fit.b / fit.a;
    eta = Math.min(1, Math.max(0, etaRaw));
    etaFitted = true;
  }
  const perVcpu = ys.reduce((s, y, i) => s + y / (1 + eta * xs[i]!), 0) / ys.length;
  return { perVcpu, eta, etaFitted, ...(etaRaw !== undefined ? { etaRaw } : {}) };
}

/** capacity = t × v × (1 + η(n − 1)) */
export function scaledCapacity(perVcpu: number, vcpusPerUnit: number, units: number, eta: number): number {
  return perVcpu * vcpusPerUnit * (1 + eta * (units - 1));
}

function profileFor(inputs: PlannerInputs, engine: Engine): CalibrationProfile | undefined {
  return inputs.shipped.profiles.find((p) => p.engine === engine);
}

/** The published per-vCPU rate of a profile for a workload, adjusted (ingest cost, headroom). */
export function publishedPerVcpu(profile: CalibrationProfile, workloadId: string): { perVcpu: number; work: string } | undefined {
  const q = profile.queries[workloadId];
  if (!q) return undefined;
  const raw = q.perVcpuEventsPerS ?? (q.throughputEventsPerS !== undefined && q.cores !== undefined ? q.throughputEventsPerS / q.cores : undefined);
  if (raw === undefined) return undefined;
  const ingestUs = Number(profile.adjustments?.['ingestUsPerEvent']?.value ?? 0);
  const headroom = profile.measure === 'saturation' ? Number(profile.adjustments?.['headroom']?.value ?? 1) : 1;
  const usPerEvent = 1e6 / raw + ingestUs;
  const perVcpu = (1e6 / usPerEvent) * headroom;
  const from = q.throughputEventsPerS !== undefined && q.cores !== undefined ? `${fmt(q.throughputEventsPerS)} events/s ÷ ${q.cores} cores = ${fmt(raw)}/vCPU` : `${fmt(raw)}/vCPU`;
  return {
    perVcpu,
    work: `${from}; + ${ingestUs} µs/event decoding → ${fmt(1e6 / usPerEvent)}/vCPU; × ${headroom} headroom → ${fmt(perVcpu)}/vCPU`,
  };
}

/** The profile of an engine with this id (Flink: nexmark-v1 or nexmark-v2). */
function profileById(inputs: PlannerInputs, engine: Engine, id: string): CalibrationProfile | undefined {
  return inputs.shipped.profiles.find((p) => p.engine === engine && p.id === id);
}

/**
 * t and η for an engine on a workload, as seen by a family, under the inputs' scenario. Measured
 * capacity comes only from find-max searches (`sustainedRate`), never from a single passing run:
 * points of the family itself first, then of the engine on any family. The published profiles
 * (nexmark-v1, nexmark-v2) are the alternative. η is fitted only from points of the family itself
 * (units mean different things on different families); elsewhere it is the scenario's or the default.
 *
 * Results do not yet record the CPU seconds the system under test used, so a measured rate is
 * divided by the vCPUs it was given (min(parallelism, CPUs) on this machine), not by those it used.
 */
export function engineSpeed(inputs: PlannerInputs, family: Family, workloadId: string, opts: EvaluateOptions = {}): Speed | undefined {
  const engine = ENGINE_OF[family];
  const scenario = inputs.scenario ?? CENTRAL;
  const defaultEta = scenario.eta ?? platformNumber(inputs.shipped.platforms, 'scaling.eta');
  const etaNote = scenario.eta !== undefined ? `η ${defaultEta} (an end of the assumed range ${platformList(inputs.shipped.platforms, 'scaling.etaRange').join('–')})` : `η ${defaultEta} (assumption: no measurements at two sizes; range ${platformList(inputs.shipped.platforms, 'scaling.etaRange').join('–')})`;
  const pts = usable(inputs.points, opts.exclude).filter((p) => p.engine === engine && p.workload === workloadId && p.sustainedRate !== undefined && p.sustainedRate > 0);
  const same = pts.filter((p) => p.config.family === family);
  const chosen = same.length > 0 ? same : pts;
  const useMeasured = engine !== 'flink' || scenario.flink === 'measured' || (scenario.flink === 'auto' && chosen.length > 0);
  if (useMeasured) {
    if (chosen.length === 0) return undefined;
    // With the CPU the system under test used (Result.summary.eventsPerSutCpuSecond), a search gives
    // events per busy vCPU, as nexmark/nexmark publishes them: the same headroom applies.
    if (chosen.every((p) => p.eventsPerSutCpuSecond !== undefined)) {
      const busy = chosen.reduce((a, p) => a + p.eventsPerSutCpuSecond!, 0) / chosen.length;
      const headroom = platformNumber(inputs.shipped.platforms, 'measured.busyVcpuHeadroom');
      return {
        perVcpu: busy * headroom,
        eta: defaultEta,
        basis: 'projected',
        source: `${fmt(busy)} events per CPU-second of the system under test (mean of ${chosen.length} find-max search(es): ${chosen.map((p) => p.runId).join(', ')}) × ${headroom} headroom = ${fmt(busy * headroom)}/vCPU`,
        etaSource: etaNote,
        lowerBound: false,
        measuredWithoutCheckpoints: engine === 'flink',
        headroom,
      };
    }
    const samples = chosen.map((p) => ({ units: p.units, vcpusPerUnit: p.vcpusPerUnit, rate: p.sustainedRate! }));
    const fit = fitScaling(samples, defaultEta, same.length > 0);
    // Where the search saw the engine fall behind above the rate it kept, saturation is there: the
    // sustained rate is that share of it (otherwise the search stopped at its bound, taken as 0.9).
    const shares = chosen.map((p) => {
      const sat = saturationOf(p);
      return sat ? p.sustainedRate! / sat : 0.9;
    });
    return {
      perVcpu: fit.perVcpu,
      eta: fit.eta,
      basis: 'projected',
      source: `${fmt(fit.perVcpu)} events/s per vCPU from ${chosen.length} find-max search(es) (${chosen.map((p) => p.runId).join(', ')}; per vCPU given, not per CPU-second used: Results do not record the SUT's CPU yet)`,
      etaSource: fit.etaFitted ? `η ${fit.eta.toFixed(2)} fitted from ${same.length} measured sizes${fit.etaRaw !== undefined && fit.etaRaw !== fit.eta ? ` (raw ${fit.etaRaw.toFixed(2)}, clamped to [0, 1])` : ''}` : etaNote,
      lowerBound: false,
      measuredWithoutCheckpoints: engine === 'flink',
      headroom: shares.reduce((a, b) => a + b, 0) / shares.length,
    };
  }
  const profile = profileById(inputs, engine, scenario.flink === 'auto' ? 'nexmark-v2' : scenario.flink);
  if (!profile || profile.measure === 'compute') return undefined;
  const pub = publishedPerVcpu(profile, workloadId);
  if (!pub) return undefined;
  return {
    perVcpu: pub.perVcpu,
    eta: defaultEta,
    basis: 'projected',
    source: `${profile.title}: ${pub.work} (${profile.source.ref}, ${profile.source.date}${profile.hardware ? `; ${profile.hardware}` : ''}${profile.guarantee ? `; measured ${profile.guarantee}` : ''})`,
    etaSource: etaNote,
    lowerBound: false,
    measuredWithoutCheckpoints: profile.guarantee !== 'exactly-once',
    headroom: profile.measure === 'saturation' ? Number(profile.adjustments?.['headroom']?.value ?? 1) : 1,
  };
}

/**
 * vCPU-µs of compute per event for Flock: measured runs of the workload (billed REPORT lines ÷
 * events; the scenario picks their mean, least or most), else the profile's default.
 */
export function flockCompute(inputs: PlannerInputs, workloadId: string, opts: EvaluateOptions = {}): { us: number; source: string } | undefined {
  const pts = usable(inputs.points, opts.exclude).filter((p) => p.engine === 'flock' && p.workload === workloadId && p.computeUsPerEvent !== undefined);
  const which = (inputs.scenario ?? CENTRAL).flock;
  if (pts.length > 0) {
    const xs = pts.map((p) => p.computeUsPerEvent!);
    const us = which === 'least' ? Math.min(...xs) : which === 'most' ? Math.max(...xs) : xs.reduce((a, b) => a + b, 0) / xs.length;
    return { us, source: `${us.toFixed(2)} vCPU-µs/event (${which === 'mean' ? 'mean' : which} of ${pts.length} measured run(s): ${pts.map((p) => p.runId).join(', ')}; billed REPORT lines ÷ events)` };
  }
  const profile = profileFor(inputs, 'flock');
  if (!profile) return undefined;
  const q = profile.queries[workloadId] ?? profile.queries['*'];
  if (q?.computeUsPerEvent === undefined) return undefined;
  return { us: q.computeUsPerEvent, source: `${q.computeUsPerEvent} vCPU-µs/event${profile.queries[workloadId] ? '' : ' (the default for every query)'}: ${profile.title} (${profile.source.ref}, ${profile.source.date})` };
}

// ---------------------------------------------------------------------------------------------
// Kinesis: the same for every platform

export interface KinesisSizing {
  shardsIn: number;
  shardsOut: number;
  recordsInPerS: number;
  recordsOutPerS: number;
  items: CostItem[];
  usdPerHour: number;
}

/** Shards for a stream: ⌈max(bytes/s ÷ 1 MiB, records/s ÷ 1000)⌉, at least 1. */
export function shardsFor(bytesPerS: number, recordsPerS: number, shardBytes = 1_048_576, shardRecords = 1000): number {
  return Math.max(1, Math.ceil(Math.max(bytesPerS / shardBytes, recordsPerS / shardRecords) - 1e-9));
}

function hourly(resource: ProjectedResource, book: PriceBook): number {
  const x = explainHourly(resource, book);
  if (!x.priced) throw new Error(`no price for ${resource.kind}: ${x.lines.map((l) => l.rule).join('; ')}`);
  return x.usdPerHour;
}

const kinesisMemo = new Map<string, KinesisSizing>();

/**
 * The input and output streams for a rate: events packed into ~24 KiB records (streamscore's
 * framing), so records/s = bytes/s ÷ 24 KiB and each record is one PUT payload unit.
 */
export function kinesisFor(traits: WorkloadTraits, rate: number, inputs: PlannerInputs): KinesisSizing {
  const key = `${inputs.book.region}|${inputs.book.date}|${inputs.book.kinesis.shardHourUsd}|${inputs.book.kinesis.putPayloadUnitsPerMillionUsd}|${traits.eventBytes}|${traits.outputRatio}|${traits.outputBytes}|${rate}`;
  const hit = kinesisMemo.get(key);
  if (hit) return hit;
  if (kinesisMemo.size > 10_000) kinesisMemo.clear();
  const sized = sizeKinesis(traits, rate, inputs);
  kinesisMemo.set(key, sized);
  return sized;
}

function sizeKinesis(traits: WorkloadTraits, rate: number, inputs: PlannerInputs): KinesisSizing {
  const P = inputs.shipped.platforms;
  const recordBytes = platformNumber(P, 'kinesis.recordBytes');
  const shardBytes = platformNumber(P, 'kinesis.shardBytesPerS');
  const shardRecords = platformNumber(P, 'kinesis.shardRecordsPerS');
  const bytesIn = rate * traits.eventBytes;
  const bytesOut = rate * traits.outputRatio * traits.outputBytes;
  const recordsInPerS = Math.ceil(bytesIn / recordBytes);
  const recordsOutPerS = Math.ceil(bytesOut / recordBytes);
  const shardsIn = shardsFor(bytesIn, recordsInPerS, shardBytes, shardRecords);
  const shardsOut = shardsFor(bytesOut, recordsOutPerS, shardBytes, shardRecords);
  const inUsd = hourly({ kind: 'kinesis-shard', count: shardsIn, attributes: { putPayloadUnitsPerSecond: recordsInPerS } }, inputs.book);
  const outUsd = hourly({ kind: 'kinesis-shard', count: shardsOut, attributes: { putPayloadUnitsPerSecond: recordsOutPerS } }, inputs.book);
  return {
    shardsIn,
    shardsOut,
    recordsInPerS,
    recordsOutPerS,
    items: [
      { item: `Kinesis input: ${shardsIn} shard(s), ${fmt(recordsInPerS)} PUT units/s`, usdPerHour: inUsd, service: 'kinesis' },
      { item: `Kinesis output: ${shardsOut} shard(s), ${fmt(recordsOutPerS)} PUT units/s`, usdPerHour: outUsd, service: 'kinesis' },
    ],
    usdPerHour: inUsd + outUsd,
  };
}

// ---------------------------------------------------------------------------------------------

export function configLabel(c: PlanConfig): string {
  switch (c.family) {
    case 'flink-ec2':
      return `${c.nodes} × ${c.instanceType}`;
    case 'kda':
      return `parallelism ${c.parallelism}, ${c.parallelismPerKpu}/KPU (${Math.ceil(c.parallelism / c.parallelismPerKpu)} KPU + 1)`;
    case 'flock-lambda':
    case 'flock-local':
      return `${c.memoryMB} MB ${c.architecture}${c.groupSize > 0 ? `, group ${c.groupSize}` : ''}`;
    case 'local':
    case 'flink-local':
      return `parallelism ${c.parallelism} on ${c.cpus} CPUs`;
  }
}

/** Same family, same configuration (for using a measured run's own figures). */
export function sameConfig(a: PlanConfig, b: PlanConfig): boolean {
  return JSON.stringify(a, Object.keys(a).sort()) === JSON.stringify(b, Object.keys(b).sort());
}

function measuredRunOf(inputs: PlannerInputs, traits: WorkloadTraits, config: PlanConfig, opts: EvaluateOptions): MeasuredPoint | undefined {
  return usable(inputs.points, opts.exclude)
    .filter((p) => p.workload === traits.id && sameConfig(p.config, config))
    .sort((a, b) => b.endedAt.localeCompare(a.endedAt))[0];
}

/** Time to get running: the median of measured runs of the family, else the documented default. */
export function readiness(inputs: PlannerInputs, family: Family, projectedS: number, projectedSource: string, opts: EvaluateOptions = {}): Figure {
  const ms = usable(inputs.points, opts.exclude)
    .filter((p) => p.config.family === family && p.provisioningMs > 0)
    .map((p) => p.provisioningMs)
    .sort((a, b) => a - b);
  if (ms.length > 0) {
    const mid = ms.length % 2 ? ms[(ms.length - 1) / 2]! : (ms[ms.length / 2 - 1]! + ms[ms.length / 2]!) / 2;
    return { value: mid / 1000, basis: 'measured', source: `median deployment.provisioningMs of ${ms.length} measured run(s)` };
  }
  return { value: projectedS, basis: 'projected', source: projectedSource };
}

interface Parts {
  capacity: number;
  capacityWork: string;
  capacitySource: string;
  latencyMs: number;
  latencyWork: string;
  resources: { item: string; resource: ProjectedResource; service: CostService; spotEligible?: boolean }[];
  readiness: Figure;
  guarantee: { given: Guarantee; note: string };
  /** Rate ÷ this is the utilisation the latency model uses (capacity before headroom). */
  saturation?: number;
  /** Latency that does not queue (transport, watermark, flush …) and the per-batch time that does. */
  queueMs?: number;
  /** Limits that fail at this rate regardless of capacity (unsupported query kind, memory …). */
  blockers: string[];
  lowerBound?: boolean;
}

function flinkLatency(traits: WorkloadTraits, inputs: PlannerInputs, local: boolean): { ms: number; work: string; queueMs: number } {
  const P = inputs.shipped.platforms;
  const transport = platformNumber(P, 'kinesis.transportP99Ms');
  const poll = platformNumber(P, 'kinesis.pollMs');
  const flush = platformNumber(P, 'flink.sinkFlushMs');
  const buffer = platformNumber(P, 'flink.bufferTimeoutMs');
  const exchanges = traits.kind === 'per-event' ? 0 : platformNumber(P, 'flink.exchangesWindowed');
  let ms = transport + poll + flush + exchanges * buffer;
  let work = `transport p99 ${transport} + source poll ${poll} + sink flush ${flush}${exchanges ? ` + ${exchanges} exchanges × ${buffer} buffer timeout` : ''}`;
  if (traits.kind === 'windowed') {
    const wm = platformNumber(P, 'flink.watermarkIntervalMs');
    ms += traits.watermarkDelayMs + wm;
    work += ` + watermark delay ${traits.watermarkDelayMs} + watermark interval ${wm}`;
  }
  // What waits behind a busy engine is a poll's worth of input: the queueing term scales it.
  return { ms, work: `${work}${local ? ' (as on AWS: kinesalite keeps the 200 ms poll)' : ''} ms`, queueMs: poll };
}

/** Bytes of keyed state a checkpoint holds: a window's events for windowed queries, a minute of events for updating ones (assumption), offsets only for per-event ones. */
function stateBytes(traits: WorkloadTraits, rate: number): number {
  if (traits.kind === 'per-event') return 0;
  const heldMs = traits.kind === 'updating' ? 60_000 : Math.max(traits.windowMs, 1000);
  return (rate * heldMs * traits.eventBytes) / 1000;
}

/** Exactly-once's throughput factor on a figure measured without checkpoints (1 otherwise), and why. */
function guaranteeFactor(inputs: PlannerInputs, speed: Speed, guarantee: Guarantee): { factor: number; work: string } {
  if (guarantee !== 'exactly-once') return { factor: 1, work: speed.measuredWithoutCheckpoints ? '' : ' (the published figure was measured with exactly-once checkpoints; no gain assumed without them)' };
  if (!speed.measuredWithoutCheckpoints) return { factor: 1, work: ' (exactly-once: the published figure includes RocksDB and checkpoints)' };
  const f = (inputs.scenario ?? CENTRAL).exactlyOnceFactor ?? platformNumber(inputs.shipped.platforms, 'flink.exactlyOnceThroughputFactor');
  return { factor: f, work: ` × ${f} for RocksDB + exactly-once checkpoints (assumption, range ${platformList(inputs.shipped.platforms, 'flink.exactlyOnceThroughputFactorRange').join('–')}: the measured runs had none)` };
}

/** Speed of one vCPU of an instance family relative to a Graviton2 vCPU (platforms.json ec2.familySpeed). */
export function familySpeed(inputs: PlannerInputs, instanceType: string): number {
  const table = platformTable(inputs.shipped.platforms, 'ec2.familySpeed');
  return table[instanceType.split('.')[0] ?? ''] ?? 1;
}

/**
 * The engine's own cost per event on a local configuration, µs, from the published figures alone
 * (never from a search: the composition below must scale every query from the same source). Flink:
 * the scenario's nexmark/nexmark profile (GUIDE_V2 unless the scenario is nexmark-v1), per vCPU
 * before headroom, with its decoding, over the configuration's units. Flock: its compute per event.
 */
export function localEngineUs(inputs: PlannerInputs, config: PlanConfig, workloadId: string): number | undefined {
  const scenario = inputs.scenario ?? CENTRAL;
  if (config.family === 'flink-local') {
    const profile = profileById(inputs, 'flink', scenario.flink === 'nexmark-v1' ? 'nexmark-v1' : 'nexmark-v2');
    const pub = profile ? publishedPerVcpu(profile, workloadId) : undefined;
    if (!profile || !pub) return undefined;
    const headroom = profile.measure === 'saturation' ? Number(profile.adjustments?.['headroom']?.value ?? 1) : 1;
    const eta = scenario.eta ?? platformNumber(inputs.shipped.platforms, 'scaling.eta');
    return 1e6 / scaledCapacity(pub.perVcpu / headroom, 1, Math.min(config.parallelism, config.cpus), eta);
  }
  if (config.family === 'flock-local') {
    const profile = profileFor(inputs, 'flock');
    return (profile?.queries[workloadId] ?? profile?.queries['*'])?.computeUsPerEvent;
  }
  return undefined;
}

export interface LocalPipeline {
  /** Projected rate where this query falls behind on this configuration (its knee), events/s. */
  knee: number;
  /** Mean sustained ÷ knee of the searches it came from: how far below its knee a search keeps the SLO. */
  share: number;
  /** knee × share: the projected sustainable rate. */
  capacity: number;
  /** µs per event of the shared pipeline, and the scale of the engine's published cost on this machine. */
  pipelineUs: number;
  engineScale: number;
  engineUs: number;
  work: string;
  source: string;
}

/**
 * On this machine every engine fed through Kinesis shares one pipeline whatever the query: the
 * harness's driver and collector, the local Kinesis (kinesalite, one Node.js process) and, for
 * Flock, its one source process, all on the same cores as the engine. An event costs the pipeline's
 * time plus the engine's, in series on those cores, so the rate where a query falls behind (its
 * knee) is
 *
 *     1 ÷ knee = p + c × u
 *
 * with `u` the engine's published cost of the query (`localEngineUs`), `p` the pipeline's time per
 * event (the same for every query) and `c` how the published cost scales on this machine. `p` and
 * `c` are least squares on the knees the *other* searches of the same configuration found
 * (leave-one-out drops the run's own): with `c` ≥ 0 (when the knees do not rise with `u`, the
 * engine is not what binds here: `c` = 0 and `p` their mean), and `p` ≥ 0; when the searches'
 * engine costs do not differ, `c` cannot be fitted and is 1 (the published cost at face value).
 * The projected sustainable rate is the knee × the share of their knee the searches sustained
 * (within the SLO they ran under). On AWS the stream and Flock's source scale out with the rate,
 * so the cloud families have no such pipeline.
 *
 * Without it the engine's per-core profile alone projected Flink's q7 here at 17,927/s (GUIDE_V2:
 * q7 costs 16× q0 per core) where the search sustained 28,000/s and fell behind between 48,000 and
 * 64,000/s, like q0's and q5's.
 */
export function localPipeline(inputs: PlannerInputs, config: PlanConfig, workloadId: string, opts: EvaluateOptions = {}): LocalPipeline | undefined {
  if (config.family !== 'flink-local' && config.family !== 'flock-local') return undefined;
  const u = localEngineUs(inputs, config, workloadId);
  if (u === undefined) return undefined;
  const label = configLabel(config);
  const samples = usable(inputs.points, opts.exclude)
    .filter((p) => p.config.family === config.family && configLabel(p.config) === label && p.sustainedRate !== undefined && p.sustainedRate > 0 && p.kneeRate !== undefined)
    .map((p) => ({ p, t: 1e6 / p.kneeRate!, u: localEngineUs(inputs, config, p.workload) }))
    .filter((x): x is { p: MeasuredPoint; t: number; u: number } => x.u !== undefined);
  if (samples.length === 0) return undefined;
  const ts = samples.map((x) => x.t);
  const us = samples.map((x) => x.u);
  const fit = linearFit(us, ts);
  let pipelineUs: number;
  let c: number;
  let how: string;
  if (!fit) {
    c = 1;
    pipelineUs = Math.max(0, mean(ts.map((t, i) => t - us[i]!)));
    how = `c = 1, the published cost at face value (the searches' engine costs do not differ, so c cannot be fitted), and p = mean(1/knee − u)`;
  } else if (fit.b <= 0) {
    c = 0;
    pipelineUs = mean(ts);
    how = `c fitted ${fit.b.toFixed(3)} → 0 (the knees do not rise with the engine's cost: the pipeline binds), and p = mean(1/knee)`;
  } else if (fit.a < 0) {
    pipelineUs = 0;
    c = ts.reduce((a, t, i) => a + t * us[i]!, 0) / us.reduce((a, x) => a + x * x, 0);
    how = 'p fitted below 0 → 0, and c by least squares through the origin';
  } else {
    pipelineUs = fit.a;
    c = fit.b;
    how = 'p and c by least squares';
  }
  const knee = 1e6 / (pipelineUs + c * u);
  const share = mean(samples.map((x) => x.p.sustainedRate! / x.p.kneeRate!));
  const list = samples.map((x) => `${x.p.workload} knee ${fmt(x.p.kneeRate!)}/s, sustained ${fmt(x.p.sustainedRate!)}/s, u ${fmt(x.u, 2)} µs (${x.p.runId})`).join('; ');
  return {
    knee,
    share,
    capacity: knee * share,
    pipelineUs,
    engineScale: c,
    engineUs: u,
    work: `this machine's pipeline and engine in series: 1/knee = p ${fmt(pipelineUs, 2)} µs + c ${fmt(c, 3)} × u ${fmt(u, 2)} µs → knee ${fmt(knee)} events/s; × ${share.toFixed(3)} (sustained ÷ knee of the searches) = ${fmt(knee * share)} events/s`,
    source: `${label} on this machine, from ${samples.length} other search(es) of the same configuration (${how}): ${list}`,
  };
}

/**
 * Before any search on a local configuration found where it fell behind (no knee): the largest
 * rate a find-max search of any query sustained on the same configuration bounds every query
 * (leave-one-out drops the run's own). Without it the query stage's model alone projected 3.9 M
 * events/s for Flock's q0 where the searches found 10,000/s.
 */
function localPipelineCeiling(inputs: PlannerInputs, config: PlanConfig, opts: EvaluateOptions): { rate: number; source: string } | undefined {
  if (config.family !== 'flink-local' && config.family !== 'flock-local') return undefined;
  const label = configLabel(config);
  const pts = usable(inputs.points, opts.exclude).filter((p) => p.config.family === config.family && configLabel(p.config) === label && p.sustainedRate !== undefined);
  if (pts.length === 0) return undefined;
  const best = pts.reduce((a, b) => (b.sustainedRate! > a.sustainedRate! ? b : a));
  return { rate: best.sustainedRate!, source: `this machine's Kinesis pipeline: ${fmt(best.sustainedRate!)} events/s sustained by ${best.workload} (${best.runId}), the largest of ${pts.length} search(es) of ${label} (none found where it fell behind)` };
}

function evaluateFlink(inputs: PlannerInputs, traits: WorkloadTraits, config: PlanConfig & { family: 'flink-ec2' | 'kda' | 'flink-local' }, rate: number, opts: EvaluateOptions): Parts | string {
  const speed = engineSpeed(inputs, config.family, traits.id, opts);
  const scenario = inputs.scenario ?? CENTRAL;
  if (!speed) {
    return scenario.flink === 'measured'
      ? `no find-max search of ${traits.id} on Flink to calibrate from (a single passing run is not a capacity): run streamscore run ${traits.id} --backend flink --find-max and fold the Result in with plan --calibrate`
      : `no calibration for ${traits.id} on Flink in profile ${scenario.flink === 'auto' ? 'nexmark-v2' : scenario.flink}`;
  }
  const P = inputs.shipped.platforms;
  const guarantee: Guarantee = config.family === 'flink-local' ? (opts.guarantee ?? 'none') : (opts.guarantee ?? 'exactly-once');
  const g = guaranteeFactor(inputs, speed, guarantee);
  const lat = flinkLatency(traits, inputs, config.family === 'flink-local');
  const checkpointS = platformNumber(P, 'flink.checkpointIntervalS');
  if (config.family === 'flink-ec2') {
    const spec = instanceSpec(inputs.book, config.instanceType);
    const fs = familySpeed(inputs, config.instanceType);
    const cap = scaledCapacity(speed.perVcpu * fs * g.factor, spec.vcpu, config.nodes, speed.eta);
    const ebsGb = platformNumber(P, 'ec2.ebsGbPerNode');
    const resources: Parts['resources'] = [];
    if (config.nodes === 1) resources.push({ item: `EC2 1 × ${config.instanceType} (JobManager + TaskManager)`, resource: { kind: 'ec2-instance', size: config.instanceType, count: 1 }, service: 'ec2' });
    else {
      resources.push({ item: `EC2 1 × ${config.instanceType} (JobManager + TaskManager)`, resource: { kind: 'ec2-instance', size: config.instanceType, count: 1 }, service: 'ec2' });
      resources.push({ item: `EC2 ${config.nodes - 1} × ${config.instanceType} (TaskManagers)`, resource: { kind: 'ec2-instance', size: config.instanceType, count: config.nodes - 1 }, service: 'ec2', spotEligible: true });
    }
    resources.push({ item: `EBS gp3 ${config.nodes} × ${ebsGb} GB`, resource: { kind: 'ebs-gp3', size: String(ebsGb), count: config.nodes }, service: 'ebs' });
    resources.push({ item: `public IPv4 × ${config.nodes}`, resource: { kind: 'public-ipv4', count: config.nodes }, service: 'network' });
    const exchanges = traits.kind === 'per-event' ? 0 : platformNumber(P, 'flink.exchangesWindowed');
    const placement = opts.placement ?? 'spread';
    if (config.nodes > 1 && exchanges > 0 && placement === 'spread') {
      const azs = Math.min(config.nodes, platformNumber(P, 'ec2.availabilityZones'));
      const crossing = rate * traits.eventBytes * exchanges * (1 - 1 / config.nodes) * (1 - 1 / azs);
      resources.push({
        item: `data between AZs: ${exchanges} keyed exchange(s) × ${fmt(traits.eventBytes)} B/event × (1 − 1/${config.nodes} nodes) × (1 − 1/${azs} AZs) = ${fmt(crossing / 1e6, 2)} MB/s`,
        resource: { kind: 'data-transfer-inter-az', count: 1, attributes: { bytesPerSecond: crossing } },
        service: 'network',
      });
    }
    if (guarantee === 'exactly-once') {
      const state = stateBytes(traits, rate);
      const puts = (spec.vcpu * config.nodes * platformNumber(P, 'flink.checkpointFilesPerSlot')) / checkpointS;
      resources.push({
        item: `checkpoints to S3 every ${checkpointS} s: ${fmt(state / 1e6, 1)} MB of state kept twice, ${fmt(puts * 3600)} PUTs/h`,
        resource: { kind: 's3-object', count: 1, attributes: { bytes: 2 * state, putsPerSecond: puts } },
        service: 's3',
      });
    }
    return {
      capacity: cap,
      capacityWork: `${fmt(speed.perVcpu)}/vCPU × ${fs} (${config.instanceType.split('.')[0]} vCPU speed)${g.work} × ${spec.vcpu} vCPU × (1 + ${speed.eta.toFixed(2)} × ${config.nodes - 1}) = ${fmt(cap)} events/s`,
      capacitySource: `${speed.source}; ${speed.etaSource}`,
      latencyMs: lat.ms,
      latencyWork: lat.work,
      resources,
      readiness: readiness(inputs, 'flink-ec2', platformNumber(P, 'ec2.readinessS'), `default: ${P.figures['ec2.readinessS']!.note ?? ''}`, opts),
      blockers: spec.memoryGiB < platformNumber(P, 'ec2.minNodeMemoryGiB') ? [`${config.instanceType} has ${spec.memoryGiB} GiB < ${platformNumber(P, 'ec2.minNodeMemoryGiB')} GiB per node`] : [],
      lowerBound: speed.lowerBound,
      guarantee: {
        given: guarantee,
        note:
          guarantee === 'exactly-once'
            ? `RocksDB state, checkpoints to S3 every ${checkpointS} s${config.nodes > 1 ? (placement === 'spread' ? '; nodes spread over AZs (survives the loss of an AZ; pays transfer between AZs)' : '; all nodes in one AZ (no transfer charge; the loss of that AZ stops the job until it is restarted elsewhere from the last checkpoint)') : ''}`
            : 'heap state, no checkpoints: a failure loses the state and the job restarts from the latest input',
      },
      queueMs: lat.queueMs,
      saturation: cap / speed.headroom,
    };
  }
  if (config.family === 'kda') {
    const kpus = Math.ceil(config.parallelism / config.parallelismPerKpu);
    const cap = scaledCapacity(speed.perVcpu * g.factor, 1, kpus, speed.eta);
    const maxKpus = platformNumber(P, 'kda.maxKpus');
    return {
      capacity: cap,
      capacityWork: `${fmt(speed.perVcpu)}/vCPU${g.work} × 1 vCPU per KPU × (1 + ${speed.eta.toFixed(2)} × ${kpus - 1}) = ${fmt(cap)} events/s (${kpus} KPUs; parallelism per KPU shares a KPU's vCPU, it adds no CPU)${kpus > maxKpus ? `; ${kpus} KPUs is above the default quota of ${maxKpus} per application: ask AWS to raise it (Service Quotas)` : ''}`,
      capacitySource: `${speed.source}; ${speed.etaSource}`,
      latencyMs: lat.ms,
      latencyWork: lat.work,
      resources: [
        { item: `Managed Flink ${kpus} KPU + 1 orchestration KPU + running storage`, resource: { kind: 'kda-application', count: 1, attributes: { parallelism: config.parallelism, parallelismPerKpu: config.parallelismPerKpu } }, service: 'kda' },
      ],
      readiness: readiness(inputs, 'kda', platformNumber(P, 'kda.readinessS'), `default: ${P.figures['kda.readinessS']!.note ?? ''}`, opts),
      blockers: [],
      lowerBound: speed.lowerBound,
      guarantee: {
        given: guarantee,
        note: guarantee === 'exactly-once' ? `RocksDB state, exactly-once checkpoints every ${checkpointS} s (Managed Flink's default; checkpoints live in the running application storage billed per KPU)` : 'checkpointing switched off (CheckpointConfiguration CUSTOM, CheckpointingEnabled false)',
      },
      queueMs: lat.queueMs,
      saturation: cap / speed.headroom,
    };
  }
  const units = Math.min(config.parallelism, config.cpus);
  const local = { resources: [], readiness: readiness(inputs, 'flink-local', 0, 'not modelled for this machine', opts), blockers: [], guarantee: { given: guarantee, note: guarantee === 'exactly-once' ? 'checkpoints on this machine' : 'the job jar runs with checkpointing off' }, latencyMs: lat.ms, latencyWork: lat.work, queueMs: lat.queueMs };
  const pipe = localPipeline(inputs, config, traits.id, opts);
  if (pipe) {
    // The engine's own figure is inside the composition (u, scaled by c); its knee is the saturation the latency counts from.
    return { ...local, capacity: pipe.capacity, capacityWork: pipe.work, capacitySource: pipe.source, saturation: pipe.knee };
  }
  const engineCap = scaledCapacity(speed.perVcpu * g.factor, 1, units, speed.eta);
  const ceiling = localPipelineCeiling(inputs, config, opts);
  const bound = ceiling !== undefined && ceiling.rate < engineCap ? ceiling : undefined;
  const cap = bound ? bound.rate : engineCap;
  const engineWork = `${fmt(speed.perVcpu)}/vCPU${g.work} × (1 + ${speed.eta.toFixed(2)} × ${units - 1}) = ${fmt(engineCap)} events/s (parallelism ${config.parallelism} on ${config.cpus} CPUs)`;
  return {
    capacity: cap,
    capacityWork: bound ? `${bound.source}, below the engine's ${engineWork}` : engineWork,
    capacitySource: bound ? `${bound.source}; engine from ${speed.source}; ${speed.etaSource}` : `${speed.source}; ${speed.etaSource}`,
    latencyMs: lat.ms,
    latencyWork: lat.work,
    resources: [],
    readiness: readiness(inputs, 'flink-local', 0, 'not modelled for this machine', opts),
    blockers: [],
    lowerBound: speed.lowerBound,
    guarantee: { given: guarantee, note: guarantee === 'exactly-once' ? 'checkpoints on this machine' : 'the job jar runs with checkpointing off' },
    queueMs: lat.queueMs,
    saturation: cap / speed.headroom,
  };
}

function evaluateLocal(inputs: PlannerInputs, traits: WorkloadTraits, config: PlanConfig & { family: 'local' }, opts: EvaluateOptions): Parts | string {
  const speed = engineSpeed(inputs, 'local', traits.id, opts);
  if (!speed) return `no find-max search of ${traits.id} on the local engine to calibrate from (a single passing run is not a capacity)`;
  const units = Math.min(config.parallelism, config.cpus);
  const cap = scaledCapacity(speed.perVcpu, 1, units, speed.eta);
  const tick = 100;
  const ms = (traits.kind === 'windowed' ? traits.watermarkDelayMs : 0) + tick;
  return {
    capacity: cap,
    capacityWork: `${fmt(speed.perVcpu)}/worker × (1 + ${speed.eta.toFixed(2)} × ${units - 1}) = ${fmt(cap)} events/s`,
    capacitySource: `${speed.source}; ${speed.etaSource}`,
    latencyMs: ms,
    latencyWork: `${traits.kind === 'windowed' ? `watermark delay ${traits.watermarkDelayMs} + ` : ''}${tick} ms engine tick and batching (assumption; memory transport)`,
    resources: [],
    readiness: { value: 0, basis: 'projected', source: 'in-process engine' },
    blockers: [],
    lowerBound: speed.lowerBound,
    guarantee: { given: 'none', note: 'in-process engine: nothing survives the process' },
    queueMs: tick,
    saturation: cap / speed.headroom,
  };
}

/** Largest rate in [0, 1e10] for which `ok` holds (ok is monotone: true below, false above). */
export function maxRateWhere(ok: (rate: number) => boolean): number {
  if (!ok(1)) return 0;
  let lo = 1;
  let hi = 2;
  while (ok(hi)) {
    lo = hi;
    hi *= 2;
    if (hi > 1e10) return lo;
  }
  for (let i = 0; i < 60 && hi / lo > 1.0005; i++) {
    const mid = Math.sqrt(lo * hi);
    if (ok(mid)) lo = mid;
    else hi = mid;
  }
  return lo;
}

export interface FlockShape {
  /** vCPUs' worth of speed of one function of this memory size. */
  speed: number;
  /** Invocations per second of the query stage, and billed ms of each. */
  invocationsPerS: number;
  billedMsPerInvocation: number;
  /** Why this shape cannot run at the rate, if it cannot. */
  limits: string[];
  latencyMs: number;
  latencyWork: string;
  functions: number;
}

/** Speed of a Lambda function of `memoryMB`, in vCPUs (1 = one full vCPU). */
export function lambdaSpeed(profile: CalibrationProfile, memoryMB: number, local: boolean): number {
  if (local) return 1;
  const v = lambdaVcpus(memoryMB, lambdaNumber(profile, 'mbPerVcpu'), lambdaNumber(profile, 'maxVcpus'));
  return v <= 1 ? v : 1 + lambdaNumber(profile, 'extraVcpuEfficiency') * (v - 1);
}

/**
 * What streamscore's Flock architecture does at a rate (docs/backends/flock.md): the source cuts
 * an epoch every `epochMs`; a per-event query sends each epoch's events, in fragments of at most
 * 6 MB, to one function with up to 16 invocations in flight; a windowed query sends each closed
 * window's events to one member of a group of `groupSize` functions (reserved concurrency 1),
 * which aggregates them when the last fragment is in. A member gets a window every
 * groupSize × slide on average, and must finish it in 80% of that.
 */
export function flockShape(profile: CalibrationProfile, inputs: PlannerInputs, traits: WorkloadTraits, config: { memoryMB: number; groupSize: number }, rate: number, computeUs: number, local: boolean): FlockShape {
  const P = inputs.shipped.platforms;
  const L = (k: string) => lambdaNumber(profile, k);
  const speed = lambdaSpeed(profile, config.memoryMB, local);
  const ovh = L('invocationOverheadMs');
  const rtt = local ? 3 : L('invokeRoundTripMs');
  const payload = L('payloadBytesPerEvent');
  const frag = L('fragmentLimitBytes');
  const epochMs = L('epochMs');
  const memLimit = config.memoryMB * 1_048_576 * L('memoryUsableFraction');
  const memPerEvent = L('memoryBytesPerEvent');
  const timeoutMs = L('timeoutS') * 1000;
  const transport = platformNumber(P, 'kinesis.transportP99Ms');
  const poll = platformNumber(P, 'kinesis.pollMs');
  const limits: string[] = [];
  if (traits.kind === 'per-event') {
    const perEpoch = (rate * epochMs) / 1000;
    const fragments = Math.max(1, Math.ceil((perEpoch * payload) / frag));
    const perInv = perEpoch / fragments;
    const billed = (ovh + (perInv * computeUs) / 1000) / speed;
    const invPerS = fragments / (epochMs / 1000);
    const inFlight = (invPerS * billed) / 1000;
    const maxInFlight = L('maxInFlight');
    if (inFlight > 0.8 * maxInFlight) limits.push(`needs ${inFlight.toFixed(1)} invocations in flight > 80% of ${maxInFlight}`);
    if (perInv * memPerEvent > memLimit) limits.push(`an invocation's ${fmt(perInv)} events do not fit ${config.memoryMB} MB`);
    if (billed > timeoutMs) limits.push('an invocation would exceed the 900 s timeout');
    const ms = transport + poll + epochMs + rtt + billed;
    return {
      speed,
      invocationsPerS: invPerS,
      billedMsPerInvocation: billed,
      limits,
      latencyMs: ms,
      latencyWork: `transport p99 ${transport} + source poll ${poll} + epoch ${epochMs} + invoke ${rtt} + compute ${fmt(billed, 1)} ms`,
      functions: 1,
    };
  }
  const windowMs = Math.max(traits.windowMs, 1);
  const slideMs = Math.max(traits.slideMs, 1);
  const perWindow = (rate * windowMs) / 1000;
  const fragments = Math.max(1, Math.ceil((perWindow * payload) / frag));
  const windowBilled = (fragments * ovh + (perWindow * computeUs) / 1000) / speed;
  const G = Math.max(1, config.groupSize);
  const budget = 0.8 * G * slideMs;
  if (windowBilled > budget) limits.push(`a window takes ${fmt(windowBilled)} ms > 80% of ${G} members × ${slideMs} ms slide`);
  if (perWindow * memPerEvent > memLimit) limits.push(`a window's ${fmt(perWindow)} events do not fit ${config.memoryMB} MB`);
  if (windowBilled / fragments > timeoutMs) limits.push('an invocation would exceed the 900 s timeout');
  const ms = transport + poll + traits.watermarkDelayMs + epochMs + fragments * rtt + windowBilled;
  return {
    speed,
    invocationsPerS: (fragments * 1000) / slideMs,
    billedMsPerInvocation: windowBilled / fragments,
    limits,
    latencyMs: ms,
    latencyWork: `transport p99 ${transport} + source poll ${poll} + watermark delay ${traits.watermarkDelayMs} + epoch ${epochMs} + ${fragments} fragment invoke(s) × ${rtt} + window compute ${fmt(windowBilled, 1)} ms`,
    functions: G,
  };
}

const flockCapacityMemo = new Map<string, number>();

function evaluateFlock(inputs: PlannerInputs, traits: WorkloadTraits, config: PlanConfig & { family: 'flock-lambda' | 'flock-local' }, rate: number, opts: EvaluateOptions): Parts | string {
  if (traits.kind === 'updating' || traits.kind === 'processing-time') {
    return `Flock keeps no state across windows: ${traits.kind} queries (${traits.id}) do not run on it`;
  }
  const profile = profileFor(inputs, 'flock');
  if (!profile) return 'no Flock calibration profile';
  const compute = flockCompute(inputs, traits.id, opts);
  if (!compute) return `no Flock calibration for ${traits.id}`;
  const local = config.family === 'flock-local';
  const shape = flockShape(profile, inputs, traits, config, rate, compute.us, local);
  // A configuration's capacity does not depend on the rate asked for: found once per shape (the sweep asks at many rates).
  const capKey = `${profile.id}|${inputs.shipped.platforms.date}|${traits.id}|${traits.kind}|${traits.windowMs}|${traits.slideMs}|${config.memoryMB}|${config.groupSize}|${compute.us}|${local}`;
  let cap = flockCapacityMemo.get(capKey);
  if (cap === undefined) {
    cap = maxRateWhere((r) => flockShape(profile, inputs, traits, config, r, compute.us, local).limits.length === 0);
    if (flockCapacityMemo.size > 50_000) flockCapacityMemo.clear();
    flockCapacityMemo.set(capKey, cap);
  }
  const queryCap = cap;
  // On this machine: the pipeline and the query stage in series (knees of the other searches);
  // before any search found its knee, the largest rate one sustained. The query stage's own limits
  // (memory, invocations in flight, the window's budget) still apply.
  const pipe = local ? localPipeline(inputs, config, traits.id, opts) : undefined;
  const ceiling = pipe ? { rate: pipe.capacity, source: pipe.work, detail: pipe.source } : localPipelineCeiling(inputs, config, opts);
  const bound = ceiling !== undefined && ceiling.rate < queryCap ? ceiling : undefined;
  if (bound) cap = bound.rate;
  const P = inputs.shipped.platforms;
  const resources: Parts['resources'] = [];
  let sources = 1;
  if (!local) {
    resources.push({
      item: `Lambda query stage: ${fmt(shape.invocationsPerS, 1)} invocations/s × ${fmt(shape.billedMsPerInvocation, 1)} ms × ${config.memoryMB} MB ${config.architecture}`,
      resource: { kind: 'lambda-invocations', count: 1, attributes: { requestsPerSecond: shape.invocationsPerS, avgBilledMs: shape.billedMsPerInvocation, memoryMB: config.memoryMB, architecture: config.architecture } },
      service: 'lambda',
    });
    // Flock's source is a function that runs all the time (4,096 MB in Flock), re-invoked before
    // Lambda's 15-minute limit: billed for every millisecond whatever the rate, one per
    // `sourceEventsPerS` of input (80% of its CPU at sourceUsPerEvent).
    const srcMem = lambdaNumber(profile, 'sourceMemoryMB');
    const srcSpeed = lambdaSpeed(profile, srcMem, false);
    const perSource = (0.8 * srcSpeed * 1e6) / lambdaNumber(profile, 'sourceUsPerEvent');
    sources = Math.max(1, Math.ceil(rate / perSource));
    const src = alwaysOnLambda(srcMem, config.architecture);
    resources.push({
      item: `Flock source: ${sources} always-on ${srcMem} MB ${config.architecture} function(s), re-invoked every ${LAMBDA_MAX_INVOCATION_S / 60} min (each reads ≤ ${fmt(perSource)} events/s)`,
      resource: { ...src, attributes: { ...src.attributes, requestsPerSecond: sources / LAMBDA_MAX_INVOCATION_S } },
      service: 'lambda',
    });
    const invocations = shape.invocationsPerS + sources / LAMBDA_MAX_INVOCATION_S;
    resources.push({ item: `CloudWatch Logs: START/END/REPORT lines of ${fmt(invocations, 1)} invocations/s`, resource: lambdaLogs(invocations), service: 'logs' });
  }
  const functions = shape.functions + sources;
  const projectedReady = platformNumber(P, 'flock.readinessBaseS') + platformNumber(P, 'flock.readinessPerFunctionS') * functions;
  return {
    capacity: cap,
    capacityWork: bound
      ? `${bound.source}, below the query stage's ${fmt(queryCap)} events/s`
      : traits.kind === 'per-event'
        ? `largest rate at which one function of ${config.memoryMB} MB (${shape.speed.toFixed(2)} vCPU) keeps ≤ 80% of 16 invocations in flight at ${compute.us} vCPU-µs/event: ${fmt(cap)} events/s`
        : `largest rate at which a window (${traits.windowMs} ms of events, ${compute.us} vCPU-µs/event at ${shape.speed.toFixed(2)} vCPU) takes ≤ 80% of ${Math.max(1, config.groupSize)} members × ${traits.slideMs} ms and fits in memory: ${fmt(cap)} events/s`,
    capacitySource: bound ? `${'detail' in bound ? bound.detail : bound.source}; query stage from ${compute.source}` : compute.source,
    latencyMs: shape.latencyMs,
    latencyWork: shape.latencyWork,
    resources,
    readiness: local
      ? { value: 0, basis: 'projected', source: 'not modelled for this machine' }
      : readiness(inputs, 'flock-lambda', projectedReady, `default: ${platformNumber(P, 'flock.readinessBaseS')} s role + ${platformNumber(P, 'flock.readinessPerFunctionS')} s × ${functions} functions (assumption)`, opts),
    blockers: [],
    guarantee: {
      given: 'none',
      note:
        traits.kind === 'per-event'
          ? 'Flock offers no exactly-once: an epoch whose invocation fails after its retries is lost (at-most-once), a retried one may be answered twice'
          : "Flock offers no exactly-once: a window's fragments live only in one warm group member; if that member fails or is recycled before the window closes, the window is lost (at-most-once), and nothing is checkpointed",
    },
  };
}

/** Evaluates one configuration at one rate. */
export function evaluate(inputs: PlannerInputs, traits: WorkloadTraits, config: PlanConfig, rate: number, opts: EvaluateOptions = {}): Evaluation {
  let parts: Parts | string;
  switch (config.family) {
    case 'flink-ec2':
    case 'kda':
    case 'flink-local':
      parts = evaluateFlink(inputs, traits, config, rate, opts);
      break;
    case 'flock-lambda':
    case 'flock-local':
      parts = evaluateFlock(inputs, traits, config, rate, opts);
      break;
    case 'local':
      parts = evaluateLocal(inputs, traits, config, opts);
      break;
  }
  const label = configLabel(config);
  const none = (source: string): Figure => ({ value: 0, basis: 'projected', source });
  if (typeof parts === 'string') {
    return {
      config,
      family: config.family,
      label,
      rate,
      sustainableRate: none(parts),
      latencyP99Ms: none(parts),
      costPerHourUsd: none(parts),
      costPerMillionEventsUsd: none(parts),
      readinessS: none(parts),
      sustains: false,
      feasible: false,
      reasons: [parts],
      costItems: [],
      capacityWork: parts,
      unmodelled: true,
    };
  }
  const cloud = config.family === 'flink-ec2' || config.family === 'kda' || config.family === 'flock-lambda';
  const run = measuredRunOf(inputs, traits, config, opts);
  const capacityNow = run?.sustainedRate ?? parts.capacity;
  const skipPricing = opts.priceOnlyIfSustains === true && (capacityNow < rate || parts.blockers.length > 0);
  const pricing = opts.pricing ?? 'on-demand';
  const costItems: CostItem[] = skipPricing ? [] : parts.resources.map((r) => discounted({ item: r.item, usdPerHour: hourly(r.resource, inputs.book), service: r.service }, inputs.book, pricing, r.spotEligible === true));
  if (cloud && !skipPricing) costItems.push(...kinesisFor(traits, rate, inputs).items);
  const perHour = costItems.reduce((s, c) => s + c.usdPerHour, 0);
  const perMillion = rate > 0 ? (perHour / (rate * 3600)) * 1e6 : 0;
  const costSource = skipPricing
    ? 'not priced: it does not sustain the rate'
    : cloud
      ? `price book ${inputs.book.region} ${inputs.book.date}, ${pricing}: ${costItems.map((c) => `${c.item} $${c.usdPerHour.toFixed(4)}`).join('; ')}`
      : 'runs on this machine';

  // Latency grows with utilisation: a queue in front of a busy engine (M/D/1-like, ρ/(1 − ρ))
  // holds a poll's worth of input longer the closer the rate is to saturation.
  const saturation = parts.saturation ?? parts.capacity;
  const rho = saturation > 0 ? Math.min(rate / saturation, 0.99) : 0;
  const q = parts.queueMs !== undefined ? queueing(queueingK(inputs, config.family, parts.queueMs, opts), parts.queueMs, rho) : { ms: 0, work: '' };
  // A measured run of this very configuration gives measured figures.
  let sustainable: Figure = { value: parts.capacity, basis: 'projected', source: `${parts.capacityWork} — ${parts.capacitySource}` };
  let latency: Figure = { value: parts.latencyMs + q.ms, basis: 'projected', source: parts.latencyWork + q.work };
  if (run?.sustainedRate !== undefined) sustainable = { value: run.sustainedRate, basis: 'measured', source: `find-max of run ${run.runId}` };
  if (run) latency = { value: run.latencyP99Ms, basis: 'measured', source: `p99 of run ${run.runId} at ${fmt(run.rate)} events/s` };

  const reasons = [...parts.blockers];
  if (sustainable.value < rate) reasons.push(`sustains ${fmt(sustainable.value)} events/s < ${fmt(rate)}`);
  const sustains = reasons.length === 0;
  if (opts.sloMs !== undefined && latency.value > opts.sloMs) reasons.push(`p99 ${fmt(latency.value)} ms > SLO ${fmt(opts.sloMs)} ms`);
  return {
    config,
    family: config.family,
    label,
    rate,
    sustainableRate: sustainable,
    latencyP99Ms: latency,
    costPerHourUsd: { value: perHour, basis: 'projected', source: costSource },
    costPerMillionEventsUsd: { value: perMillion, basis: 'projected', source: 'cost per hour ÷ (rate × 3600) × 10⁶' },
    readinessS: parts.readiness,
    sustains,
    feasible: reasons.length === 0,
    reasons,
    costItems,
    capacityWork: parts.capacityWork,
    guarantee: parts.guarantee,
    utilisation: rho,
  };
}

/** A cost item after the pricing option's discount on its service (Spot: TaskManager nodes only). */
export function discounted(c: CostItem, book: PriceBook, pricing: PricingOption, spotEligible: boolean): CostItem {
  if (pricing === 'on-demand') return c;
  const d = book.pricingOptions[pricing];
  if (!d) return c;
  let off = 0;
  if (c.service === 'ec2') off = pricing === 'spot' ? (spotEligible ? d.ec2 : 0) : d.ec2;
  else if (c.service === 'lambda') off = d.lambda;
  else if (c.service === 'kda') off = d.kda;
  if (off === 0) return c;
  return { ...c, item: `${c.item} (${pricing} −${Math.round(off * 100)}%)`, usdPerHour: c.usdPerHour * (1 - off) };
}

/**
 * A trial whose p99 describes the system at its rate: it passed, or it failed on latency alone (a
 * p99 above the SLO is a measured p99 too; leaving those out would cut the fit off at the SLO).
 */
function latencyMeasured(t: NonNullable<MeasuredPoint['trials']>[number]): boolean {
  return t.passed || (t.failedOn !== undefined && t.failedOn.length > 0 && t.failedOn.every((f) => f === 'latency'));
}

/**
 * k of the queueing term, fitted on the find-max trials of every search of the family (any query):
 * p99 = a_s + k × batch × ρ/(1 − ρ), with ρ = trial rate ÷ the search's saturation (its knee, where
 * it fell behind; `saturationOf`) and one intercept a_s per search — every query waits for
 * different things (a window's watermark, a poll), but the queue in front of a busy engine is the
 * family's. The trials below the saturation whose p99 was measured count (`latencyMeasured`).
 * The default (platforms.json) where no search tried two utilisations, or the fit is not increasing.
 */
export function queueingK(inputs: PlannerInputs, family: Family, batchMs: number, opts: EvaluateOptions = {}): { k: number; source: string } {
  let sxy = 0;
  let sxx = 0;
  let n = 0;
  const runs: string[] = [];
  for (const p of usable(inputs.points, opts.exclude)) {
    const sat = saturationOf(p);
    if (p.config.family !== family || !sat || !p.trials) continue;
    const ts = p.trials.filter((t) => t.rate < sat && latencyMeasured(t));
    const xs = ts.map((t) => t.rate / sat / (1 - t.rate / sat));
    if (new Set(xs).size < 2) continue;
    const mx = mean(xs);
    const my = mean(ts.map((t) => t.p99Ms));
    for (let i = 0; i < ts.length; i++) {
      sxy += (xs[i]! - mx) * (ts[i]!.p99Ms - my);
      sxx += (xs[i]! - mx) ** 2;
    }
    n += ts.length;
    runs.push(p.runId);
  }
  if (sxx > 0 && sxy > 0 && batchMs > 0) return { k: sxy / sxx / batchMs, source: `k fitted on ${n} trial(s) of ${runs.length} search(es) of ${family}, each about its own mean` };
  return { k: platformNumber(inputs.shipped.platforms, 'latency.queueingK'), source: 'k assumed (platforms.json latency.queueingK)' };
}

/** The queueing term of p99: k × batch ms × ρ/(1 − ρ). */
export function queueing(k: { k: number; source: string }, batchMs: number, rho: number): { ms: number; work: string } {
  const ms = k.k * batchMs * (rho / (1 - rho));
  return { ms, work: ` + queueing ${k.k.toFixed(2)} × ${batchMs} ms × ρ/(1 − ρ) at utilisation ρ = ${rho.toFixed(2)} → ${fmt(ms)} ms (${k.source})` };
}
