import { Args } from '@oclif/core';
import { sessionStatus, type SessionStatus } from '../../../session/manager.js';
import { FlinkCommand, table } from '../../../session/command.js';

export default class SessionStatusCommand extends FlinkCommand {
  static override summary = 'Show whether a Flink session cluster answers, its TaskManagers, slots and jobs.';
  static override examples = ['<%= config.bin %> flink session status dev'];
  static override args = { name: Args.string({ description: 'session name', required: true }) };

  async run(): Promise<SessionStatus> {
    const { args } = await this.parse(SessionStatusCommand);
    const st = await sessionStatus(args.name);
    if (!this.jsonEnabled()) {
      const s = st.session;
      this.log(`Session "${s.name}" on ${s.target} (run id ${s.runId}), since ${s.createdAt}; started in ${(s.provisioningMs / 1000).toFixed(1)} s`);
      this.log(`REST ${s.restUrl}: ${st.reachable ? `Flink ${st.flinkVersion}, ${st.taskManagers} TaskManager(s), ${st.slotsAvailable} of ${st.slotsTotal} slots free` : `NOT ANSWERING (${st.error})`}`);
      if (st.jobs?.length) this.log(table(['job', 'status'], st.jobs.map((j) => [j.id, j.status])));
      if (!st.reachable) this.log(`Stop it and remove what it left with: streamscore flink session down ${s.name}`);
    }
    if (!st.reachable) process.exitCode = 1;
    return st;
  }
}
