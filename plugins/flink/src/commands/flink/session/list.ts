import { listSessions, type SessionRecord } from '../../../session/store.js';
import { FlinkCommand, table } from '../../../session/command.js';

export default class SessionList extends FlinkCommand {
  static override summary = 'List the Flink session clusters this machine started.';
  static override examples = ['<%= config.bin %> flink session list', '<%= config.bin %> flink session list --json'];

  async run(): Promise<{ sessions: SessionRecord[] }> {
    await this.parse(SessionList);
    const sessions = listSessions();
    if (!this.jsonEnabled()) {
      this.log(
        sessions.length
          ? table(
              ['name', 'target', 'REST', 'TaskManagers', 'slots each', 'since'],
              sessions.map((s) => [s.name, s.target, s.restUrl, String(s.knobs.taskManagers), String(s.knobs.slotsPerTaskManager), s.createdAt]),
            )
          : 'No sessions. Start one with: streamscore flink session up NAME --target local|ec2',
      );
    }
    return { sessions };
  }
}
