import { Flags } from '@oclif/core';
import { isUserError, journalLeftovers, Ledger, UserError, type CleanupReport } from '@streamscore/core';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend } from '../lib/registry.js';
import { renderTable } from '../lib/table.js';
import { CREDENTIALS_HINT, isMissingCredentials, ledgerJournal, recordCleanup } from '../lib/leftovers.js';

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

  async run(): Promise<{ reports: (CleanupReport & { backend: string })[]; ledgerOutstanding: number; ledgerOutstandingBefore: number; notChecked: string[] }> {
    const { flags } = await this.parse(Cleanup);
    const registry = await this.registry();
    if (!flags.backend && !flags.all) throw new UserError('Which backend? Give --backend NAME, or --all.');
    const backends = flags.backend ? [findBackend(registry, flags.backend)] : [...registry.backends.values()].map((r) => r.item);
    const journal = ledgerJournal();
    const scope = { ...(flags.backend ? { backend: flags.backend } : {}), ...(flags['run-id'] ? { runId: flags['run-id'] } : {}) };
    const before = journalLeftovers(journal, scope);
    const ledger = new Ledger(`cleanup-${Date.now().toString(36)}`, journal);
    ledger.adopt(before.map((l) => l.entry));
    const reports: (CleanupReport & { backend: string })[] = [];
    const notChecked: string[] = [];
    for (const b of backends) {
      try {
        const report = await b.cleanup(
          { ...(flags['run-id'] ? { runId: flags['run-id'] } : {}), ...(flags['older-than'] ? { olderThanMinutes: flags['older-than'] } : {}), dryRun: flags['dry-run'] },
          { runId: ledger.runId, ledger, log: (m) => this.note(m), signal: new AbortController().signal },
        );
        // A backend that reports every cloud listing failed for want of credentials did not look: one line, not a failure.
        const noCredentials = report.failed.filter((f) => isMissingCredentials(f.reason));
        if (noCredentials.length > 0) {
          notChecked.push(`${b.name}: cloud resources not checked — no AWS credentials were found; ${CREDENTIALS_HINT}.`);
          report.failed = report.failed.filter((f) => !noCredentials.includes(f));
        }
        reports.push({ backend: b.name, ...report });
      } catch (e) {
        // One backend that cannot look does not stop the others: said in one line, never a stack.
        if (isMissingCredentials(e)) {
          notChecked.push(`${b.name}: cloud resources not checked — no AWS credentials were found; ${CREDENTIALS_HINT}.`);
          continue;
        }
        const why = isUserError(e) ? e.toString() : `${(e as Error).name}: ${(e as Error).message.split('\n')[0]}`;
        reports.push({ backend: b.name, found: [], deleted: [], failed: [{ kind: '-', id: '-', reason: `cleanup failed: ${why}` }] });
      }
    }
    const closed = flags['dry-run'] ? 0 : recordCleanup(journal, before, reports);
    const after = flags['dry-run'] ? before : journalLeftovers(journal, scope);
    if (!this.jsonEnabled()) {
      const rows = reports.flatMap((r) => [
        ...r.found.map((f) => [r.backend, f.kind, f.id, f.runId ?? '-', r.deleted.some((d) => d.id === f.id) ? 'deleted' : flags['dry-run'] ? 'found (dry run)' : 'found']),
        ...r.failed.map((f) => [r.backend, f.kind, f.id, '-', `FAILED: ${f.reason}`]),
      ]);
      this.log(rows.length ? renderTable(['backend', 'kind', 'id', 'run', 'state'], rows) : 'Nothing left behind.');
      for (const line of notChecked) this.log(line);
      if (before.length) {
        const inUse = after.filter((l) => l.state === 'in-use').length;
        this.log(
          `\nThe local ledger listed ${before.length} resource(s) not recorded as deleted; ${flags['dry-run'] ? 'a dry run changes nothing' : `${closed} now recorded as deleted, ${after.length} left`}${inUse ? ` (${inUse} in use by runs still running)` : ''}.`,
        );
      }
    }
    if (reports.some((r) => r.failed.length > 0)) process.exitCode = 1;
    return { reports, ledgerOutstanding: after.length, ledgerOutstandingBefore: before.length, notChecked };
  }
}
