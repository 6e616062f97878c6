import { Args, Flags } from '@oclif/core';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { buildShape, UserError, workloadMatches, writeResult, type Result } from '@streamscore/core';
import { compareCells, newRunId, readCompareFile } from '@streamscore/harness';
import { renderReport, tailLatencyText } from '@streamscore/report';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend, findWorkload } from '../lib/registry.js';
import { parseDuration } from '../lib/duration.js';
import { measureMax, measureOnce, type MeasureBase } from '../lib/measure.js';
import { trapInterrupts } from '../lib/signals.js';
import { renderTable, formatLatencyUs, formatNumber } from '../lib/table.js';

export default class Compare extends StreamscoreCommand {
  static override summary = 'Run a matrix (backends × workloads × configurations) from one file and write one report.';
  static override description =
    'Every cell runs under the same load and is scored, checked and costed like `run`; each Result is written to OUT/results/, ' +
    'and one report (Markdown + HTML with charts) is made from them all. A cell a backend cannot run is skipped and listed.';
  static override examples = ['<%= config.bin %> compare runs/q5-engines.yaml --out reports/q5', '<%= config.bin %> compare matrix.json --out report/ --json'];
  static override args = { file: Args.string({ description: 'compare file (YAML or JSON); see docs/running.md#comparing', required: true }) };
  static override flags = {
    out: Flags.string({ char: 'o', description: 'output folder (results/ and the report)', required: true }),
    quiet: Flags.boolean({ char: 'q', description: 'no progress lines' }),
  };

  async run(): Promise<{ report: string; results: string[]; skipped: { cell: string; reason: string }[] }> {
    const { args, flags } = await this.parse(Compare);
    const f = readCompareFile(args.file);
    const registry = await this.registry();
    const durationS = parseDuration(f.load.duration, 'load.duration');
    const warmupS = /^0(ms|s|m|h)?$/.test(f.load.warmup) ? 0 : parseDuration(f.load.warmup, 'load.warmup');
    const sloMs = f.latencySlo ? parseDuration(f.latencySlo, 'latencySlo') * 1000 : undefined;
    if (f.findMax && sloMs === undefined) throw new UserError('findMax needs latencySlo in the compare file.');
    const cells = compareCells(f);
    // Resolve everything first, so a typo fails before anything runs.
    const resolved = cells.map((c) => ({ c, backend: findBackend(registry, c.backend), workload: findWorkload(registry, c.workload) }));
    const abort = new AbortController();
    // SIGINT, SIGTERM and SIGHUP alike: the cell running stops and writes what it measured; a second signal stops at once.
    const interrupts = trapInterrupts(
      (signal) => {
        this.note(`\ninterrupted (${signal}): stopping the matrix, tearing down and writing what was measured… (again to stop at once)`);
        abort.abort();
      },
      () => this.note('stopped at once; remove what is left with: streamscore cleanup'),
    );
    const results: Result[] = [];
    const paths: string[] = [];
    const skipped: { cell: string; reason: string }[] = [];
    let failed = false;
    try {
      for (const [i, { c, backend, workload }] of resolved.entries()) {
        const name = `${c.workload} on ${c.label ?? c.backend}`;
        const target = c.target ?? backend.capabilities.targets[0]!;
        if (!backend.capabilities.workloads.some((p) => workloadMatches(p, workload.id))) {
          skipped.push({ cell: name, reason: `${backend.name} does not run ${workload.id}` });
          continue;
        }
        if (abort.signal.aborted) {
          skipped.push({ cell: name, reason: 'interrupted' });
          continue;
        }
        if (!flags.quiet) this.note(`[${i + 1}/${cells.length}] ${name}…`);
        const runId = newRunId(workload.id, backend.name);
        const base: MeasureBase = {
          backend,
          workload,
          params: c.params,
          target,
          knobs: c.knobs,
          warmupS,
          durationS,
          ...(sloMs !== undefined ? { latencySloMs: sloMs } : {}),
          generatorOptions: f.generator,
          ledgerPath: join(homedir(), '.streamscore', 'ledger.jsonl'),
          signal: abort.signal,
          log: (m) => (flags.quiet ? undefined : this.note(`  ${m}`)),
          toolVersion: this.config.version,
        };
        try {
          const r = f.findMax
            ? await measureMax(base, runId, {
                startRate: f.load.rate,
                maxRate: f.findMax.maxRate ?? 10_000_000,
                latencySloMs: sloMs!,
                repeat: f.findMax.repeat ?? f.findMax.repetitions ?? 1,
                onTrial: (m) => (flags.quiet ? undefined : this.note(`  ${m}`)),
              })
            : await measureOnce(base, runId, f.load.rate, f.load.shape ? buildShape(f.load.shape, warmupS + durationS) : undefined);
          const path = join(flags.out, 'results', `${r.runId}.json`);
          writeResult(path, r);
          results.push(r);
          paths.push(path);
        } catch (e) {
          // One cell's failure does not cost the others their measurements; it is listed, and the
          // command exits non-zero at the end.
          const user = e instanceof UserError || (e as Error).name === 'UserError';
          skipped.push({ cell: name, reason: user ? (e as Error).message : `failed: ${(e as Error).message.split('\n')[0]}` });
          if (!user) failed = true;
        }
      }
    } finally {
      interrupts.release();
    }
    if (results.length === 0) throw new UserError('No cell of the matrix produced a Result.', skipped.map((s) => `${s.cell}: ${s.reason}`).join('; '));
    const report = await renderReport(results, { outDir: flags.out, title: f.title });
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['workload', 'backend', 'target', 'knobs', 'rate', 'p50', 'tail (p99, or max below 100 answers)', 'verdict'],
          results.map((r) => [
            r.config.workload,
            r.config.backend,
            r.config.target,
            Object.entries(r.config.knobs).map(([k, v]) => `${k}=${String(v)}`).join(' ') || '-',
            formatNumber(Math.round(r.findMax?.sustainedRate ?? r.summary.achievedRate)),
            formatLatencyUs(r.summary.latency.p50),
            tailLatencyText(r.summary.latency, formatLatencyUs),
            r.verdict.status,
          ]),
        ),
      );
      for (const s of skipped) this.log(`skipped ${s.cell}: ${s.reason}`);
      this.log(`\nreport: ${report.markdownPath}\n        ${report.htmlPath}`);
    }
    // Only a passing answer is success: unchecked, vacuous and incomplete cells fail the command too.
    if (failed || results.some((r) => r.verdict.status !== 'pass' || !r.complete)) process.exitCode = 1;
    if (interrupts.received) process.exitCode = interrupts.exitCode();
    return { report: report.htmlPath, results: paths, skipped };
  }
}
