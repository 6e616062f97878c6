import { StreamscoreCommand } from '../lib/base-command.js';
import { renderTable } from '../lib/table.js';

export default class Backends extends StreamscoreCommand {
  static override summary = 'List the backends the installed plugins provide.';
  static override description =
    'Backends register through the `streamscore:backends` plugin hook; bundled and installed plugins alike. ' +
    'A plugin that failed to load is listed with the reason.';
  static override examples = ['<%= config.bin %> backends', '<%= config.bin %> backends --json'];

  async run(): Promise<{ backends: unknown[]; broken: { plugin: string; reason: string }[] }> {
    const registry = await this.registry();
    const backends = [...registry.backends.values()].map(({ item, plugin }) => ({
      name: item.name,
      plugin,
      description: item.description,
      targets: item.capabilities.targets,
      workloads: item.capabilities.workloads,
      knobs: Object.fromEntries(Object.entries(item.capabilities.knobs).map(([k, v]) => [k, v.description])),
      faults: item.capabilities.faults ?? [],
    }));
    if (!this.jsonEnabled()) {
      this.log(
        renderTable(
          ['backend', 'plugin', 'targets', 'knobs', 'faults', 'description'],
          backends.map((b) => [b.name, b.plugin, b.targets.join(','), Object.keys(b.knobs).join(',') || '-', b.faults.join(',') || '-', b.description]),
        ),
      );
      for (const b of registry.broken) {
        this.log(`\n! ${b.plugin} failed to load: ${b.reason}. Reinstall or uninstall it (streamscore plugins uninstall ${b.plugin}).`);
      }
    }
    return { backends, broken: registry.broken };
  }
}
