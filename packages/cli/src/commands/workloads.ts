import { StreamscoreCommand } from '../lib/base-command.js';
import { naturalOrder } from '../lib/registry.js';
import { renderTable } from '../lib/table.js';

export default class Workloads extends StreamscoreCommand {
  static override summary = 'List the workloads (queries) every backend is scored on.';
  static override examples = ['<%= config.bin %> workloads', '<%= config.bin %> workloads --json'];

  async run(): Promise<{ workloads: unknown[] }> {
    const registry = await this.registry();
    const workloads = [...registry.workloads.values()]
      .sort((a, b) => naturalOrder(a.item.id, b.item.id))
      .map(({ item, plugin }) => ({
        id: item.id,
        kind: item.kind,
        title: item.title,
        description: item.description,
        plugin,
        params: item.params.safeParse({}).success ? item.params.parse({}) : {},
        output: item.output.columns.map((c) => `${c.name}:${c.type}`),
      }));
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['workload', 'kind', 'what it computes', 'defaults'],
          workloads.map((w) => [w.id, w.kind, w.title, Object.entries(w.params).map(([k, v]) => `${k}=${String(v)}`).join(' ') || '-']),
        ),
      );
      this.log('\nDefinitions: docs/workloads/. Parameters are set with --param key=value on `run`.');
    }
    return { workloads };
  }
}
