import { Flags } from '@oclif/core';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Ledger, UserError, type CleanupReport } from '@streamscore/core';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend } from '../lib/registry.js';
import { renderTable } from '../lib/table.js';

export default class Cleanup extends StreamscoreCommand {
  static override summary = 'Find and delete what earlier runs left behind (by tag and from the local ledger).';
  static override description =
    'Every resource a run creates is written to the ledger (~/.streamscore/ledger.jsonl) before it is created and tagged with the run id. ' +
    'A run killed half-way can leave some behind: cleanup asks each backend to find them by tag and delete them. Use --dry-run to only list.';
  static override examples = [
    '<%= config.bin %> cleanup --backend flink --dry-run',
    '<%= config.bin %> cleanup --backend flink',
    '<%= config.bin %> cleanup --run-id 20261125T101010Z-flink-nexmark-q5-abc123',
    '<%= config.bin %> cleanup --all --older-than 60',
  ];
  static override flags = {
    backend: Flags.string({ char: 'b', description: 'only this backend' }),
    all: Flags.boolean({ description: 'every registered backend' }),
    'run-id': Flags.string({ description: 'only resources of this run' }),
    'older-than': Flags.integer({ description: 'only resources older than this many minutes' }),
    'dry-run': Flags.boolean({ description: 'list, delete nothing' }),
  };

  async run(): Promise<{ reports: (CleanupReport & { backend: string })[]; ledgerOutstanding: number }> {
    const { flags } = await this.parse(Cleanup);
    const registry = await this.registry();
    if (!flags.backend && !flags.all) throw new UserError('Which backend? Give --backend NAME, or --all.');
    const backends = flags.backend ? [findBackend(registry, flags.backend)] : [...registry.backends.values()].map((r) => r.item);
    const journal = join(homedir(), '.streamscore', 'ledger.jsonl');
    const ledger = new Ledger(`cleanup-${Date.now().toString(36)}`, journal);
    const outstanding = Ledger.readJournal(journal).filter(
      (e) => (e.state === 'intended' || e.state === 'created') && (!flags.backend || e.backend === flags.backend) && (!flags['run-id'] || e.runId === flags['run-id']),
    );
    ledger.adopt(outstanding);
    const reports: (CleanupReport & { backend: string })[] = [];
    for (const b of backends) {
      const report = await b.cleanup(
        { ...(flags['run-id'] ? { runId: flags['run-id'] } : {}), ...(flags['older-than'] ? { olderThanMinutes: flags['older-than'] } : {}), dryRun: flags['dry-run'] },
        { runId: ledger.runId, ledger, log: (m) => this.note(m), signal: new AbortController().signal },
      );
      reports.push({ backend: b.name, ...report });
    }
    if (!this.jsonEnabled()) {
      const rows = reports.flatMap((r) => [
        ...r.found.map((f) => [r.backend, f.kind, f.id, f.runId ?? '-', r.deleted.some((d) => d.id === f.id) ? 'deleted' : flags['dry-run'] ? 'found (dry run)' : 'found']),
        ...r.failed.map((f) => [r.backend, f.kind, f.id, '-', `FAILED: ${f.reason}`]),
      ]);
      this.log(rows.length ? renderTable(['backend', 'kind', 'id', 'run', 'state'], rows) : 'Nothing left behind.');
      if (outstanding.length) {
        this.log(`\nThe local ledger lists ${outstanding.length} resource(s) not recorded as deleted; the backends above were asked to find them by tag.`);
      }
    }
    if (reports.some((r) => r.failed.length > 0)) process.exitCode = 1;
    return { reports, ledgerOutstanding: outstanding.length };
  }
}
