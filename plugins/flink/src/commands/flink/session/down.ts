import { Args } from '@oclif/core';
import { sessionDown } from '../../../session/manager.js';
import type { SessionRecord } from '../../../session/store.js';
import { FlinkCommand } from '../../../session/command.js';

export default class SessionDown extends FlinkCommand {
  static override summary = 'Stop a Flink session cluster: cancel its jobs and delete everything it created.';
  static override examples = ['<%= config.bin %> flink session down dev'];
  static override args = { name: Args.string({ description: 'session name', required: true }) };

  async run(): Promise<SessionRecord> {
    const { args } = await this.parse(SessionDown);
    const rec = await sessionDown(args.name, { log: (m) => this.note(m) });
    if (!this.jsonEnabled()) this.log(`Session "${rec.name}" is down; everything it created on ${rec.target} was removed.`);
    return rec;
  }
}
