import { Args, Flags } from '@oclif/core';
import { join } from 'node:path';
import { cpus, homedir } from 'node:os';
import {
  MIN_ANSWERS_FOR_P99,
  buildShape,
  parseRate,
  parseShape,
  UserError,
  writeResult,
  type Plan,
  type Result,
  type ShapeSpec,
} from '@streamscore/core';
import {
  harnessTransportFor,
  measureTransportBaseline,
  newRunId,
  postMeasureSeconds,
  scoredAnswerRate,
  secondsForScoredAnswers,
  readRunFile,
  type RunFile,
  parseFaultEntry,
  parseFaultFlag,
  parsePin,
  requireTaskset,
  assignFaults,
  transportFaultKinds,
} from '@streamscore/harness';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend, findWorkload } from '../lib/registry.js';
import { parseDuration } from '../lib/duration.js';
import { parseKeyValues } from '../lib/kv.js';
import { ensureWritable } from '../lib/output-path.js';
import { progressPrinter } from '../lib/progress.js';
import { exitCodeOf, summaryTable, trialsTable } from '../lib/summary.js';
import { measureMax, measureOnce, type MeasureBase } from '../lib/measure.js';
import { renderTable } from '../lib/table.js';
import { trapInterrupts } from '../lib/signals.js';
import { leftoverWarning } from '../lib/leftovers.js';
import { checkGeneratorOptions } from '../lib/generator-options.js';

export default class Run extends StreamscoreCommand {
  static override summary = 'Run a workload on a backend at a target rate, and write its Result.';
  static override description =
    'Drives an open-loop load (events fall due on a schedule; latency is measured from when each was due), ' +
    'samples throughput and latency every second, checks the answer against the workload’s oracle, and writes one Result JSON file. ' +
    'With --find-max it searches for the highest rate the backend sustains within the latency SLO (doubling, then bisection) and records every trial. ' +
    'Windowed queries are scored under load: the load goes on at the target rate until every answer due in the measured phase is final, and only those answers are scored; ' +
    'without --duration a windowed query measures long enough for 100 scored answers (up to 20 minutes). ' +
    'Exit codes: 0 the answer passed its check; 1 a wrong answer (or the check failed); 2 bad input; 3 unchecked (verification not run, e.g. --verify-max-events); ' +
    '4 vacuous (nothing was due); 5 incomplete (the run failed); 130/143 interrupted by SIGINT/SIGTERM.';
  static override examples = [
    '<%= config.bin %> run nexmark/q1 --backend local --rate 100000 --duration 30s',
    '<%= config.bin %> run nexmark/q5 --rate 50k --duration 1m --param windowSizeMs=10000 --out results/q5.json',
    '<%= config.bin %> run nexmark/q0 --shape ramp:10k..200k --duration 30s',
    '<%= config.bin %> run nexmark/q0 --find-max --latency-slo 100ms --duration 5s',
    '<%= config.bin %> run --file runs/q5-step.yaml --json',
  ];
  static override args = { workload: Args.string({ description: 'workload id, e.g. nexmark/q5 (see `streamscore workloads`)' }) };
  static override flags = {
    file: Flags.string({ char: 'f', description: 'run file (YAML or JSON) describing the whole run; flags override it' }),
    backend: Flags.string({ char: 'b', description: 'backend name (see `streamscore backends`) [default: local]' }),
    target: Flags.string({ description: 'where the backend runs (default: its first target)' }),
    rate: Flags.string({ char: 'r', description: 'target rate, events/s (50000, 50k, 1.5M) [default: 10000]' }),
    shape: Flags.string({ description: 'load shape: constant | step:10k@10s,50k@10s | ramp:1k..100k | sine:10k..100k/60s' }),
    duration: Flags.string({ char: 'd', description: 'measured duration: 30s, 2m, … [default: 30s]' }),
    warmup: Flags.string({ description: 'warm-up before the measured phase, not scored [default: 0s]' }),
    out: Flags.string({ char: 'o', description: 'Result file (default results/<run-id>.json)' }),
    param: Flags.string({ char: 'p', description: 'query parameter key=value (repeatable)', multiple: true }),
    gen: Flags.string({ description: 'generator option key=value, e.g. outOfOrderGroupSize=4 (repeatable)', multiple: true }),
    knob: Flags.string({ char: 'k', description: 'backend knob key=value (repeatable; see `streamscore backends`)', multiple: true }),
    fault: Flags.string({ description: 'inject a fault: KIND@TIME[:key=value,...], e.g. kill-taskmanager@30s, kinesis-throttle@0s:share=10% (repeatable; docs/faults.md)', multiple: true }),
    parallelism: Flags.integer({ description: 'shorthand for --knob parallelism=N' }),
    'instance-type': Flags.string({ description: 'shorthand for --knob instance-type=T (flink on ec2)' }),
    nodes: Flags.integer({ description: 'shorthand for --knob nodes=N (flink on ec2)' }),
    'parallelism-per-kpu': Flags.integer({ description: 'shorthand for --knob parallelism-per-kpu=N (kda)' }),
    memory: Flags.integer({ description: 'shorthand for --knob memory=MB (flock)' }),
    arch: Flags.string({ description: 'shorthand for --knob arch=arm64|x86_64 (flock)' }),
    'group-size': Flags.integer({ description: 'shorthand for --knob group-size=N (flock)' }),
    session: Flags.string({ description: 'shorthand for --knob session=NAME (flink session cluster)' }),
    'latency-slo': Flags.string({ description: 'latency SLO (p99), e.g. 100ms; --find-max needs it' }),
    'find-max': Flags.boolean({ description: 'search for the sustainable rate instead of one run' }),
    'max-rate': Flags.string({ description: 'upper bound of the --find-max search [default: 10M]' }),
    repeat: Flags.integer({ description: '--find-max searches to run; reports the median sustainable rate and its spread', min: 1, aliases: ['repetitions'] }),
    'verify-max-events': Flags.integer({
      description: 'opt out of the correctness check above this many events (the verdict is then unchecked, exit code 3); by default every run is checked in bounded memory (q12, checked by invariants, keeps its rows and stops at 5,000,000)',
    }),
    baseline: Flags.boolean({ description: 'first measure the transport alone (a pass-through run, no engine) and report it beside the result' }),
    region: Flags.string({ description: 'AWS region for cloud targets', env: 'AWS_REGION' }),
    'max-cost': Flags.string({ description: 'refuse to run when the plan’s projected cost is above this, USD (cloud targets)', default: '1' }),
    yes: Flags.boolean({ char: 'y', description: 'run even when the projected cost is above --max-cost' }),
    quiet: Flags.boolean({ char: 'q', description: 'no progress line' }),
    pin: Flags.string({
      description: 'pin parts of the run to CPUs with taskset: harness=CPUS, transport=CPUS (local Kinesis), sut=CPUS (the system under test), e.g. --pin harness=0 sut=1',
      multiple: true,
    }),
    drivers: Flags.integer({ description: 'driver processes generating the load, each its slice of the one stream (memory transport)', min: 1, default: 1 }),
  };

  async run(): Promise<Result> {
    const { args, flags } = await this.parse(Run);
    const file: RunFile | undefined = flags.file ? readRunFile(flags.file) : undefined;
    const workloadId = args.workload ?? file?.workload;
    if (!workloadId) throw new UserError('Which workload? Give it as the first argument or as `workload:` in the run file.', 'For example: streamscore run nexmark/q1');
    const rateText = flags.rate ?? (file?.load.rate !== undefined ? String(file.load.rate) : '10000');
    let rate: number;
    try {
      rate = parseRate(rateText);
    } catch {
      throw new UserError(`--rate must be a positive number of events per second (got "${rateText}").`, 'For example --rate 100000 or --rate 100k.');
    }
    const durationText = flags.duration ?? file?.load.duration;
    let durationS = parseDuration(durationText ?? '30s', 'duration');
    const warmupText = flags.warmup ?? file?.load.warmup ?? '0s';
    const warmupS = /^0(ms|s|m|h)?$/.test(warmupText) ? 0 : parseDuration(warmupText, 'warmup');
    const sloText = flags['latency-slo'] ?? file?.latencySlo;
    const sloMs = sloText ? parseDuration(sloText, 'latency-slo') * 1000 : undefined;
    const shapeSpec: ShapeSpec = flags.shape ? parseShape(flags.shape, rate) : (file?.load.shape ?? { kind: 'constant', rate });

    const registry = await this.registry();
    const backend = findBackend(registry, flags.backend ?? file?.backend ?? 'local');
    const workload = findWorkload(registry, workloadId);
    const target = flags.target ?? file?.target ?? backend.capabilities.targets[0]!;
    if (!backend.capabilities.targets.includes(target)) {
      throw new UserError(`Backend ${backend.name} has no target "${target}". Its targets: ${backend.capabilities.targets.join(', ')}.`);
    }
    const knobs = { ...(file?.knobs ?? {}), ...parseKeyValues(flags.knob, 'knob') };
    // Shorthand flags for the knobs the bundled backends declare; the backend still decides.
    for (const k of ['parallelism', 'instance-type', 'nodes', 'parallelism-per-kpu', 'memory', 'arch', 'group-size', 'session'] as const) {
      const v = flags[k];
      if (v !== undefined) knobs[k] = v;
    }
    for (const k of Object.keys(knobs)) {
      if (!backend.capabilities.knobs[k]) {
        throw new UserError(`Backend ${backend.name} has no knob "${k}". Its knobs: ${Object.keys(backend.capabilities.knobs).join(', ') || '(none)'}.`);
      }
    }
    // A backend with a `region` knob (flink's ec2 target) gets --region unless the knob says otherwise.
    if (flags.region && backend.capabilities.knobs['region'] && knobs['region'] === undefined) knobs['region'] = flags.region;
    const params = { ...(file?.params ?? {}), ...parseKeyValues(flags.param, 'param') };
    const generatorOptions = { ...(file?.generator ?? {}), ...parseKeyValues(flags.gen, 'gen') };
    checkGeneratorOptions(workload, generatorOptions);
    const faults = [...(file?.faults ?? []).map((f, i) => parseFaultEntry(f, `${flags.file}: faults[${i}]`)), ...(flags.fault ?? []).map(parseFaultFlag)];
    const findMax = flags['find-max'] || file?.findMax !== undefined;
    if (findMax && faults.length) throw new UserError('--fault and --find-max do not go together: a search needs runs that measure the steady state.', 'Run the search first, then one run with --fault at the rate it found.');
    if (findMax && sloMs === undefined) throw new UserError('--find-max needs a latency SLO.', 'Add --latency-slo 100ms (or latencySlo in the run file).');
    const pin = flags.pin?.length ? parsePin(flags.pin, cpus().length) : undefined;
    if (pin) requireTaskset();

    // A fault nobody can inject is refused before anything is written or started (its due time is checked when the load is known).
    if (faults.length) assignFaults(faults, { backend, target, transport: { faultKinds: transportFaultKinds(backend, target) }, loadS: Number.POSITIVE_INFINITY });
    const leftover = leftoverWarning(backend.name);
    if (leftover) this.note(leftover);
    const runId = newRunId(workload.id, backend.name);

    // Safety rule: nothing is created in a cloud without its plan shown first and the cost cap kept.
    const maxCost = Number(flags['max-cost']);
    if (!(maxCost >= 0)) throw new UserError(`--max-cost must be a number of dollars (got "${flags['max-cost']}").`, 'For example --max-cost 2.50.');
    const parsedParams = workload.params.safeParse(params);
    const horizonMs = parsedParams.success ? workload.timing(parsedParams.data).horizonMs : 0;
    // A search keeps its trial duration, but is told when its trials cannot score 100 answers (they would all fail).
    if (parsedParams.success && shapeSpec.kind === 'constant') {
      const d = scoredAnswersDuration(workload, parsedParams.data, rate, generatorOptions, durationText === undefined && !findMax ? undefined : durationS);
      if (d.note) this.note(d.note);
      durationS = d.durationS;
    }
    const planDurationS = warmupS + durationS + postMeasureSeconds(horizonMs);
    const plan: Plan = await backend.plan({ runId, workload, params: parsedParams.success ? parsedParams.data : params, target, knobs, rate, durationS: planDurationS, ...(faults.length ? { faults } : {}) });
    if (plan.projectedCostUsd > 0) {
      this.note(printPlan(plan, findMax));
      if (plan.projectedCostUsd > maxCost && !flags.yes) {
        throw new UserError(
          `the projected cost of this run is $${plan.projectedCostUsd.toFixed(2)}${findMax ? ' per trial' : ''}, above --max-cost $${maxCost.toFixed(2)}.`,
          'Raise --max-cost, make the run smaller or shorter, or pass --yes to run anyway.',
        );
      }
    }
    // After the plan, which refuses what the backend cannot do: a refused run leaves no folder behind.
    const out = ensureWritable(flags.out ?? join('results', `${runId}.json`), (m) => this.note(m));
    const abort = new AbortController();
    const interrupts = trapInterrupts(
      (signal) => {
        this.note(`\ninterrupted (${signal}): stopping the load, tearing down and writing what was measured… (again to stop at once)`);
        abort.abort();
      },
      () => this.note(`stopped at once; remove what is left with: streamscore cleanup --backend ${backend.name}`),
    );
    const progress = progressPrinter(!flags.quiet && !this.jsonEnabled());
    const measureBase: MeasureBase = {
      backend,
      workload,
      params,
      target,
      knobs,
      warmupS,
      durationS,
      ...(sloMs !== undefined ? { latencySloMs: sloMs } : {}),
      generatorOptions,
      ...(flags.drivers > 1 ? { drivers: flags.drivers } : {}),
      ...(faults.length ? { faults } : {}),
      ...(pin ? { pin } : {}),
      ledgerPath: join(homedir(), '.streamscore', 'ledger.jsonl'),
      verifyMaxEvents: flags['verify-max-events'],
      signal: abort.signal,
      onProgress: (p: Parameters<typeof progress.update>[0]) => progress.update(p),
      log: (m: string) => this.note(m),
      toolVersion: this.config.version,
      ...(flags.region ? { region: flags.region } : {}),
    };
    const measure = async (): Promise<Result> => {
      const shape = buildShape(shapeSpec, warmupS + durationS);
      if (!findMax) return measureOnce(measureBase, runId, shape.peakRate, shape);
      return measureMax(measureBase, runId, {
        startRate: file?.findMax?.startRate ?? rate,
        maxRate: flags['max-rate'] ? parseRate(flags['max-rate']) : (file?.findMax?.maxRate ?? 10_000_000),
        latencySloMs: sloMs!,
        repeat: flags.repeat ?? file?.findMax?.repeat ?? file?.findMax?.repetitions ?? 1,
        onTrial: (m) => {
          progress.done();
          this.note(m);
        },
      });
    };
    let result: Result;
    try {
      let transportBaseline: Result['transportBaseline'];
      if (flags.baseline) {
        const id = newRunId(`${workload.id}-transport`, backend.name);
        this.note(`measuring the ${backend.transportFor(target)} transport alone for ${Math.min(durationS, 10)} s…`);
        transportBaseline = await measureTransportBaseline({
          workload,
          transport: await harnessTransportFor(backend, target, { runId: id, ...(flags.region ? { region: flags.region } : {}) }),
          runId: id,
          rate,
          durationS: Math.min(durationS, 10),
          toolVersion: this.config.version,
          generatorOptions,
          signal: abort.signal,
        });
      }
      result = await measure();
      if (transportBaseline) result = { ...result, transportBaseline };
    } finally {
      progress.done();
      interrupts.release();
    }
    writeResult(out, result);
    if (!this.jsonEnabled()) {
      this.log(summaryTable(result));
      if (result.findMax) this.log('\n' + trialsTable(result.findMax));
      this.log(`\nResult: ${out}`);
    }
    // 0 only for a complete run whose answer passed its check (see the description).
    process.exitCode = abort.signal.aborted ? (interrupts.exitCode() ?? 130) : exitCodeOf(result);
    return result;
  }
}

/** Measured duration ceiling a default may reach for a windowed query to score 100 answers. */
const MAX_DEFAULT_DURATION_S = 20 * 60;

/**
 * The measured duration for a windowed query: without --duration, long enough for 100 scored
 * answers (within MAX_DEFAULT_DURATION_S); with one too short for that, a one-line note saying
 * the tail figure will be a maximum and how long would do.
 */
function scoredAnswersDuration(
  workload: Parameters<typeof scoredAnswerRate>[0],
  params: Record<string, unknown>,
  rate: number,
  generatorOptions: Record<string, unknown>,
  given: number | undefined,
): { durationS: number; note?: string } {
  const fallback = given ?? 30;
  const perS = scoredAnswerRate(workload, params, rate, generatorOptions);
  if (perS === undefined) return { durationS: fallback };
  const needS = secondsForScoredAnswers(perS);
  const per = `${workload.id} gives about ${perS < 1 ? perS.toFixed(2) : Math.round(perS)} scored answers/s here`;
  if (given !== undefined) {
    if (perS * given >= MIN_ANSWERS_FOR_P99) return { durationS: given };
    return {
      durationS: given,
      note: `${per}: ${given} s scores about ${Math.floor(perS * given)}, reported as a maximum, not a p99; ${MIN_ANSWERS_FOR_P99} answers need --duration ${Number.isFinite(needS) ? `${needS}s` : 'longer (none expected)'}.`,
    };
  }
  if (needS <= 30) return { durationS: 30 };
  if (needS <= MAX_DEFAULT_DURATION_S) return { durationS: needS, note: `${per}: measuring ${needS} s so the p99 rests on ${MIN_ANSWERS_FOR_P99} answers (--duration to choose).` };
  return {
    durationS: 30,
    note: `${per}: ${MIN_ANSWERS_FOR_P99} answers would need ${Number.isFinite(needS) ? `${needS} s` : 'more than any run'}, so 30 s is measured and its tail reported as a maximum (--duration to choose, or smaller windows with --param).`,
  };
}

/** The plan as the user sees it before anything is created: resources, projected cost, notes. */
function printPlan(plan: Plan, perTrial: boolean): string {
  const usd = (n: number) => `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
  const rows = plan.resources.map((r) => [r.kind, r.name, r.size ?? '-', r.count, r.projectedCostUsd === undefined ? '-' : usd(r.projectedCostUsd)]);
  return [
    `Plan: ${plan.backend} on ${plan.target}`,
    renderTable(['kind', 'resource', 'size', 'count', 'projected'], rows),
    ...plan.notes.map((n) => `  - ${n}`),
    `Projected cost: ${usd(plan.projectedCostUsd)}${perTrial ? ' per trial (--find-max runs several)' : ''}`,
  ].join('\n');
}
