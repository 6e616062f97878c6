import { homedir } from 'node:os';
import { join } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { UserError, buildShape, parseShape, readResult, type Result } from '@streamscore/core';
import {
  campaignCells,
  campaignNeeds,
  cellSeconds,
  runDoctor,
  newRunId,
  projectCampaign,
  readCampaignFile,
  runCampaign,
  type CampaignOutcome,
  type CampaignProjection,
  type ResolvedCell,
} from '@streamscore/harness';
import { instanceSpec, loadPriceBook } from '@streamscore/cost';
import { renderReport } from '@streamscore/report';
import { StreamscoreCommand } from '../lib/base-command.js';
import { parseDuration } from '../lib/duration.js';
import { measureMax, measureOnce, type MeasureBase } from '../lib/measure.js';
import { trapInterrupts } from '../lib/signals.js';
import { findBackend, findWorkload } from '../lib/registry.js';
import { renderTable } from '../lib/table.js';

function usd(x: number): string {
  return x === 0 ? '$0' : x < 0.01 ? `$${x.toFixed(5)}` : `$${x.toFixed(2)}`;
}

export default class Campaign extends StreamscoreCommand {
  static override summary = 'Run a campaign (backends × workloads × configurations × rates, searches, days) under a hard cost cap.';
  static override description =
    'By default a dry run: prints every resource each cell would create and its projected bill, and refuses when the total passes maxCostUsd. ' +
    'With --yes it runs the cells in order, tears down and sweeps after each, stops when the measured spend reaches the cap, writes every Result to OUT/results/ ' +
    'and ends with `streamscore publish` (a report of its Results where that command is not installed). Run it again with the same --out to resume: finished cells are not repeated.';
  static override examples = ['<%= config.bin %> campaign aws-first.yaml --out campaigns/first', '<%= config.bin %> campaign aws-first.yaml --out campaigns/first --yes'];
  static override args = { file: Args.string({ description: 'campaign file (YAML or JSON); see docs/aws.md#4-a-first-campaign-under-1', required: true }) };
  static override flags = {
    out: Flags.string({ char: 'o', description: 'campaign folder: journal, results/, report', required: true }),
    yes: Flags.boolean({ description: 'run it (without: a dry run that creates nothing)' }),
    'skip-doctor': Flags.boolean({ description: 'with --yes: do not check credentials, quotas and permissions first (`streamscore doctor`)' }),
  };

  async run(): Promise<{ projection: { cells: { cell: string; projectedUsd: number; resources: unknown[] }[]; totalUsd: number; maxCostUsd: number }; outcome?: CampaignOutcome; report?: string }> {
    const { args, flags } = await this.parse(Campaign);
    const f = readCampaignFile(args.file);
    const registry = await this.registry();
    const durationS = cellSeconds(f, parseDuration);
    // Resolve every cell first, so a typo fails before anything is planned or run.
    const resolved: ResolvedCell[] = campaignCells(f).map((cell) => {
      const backend = findBackend(registry, cell.backend);
      const workload = findWorkload(registry, cell.workload);
      const target = cell.target ?? backend.capabilities.targets[0]!;
      if (!backend.capabilities.targets.includes(target)) throw new UserError(`${cell.id}: ${backend.name} has no target ${target}.`, `Targets: ${backend.capabilities.targets.join(', ')}.`);
      return { cell, backend, workload, target };
    });
    const projection = await projectCampaign(f, resolved, { durationS });
    const summary = {
      cells: projection.cells.map((c) => ({ cell: c.cell.id, projectedUsd: c.projectedUsd, basis: c.basis, resources: c.resources })),
      totalUsd: projection.totalUsd,
      maxCostUsd: projection.maxCostUsd,
    };
    if (!this.jsonEnabled()) this.printProjection(projection);
    if (!projection.withinCap) {
      throw new UserError(`The campaign is projected at ${usd(projection.totalUsd)}, above its maxCostUsd ${usd(projection.maxCostUsd)}: nothing was created.`, 'Remove cells, lower rates or durations, or raise maxCostUsd.');
    }
    if (!flags.yes) {
      if (!this.jsonEnabled()) this.log(`\nDry run: nothing was created. Run again with --yes to run it (cap ${usd(projection.maxCostUsd)}).`);
      return { projection: summary };
    }
    if (!flags['skip-doctor']) await this.checkAccount(projection);
    const abort = new AbortController();
    // SIGINT, SIGTERM and SIGHUP alike: the cell running stops and writes what it measured; a second signal stops at once.
    const interrupts = trapInterrupts(
      (signal) => {
        this.note(`\ninterrupted (${signal}): stopping the campaign, tearing down and writing what was measured… (again to stop at once)`);
        abort.abort();
      },
      () => this.note('stopped at once; remove what is left with: streamscore cleanup'),
    );
    const sloMs = f.latencySlo ? parseDuration(f.latencySlo, 'latencySlo') * 1000 : undefined;
    const warmupS = durationS - parseDuration(f.duration, 'duration');
    let outcome: CampaignOutcome;
    try {
      outcome = await runCampaign(projection, flags.out, {
        signal: abort.signal,
        log: (m) => this.note(m),
        newRunId,
        backendNamed: (name) => findBackend(registry, name),
        runCell: async (c, runId, signal, runStarting) => {
          const base: MeasureBase = {
            backend: c.backend,
            workload: c.workload,
            params: c.cell.params,
            target: c.target,
            knobs: c.cell.knobs,
            warmupS,
            durationS: durationS - warmupS,
            ...(sloMs !== undefined ? { latencySloMs: sloMs } : {}),
            ledgerPath: join(homedir(), '.streamscore', 'ledger.jsonl'),
            signal,
            log: (m) => this.note(`  ${m}`),
            toolVersion: this.config.version,
          };
          const spent = (r: Result) => ({ result: r, spentUsd: r.cost?.totalUsd ?? 0 });
          if (c.cell.kind === 'find-max') {
            // A search costs every trial it ran, not only the one its Result is.
            let trialsUsd = 0;
            const result = await measureMax(base, runId, {
              startRate: c.cell.rate,
              maxRate: c.cell.maxRate!,
              latencySloMs: sloMs!,
              repeat: f.findMax?.repeat ?? 1,
              precision: f.findMax?.precision ?? 0.1,
              onTrial: (m) => this.note(`  ${m}`),
              onTrialStart: runStarting,
              onTrialResult: (t) => (trialsUsd += t.cost?.totalUsd ?? 0),
            });
            return { result, spentUsd: trialsUsd };
          }
          if (c.cell.kind === 'day') {
            const spec = parseShape(c.cell.shape!, c.cell.rate);
            const total = spec.kind === 'step' ? spec.steps.reduce((s, x) => s + x.durationS, 0) : durationS;
            return spent(await measureOnce({ ...base, warmupS: 0, durationS: total }, runId, c.cell.rate, buildShape(spec, total)));
          }
          return spent(await measureOnce(base, runId, c.cell.rate));
        },
      });
    } finally {
      interrupts.release();
    }
    let report: string | undefined;
    if (outcome.results.length && !outcome.cells.some((c) => c.status === 'not run')) {
      if (this.config.findCommand('publish') && !this.jsonEnabled()) {
        // The campaign ends with its publication (the command reads this journal and these Results).
        // With --json it is left to the caller, so stdout stays one JSON document.
        report = join(flags.out, 'publication');
        await this.config.runCommand('publish', [args.file, '--from', flags.out, '--out', report]);
      } else {
        const r = await renderReport(outcome.results.map((p) => readResult(p)), { outDir: flags.out, title: f.title });
        report = r.htmlPath;
      }
    }
    if (!this.jsonEnabled()) {
      this.log('');
      this.log(renderTable(['cell', 'status', 'run', 'cost', 'verdict'], outcome.cells.map((c) => [c.cell, c.status, c.runId ?? '-', c.costUsd !== undefined ? usd(c.costUsd) : '-', c.verdict ?? c.reason ?? '-'])));
      this.log(`\nspent ${usd(outcome.spentUsd)} of ${usd(outcome.maxCostUsd)}${outcome.stopped ? `; stopped: ${outcome.stopped}` : ''}`);
      this.log(`journal: ${outcome.journal}${report ? `\nreport:  ${report}` : ''}`);
    }
    if (outcome.cells.some((c) => c.status === 'failed') || outcome.stopped) process.exitCode = 1;
    if (interrupts.received) process.exitCode = interrupts.exitCode();
    return { projection: summary, outcome, ...(report ? { report } : {}) };
  }

  /**
   * Before a cloud cell spends anything: `doctor` with what the largest cell needs. A missing
   * credential, quota or permission refuses the campaign; what doctor cannot check is shown.
   */
  private async checkAccount(p: CampaignProjection): Promise<void> {
    const cloud = p.cells.filter((c) => c.target !== 'local' && c.target !== 'existing');
    if (cloud.length === 0) return;
    const backends = [...new Map(cloud.map((c) => [c.backend.name, c])).values()].flatMap((c) => (c.backend.iamPolicy ? [{ name: c.backend.name, target: c.target, policy: c.backend.iamPolicy(c.target) }] : []));
    const book = loadPriceBook(process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1');
    const report = await runDoctor({
      backends,
      needs: campaignNeeds(p, (t) => instanceSpec(book, t).vcpu),
      ...(process.env['AWS_ENDPOINT_URL'] ? { endpoint: process.env['AWS_ENDPOINT_URL'] } : {}),
    });
    const missing = report.lines.filter((l) => l.status === 'missing');
    for (const l of report.lines.filter((x) => x.status !== 'ok')) this.note(`doctor: ${l.check}: ${l.status} — ${l.detail}`);
    if (missing.length) {
      throw new UserError(`The account is not ready for this campaign: ${missing.map((l) => `${l.check} (${l.detail})`).join('; ')}.`, `${missing[0]!.fix ?? ''} Run \`streamscore doctor --target aws\` for every check.`.trim());
    }
  }

  private printProjection(p: CampaignProjection): void {
    for (const c of p.cells) {
      this.log(`${c.cell.id} (${c.target}): projected ${usd(c.projectedUsd)} — ${c.basis}`);
      this.log(
        renderTable(
          ['  kind', 'name', 'size', 'count', 'projected'],
          c.resources.map((r) => [`  ${r.kind}`, r.name, r.size ?? '-', String(r.count), r.projectedCostUsd !== undefined ? usd(r.projectedCostUsd) : '-']),
        ),
      );
    }
    this.log(`\ntotal projected ${usd(p.totalUsd)}, cap ${usd(p.maxCostUsd)}${p.withinCap ? '' : ' — OVER THE CAP'}`);
  }
}
