import { Flags } from '@oclif/core';
import { UserError } from '@streamscore/core';
import { FlockCommand, table } from '../../../cli/base.js';
import { deleteFlockFunctions, type DeleteOutcome, type FlockFunctionInfo } from '../../../functions.js';

export default class FunctionsDelete extends FlockCommand {
  static override summary = 'Delete the functions of one flock run (--run-id), or of every flock run (--all).';
  static override description =
    'Finds functions by their tags (streamscore/tool, streamscore/run-id) as `streamscore cleanup --backend flock` does, and deletes them. Execution roles are left to `streamscore cleanup`.';
  static override examples = [
    '<%= config.bin %> flock functions delete --run-id 20261125T101010Z-flock-nexmark-q5-abc123',
    '<%= config.bin %> flock functions delete --all --region eu-west-1',
    '<%= config.bin %> flock functions delete --all --target local --endpoint http://127.0.0.1:9001',
  ];
  static override flags = {
    ...FlockCommand.serviceFlags,
    'run-id': Flags.string({ description: 'delete the functions of this run', exclusive: ['all'] }),
    all: Flags.boolean({ description: 'delete every flock function', exclusive: ['run-id'] }),
  };

  async run(): Promise<{ target: string; found: FlockFunctionInfo[] } & DeleteOutcome> {
    const { flags } = await this.parse(FunctionsDelete);
    if (!flags.all && flags['run-id'] === undefined) throw new UserError('Which functions? Give --run-id RUN, or --all.', 'List them with `streamscore flock functions list`.');
    const client = await this.lambda(flags);
    try {
      const r = await deleteFlockFunctions(client, flags.all ? { all: true } : { runId: flags['run-id']! });
      if (!this.jsonEnabled()) {
        const rows = [...r.deleted.map((n) => [n, 'deleted']), ...r.failed.map((f) => [f.name, `FAILED: ${f.reason}`])];
        this.log(rows.length ? table(['function', 'state'], rows) : 'No flock functions to delete.');
      }
      if (r.failed.length > 0) process.exitCode = 1;
      return { target: this.targetOf(flags), ...r };
    } finally {
      client.destroy();
    }
  }
}
