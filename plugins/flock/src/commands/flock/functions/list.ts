import { Flags } from '@oclif/core';
import { FlockCommand, table } from '../../../cli/base.js';
import { listFlockFunctions, type FlockFunctionInfo } from '../../../functions.js';

export default class FunctionsList extends FlockCommand {
  static override summary = 'List the functions flock runs created (tagged streamscore/tool=streamscore, named ss-flock-…).';
  static override description =
    'On AWS (the default) it lists the account’s functions in the region; with --target local it asks a running local Lambda service (`streamscore flock lambda start`) given by --endpoint.';
  static override examples = [
    '<%= config.bin %> flock functions list',
    '<%= config.bin %> flock functions list --run-id 20261125T101010Z-flock-nexmark-q5-abc123 --region eu-west-1',
    '<%= config.bin %> flock functions list --target local --endpoint http://127.0.0.1:9001 --json',
  ];
  static override flags = {
    ...FlockCommand.serviceFlags,
    'run-id': Flags.string({ description: 'only the functions of this run' }),
  };

  async run(): Promise<{ target: string; functions: FlockFunctionInfo[] }> {
    const { flags } = await this.parse(FunctionsList);
    const client = await this.lambda(flags);
    try {
      const functions = await listFlockFunctions(client, flags['run-id'] !== undefined ? { runId: flags['run-id'] } : {});
      if (!this.jsonEnabled()) {
        this.log(
          functions.length
            ? table(
                ['function', 'run', 'memory', 'arch', 'reserved', 'state', 'last modified'],
                functions.map((f) => [f.name, f.runId ?? '-', f.memoryMB !== undefined ? `${f.memoryMB} MB` : '-', f.architecture ?? '-', f.reservedConcurrency !== undefined ? String(f.reservedConcurrency) : '-', f.state ?? '-', f.lastModified ?? '-']),
              )
            : `No flock functions${flags['run-id'] ? ` of run ${flags['run-id']}` : ''}.`,
        );
      }
      return { target: this.targetOf(flags), functions };
    } finally {
      client.destroy();
    }
  }
}
