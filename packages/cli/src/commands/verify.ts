import { Flags } from '@oclif/core';
import { readFileSync } from 'node:fs';
import { readResult, UserError, type Row, type Verdict } from '@streamscore/core';
import { timelineOfResult, verifyRun } from '@streamscore/harness';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findWorkload } from '../lib/registry.js';
import { parseKeyValues } from '../lib/kv.js';
import { renderTable } from '../lib/table.js';
import { EXIT_CODES } from '../lib/summary.js';

export default class Verify extends StreamscoreCommand {
  static override summary = 'Check an output stream (JSON lines) against the workload’s oracle.';
  static override description =
    'Regenerates the events (from generator options, or from a Result file’s recorded schedule with --run), computes the exact expected ' +
    'output with the query’s reference implementation, and compares both as multisets of records (final state per key for updating ' +
    'queries; decimals rounded to the output’s decimal places). Prints counts of matched, missing and unexpected records with the first few of each. ' +
    'With --run it judges exactly as the run did (the events, cut-off and interruption the Result records), so it reproduces the run’s verdict. ' +
    'Exit codes: 0 pass; 1 fail; 2 bad input; 4 vacuous (nothing was due); 5 incomplete (an interrupted run with nothing wrong).';
  static override examples = [
    '<%= config.bin %> verify --workload nexmark/q5 --results q5-output.jsonl --events 100000',
    '<%= config.bin %> verify --workload nexmark/q1 --results out.jsonl --events 50000 --gen outOfOrderGroupSize=4',
    '<%= config.bin %> verify --workload nexmark/q5 --results out.jsonl --run results/my-run.json',
  ];
  static override flags = {
    workload: Flags.string({ char: 'w', description: 'workload id', required: true }),
    results: Flags.string({ char: 'r', description: 'output records, one JSON object per line', required: true }),
    events: Flags.integer({ char: 'n', description: 'number of input events the output was computed from', min: 1 }),
    gen: Flags.string({ description: 'generator option key=value (repeatable), as given when the events were generated', multiple: true }),
    param: Flags.string({ char: 'p', description: 'query parameter key=value (repeatable)', multiple: true }),
    run: Flags.string({ description: 'Result file of the run that produced the output: takes its events, schedule, parameters and what its verdict was judged on' }),
    'cutoff-ms': Flags.integer({ description: 'judge only records due at or before this instant (ms since epoch); default with --run: the run’s own cut-off' }),
  };

  async run(): Promise<Verdict> {
    const { flags } = await this.parse(Verify);
    const registry = await this.registry();
    const workload = findWorkload(registry, flags.workload);
    const run = flags.run ? readResult(flags.run) : undefined;
    const judgedOn = run?.verdict.judgedOn;
    const events = flags.events ?? judgedOn?.eventsJudged ?? run?.generator.eventsSent;
    if (!events) throw new UserError('How many input events? Give --events N, or --run RESULT.');
    const rows = readRows(flags.results);
    const parsed = workload.params.safeParse({ ...(run?.config.params ?? {}), ...parseKeyValues(flags.param, 'param') });
    if (!parsed.success) throw new UserError(`Invalid parameters for ${workload.id}: ${parsed.error.issues[0]?.message}.`);
    const verdict = verifyRun({
      workload,
      params: parsed.data,
      ...(run ? { timeline: timelineOfResult(run.generator) } : {}),
      eventsSent: events,
      generatorOptions: { ...(run?.generator.options ?? {}), ...parseKeyValues(flags.gen, 'gen') },
      actual: rows,
      cutoffMs: flags['cutoff-ms'] ?? judgedOn?.cutoffMs ?? undefined,
      interrupted: judgedOn?.interrupted ?? (run ? !run.complete : false),
    });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['verdict', 'method', 'expected', 'matched', 'missing', 'unexpected', 'due times covered'],
          [[verdict.status.toUpperCase(), verdict.method, verdict.expected, verdict.matched, verdict.missing, verdict.unexpected, verdict.covered]],
        ),
      );
      for (const [label, list] of [['missing', verdict.samples.missing], ['unexpected', verdict.samples.unexpected]] as const) {
        if (list.length === 0) continue;
        this.log(`\nfirst ${label}:`);
        for (const r of list) this.log(`  ${JSON.stringify(r)}`);
      }
      for (const n of verdict.notes) this.log(`\nnote: ${n}`);
    }
    // The same codes as `run`: only pass exits 0.
    process.exitCode = EXIT_CODES[verdict.status];
    return verdict;
  }
}

function readRows(path: string): Row[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  const rows: Row[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      const v = JSON.parse(line) as unknown;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new Error('not an object');
      rows.push(v as Row);
    } catch {
      throw new UserError(`${path} line ${i + 1} is not a JSON object.`, 'Output files hold one JSON object per line.');
    }
  }
  return rows;
}
