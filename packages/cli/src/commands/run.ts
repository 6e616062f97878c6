import { Args, Flags } from '@oclif/core';
import { join } from 'node:path';
import { homedir } from 'node:os';
import { newRunId, runBenchmark, UserError, writeResult, type Result } from '@streamscore/core';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend, findWorkload } from '../lib/registry.js';
import { parseDuration } from '../lib/duration.js';
import { parseKeyValues } from '../lib/kv.js';
import { ensureWritable } from '../lib/output-path.js';
import { progressPrinter } from '../lib/progress.js';
import { summaryTable } from '../lib/summary.js';

export default class Run extends StreamscoreCommand {
  static override summary = 'Run a workload on a backend at a target rate, and write its Result.';
  static override description =
    'Drives an open-loop load (events fall due on a schedule; latency is measured from when each was due), ' +
    'samples throughput and latency every second, checks the answer against the workload’s oracle, and writes one Result JSON file.';
  static override examples = [
    '<%= config.bin %> run nexmark/q1 --backend local --rate 100000 --duration 30s',
    '<%= config.bin %> run nexmark/q5 --rate 50000 --duration 1m --param windowSizeSec=10 --out results/q5.json',
    '<%= config.bin %> run nexmark/q0 --rate 500000 --duration 10s --parallelism 2 --json',
  ];
  static override args = { workload: Args.string({ description: 'workload id, e.g. nexmark/q5 (see `streamscore workloads`)', required: true }) };
  static override flags = {
    backend: Flags.string({ char: 'b', description: 'backend name (see `streamscore backends`)', default: 'local' }),
    target: Flags.string({ description: 'where the backend runs (default: its first target)' }),
    rate: Flags.string({ char: 'r', description: 'target rate, events per second', default: '10000' }),
    duration: Flags.string({ char: 'd', description: 'measured duration: 30s, 2m, …', default: '30s' }),
    warmup: Flags.string({ description: 'warm-up before the measured phase (not scored)', default: '0s' }),
    out: Flags.string({ char: 'o', description: 'Result file (default results/<run-id>.json)' }),
    param: Flags.string({ char: 'p', description: 'query parameter key=value (repeatable)', multiple: true }),
    gen: Flags.string({ description: 'generator option key=value, e.g. outOfOrderGroupSize=4 (repeatable)', multiple: true }),
    knob: Flags.string({ char: 'k', description: 'backend knob key=value (repeatable; see `streamscore backends`)', multiple: true }),
    parallelism: Flags.integer({ description: 'shorthand for --knob parallelism=N' }),
    'latency-slo': Flags.string({ description: 'latency SLO recorded with the Result, e.g. 100ms' }),
    'verify-max-events': Flags.integer({ description: 'skip the correctness check above this many events', default: 5_000_000 }),
    quiet: Flags.boolean({ char: 'q', description: 'no progress line' }),
  };

  async run(): Promise<Result> {
    const { args, flags } = await this.parse(Run);
    const rate = Number(flags.rate);
    if (!Number.isFinite(rate) || rate <= 0) {
      throw new UserError(`--rate must be a positive number of events per second (got "${flags.rate}").`, 'For example --rate 100000.');
    }
    const durationS = parseDuration(flags.duration, 'duration');
    const warmupS = flags.warmup === '0s' ? 0 : parseDuration(flags.warmup, 'warmup');
    const sloMs = flags['latency-slo'] ? parseDuration(flags['latency-slo'], 'latency-slo') * 1000 : undefined;
    const registry = await this.registry();
    const backend = findBackend(registry, flags.backend);
    const workload = findWorkload(registry, args.workload);
    const target = flags.target ?? backend.capabilities.targets[0]!;
    if (!backend.capabilities.targets.includes(target)) {
      throw new UserError(`Backend ${backend.name} has no target "${target}". Its targets: ${backend.capabilities.targets.join(', ')}.`);
    }
    const knobs = parseKeyValues(flags.knob, 'knob');
    if (flags.parallelism !== undefined) knobs['parallelism'] = flags.parallelism;
    for (const k of Object.keys(knobs)) {
      if (!backend.capabilities.knobs[k]) {
        throw new UserError(`Backend ${backend.name} has no knob "${k}". Its knobs: ${Object.keys(backend.capabilities.knobs).join(', ') || '(none)'}.`);
      }
    }
    const runId = newRunId(workload.id, backend.name);
    const out = ensureWritable(flags.out ?? join('results', `${runId}.json`));

    const abort = new AbortController();
    const onSigint = () => {
      this.note('\ninterrupted: stopping the load and writing what was measured…');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    const progress = progressPrinter(!flags.quiet && !this.jsonEnabled());
    let result: Result;
    try {
      result = await runBenchmark({
        backend,
        workload,
        params: parseKeyValues(flags.param, 'param'),
        target,
        knobs,
        rate,
        warmupS,
        durationS,
        ...(sloMs !== undefined ? { latencySloMs: sloMs } : {}),
        generatorOptions: parseKeyValues(flags.gen, 'gen'),
        runId,
        ledgerPath: join(homedir(), '.streamscore', 'ledger.jsonl'),
        verifyMaxEvents: flags['verify-max-events'],
        signal: abort.signal,
        onProgress: (p) => progress.update(p),
        log: (m) => this.note(m),
        toolVersion: this.config.version,
      });
    } finally {
      progress.done();
      process.off('SIGINT', onSigint);
    }
    writeResult(out, result);
    if (!this.jsonEnabled()) {
      this.log(summaryTable(result));
      this.log(`\nResult: ${out}`);
    }
    if (!result.complete) {
      process.exitCode = abort.signal.aborted ? 130 : 1;
    } else if (result.verdict.status === 'fail') {
      process.exitCode = 1;
    }
    return result;
  }
}
