import { Flags } from '@oclif/core';
import { FlockCommand } from '../../../cli/base.js';
import { layerNodeModules } from '../../../backend.js';
import { LocalLambdaService } from '../../../lambda-local/server.js';

export default class LambdaStart extends FlockCommand {
  static override summary = 'Run the local Lambda service in the foreground on 127.0.0.1 until Ctrl-C, printing its endpoint.';
  static override description =
    'The service flock’s local target uses, on its own: it speaks the part of the Lambda API the plugin uses (CreateFunction, Invoke, concurrency, tags, …), runs each function in worker processes and writes REPORT lines. ' +
    'Point the AWS SDK or CLI at it with its endpoint (any credentials), and list or delete what it holds with `streamscore flock functions list|delete --target local --endpoint URL`. It is not a sandbox: functions run as you.';
  static override examples = [
    '<%= config.bin %> flock lambda start',
    '<%= config.bin %> flock lambda start --port 9001',
    'aws lambda list-functions --endpoint-url http://127.0.0.1:9001',
  ];
  static override enableJsonFlag = false;
  static override flags = {
    port: Flags.integer({ description: 'port on 127.0.0.1 (default: any free port)', min: 0, max: 65535, default: 0 }),
    concurrency: Flags.integer({ description: 'account concurrency limit the service enforces (AWS default 1,000)', min: 1, default: 1000 }),
    'max-processes': Flags.integer({ description: 'worker processes this machine may run at once', min: 1, default: 32 }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(LambdaStart);
    const service = await new LocalLambdaService({
      port: flags.port,
      layerNodeModules: layerNodeModules(),
      accountConcurrency: flags.concurrency,
      maxProcesses: flags['max-processes'],
    }).start();
    this.log(`Local Lambda service listening on ${service.endpoint}`);
    this.log(`  streamscore flock functions list --target local --endpoint ${service.endpoint}`);
    this.log('Press Ctrl-C to stop (its functions go with it).');
    await new Promise<void>((resolve) => {
      const done = () => {
        process.off('SIGINT', done);
        process.off('SIGTERM', done);
        resolve();
      };
      process.once('SIGINT', done);
      process.once('SIGTERM', done);
    });
    await service.stop();
    this.log('Local Lambda service stopped.');
  }
}
