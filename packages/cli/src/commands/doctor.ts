import { Flags } from '@oclif/core';
import { UserError } from '@streamscore/core';
import { runDoctor, SMALL_CAMPAIGN_NEEDS, type DoctorBackend, type DoctorReport } from '@streamscore/harness';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend } from '../lib/registry.js';
import { renderTable } from '../lib/table.js';

export default class Doctor extends StreamscoreCommand {
  static override summary = 'Check credentials, region, quotas and IAM permissions before a campaign spends money.';
  static override description =
    'Each check prints ok, missing or unknown (could not be checked from here) and how to fix it. ' +
    'Quotas are compared with what a first small campaign needs unless given. Exit code 1 when anything is missing.';
  static override examples = [
    '<%= config.bin %> doctor --target aws --region us-east-1',
    '<%= config.bin %> doctor --target aws --backend flock --lambda-concurrency 200 --json',
  ];
  static override flags = {
    target: Flags.string({ description: 'where the campaign runs', options: ['aws'], required: true }),
    region: Flags.string({ description: 'AWS region (default: AWS_REGION)' }),
    backend: Flags.string({ char: 'b', description: 'only these backends (default: every backend with a cloud target)', multiple: true }),
    'lambda-concurrency': Flags.integer({ description: 'Lambda concurrent executions needed', default: SMALL_CAMPAIGN_NEEDS.lambdaConcurrency, min: 0 }),
    kpus: Flags.integer({ description: 'KPUs per Managed Flink application needed', default: SMALL_CAMPAIGN_NEEDS.kpusPerApplication, min: 0 }),
    vcpus: Flags.integer({ description: 'EC2 on-demand Standard vCPUs needed', default: SMALL_CAMPAIGN_NEEDS.ec2StandardVcpus, min: 0 }),
    shards: Flags.integer({ description: 'Kinesis shards needed', default: SMALL_CAMPAIGN_NEEDS.kinesisShards, min: 0 }),
  };

  async run(): Promise<DoctorReport> {
    const { flags } = await this.parse(Doctor);
    const registry = await this.registry();
    const chosen = flags.backend?.length ? flags.backend.map((n) => findBackend(registry, n)) : [...registry.backends.values()].map((r) => r.item);
    // A backend's AWS target is the one that is neither this machine nor a cluster it did not create.
    const backends: DoctorBackend[] = chosen.flatMap((b) => {
      const target = b.capabilities.targets.find((t) => t !== 'local' && t !== 'existing');
      return b.iamPolicy && target ? [{ name: b.name, target, policy: b.iamPolicy(target) }] : [];
    });
    if (flags.backend?.length && backends.length === 0) {
      throw new UserError(`None of ${flags.backend.join(', ')} runs on --target ${flags.target}.`, 'Run `streamscore backends` to see each backend’s targets.');
    }
    const report = await runDoctor({
      ...(flags.region ? { region: flags.region } : {}),
      // The SDK's own AWS_ENDPOINT_URL, passed on so Kinesis uses HTTP/1.1 against a local emulator.
      ...(process.env['AWS_ENDPOINT_URL'] ? { endpoint: process.env['AWS_ENDPOINT_URL'] } : {}),
      backends,
      needs: { lambdaConcurrency: flags['lambda-concurrency'], kpusPerApplication: flags.kpus, ec2StandardVcpus: flags.vcpus, kinesisShards: flags.shards },
    });
    if (!this.jsonEnabled()) {
      this.log(renderTable(['check', 'status', 'detail', 'fix'], report.lines.map((l) => [l.check, l.status, l.detail, l.status === 'ok' ? '' : (l.fix ?? '')])));
      const unknown = report.lines.filter((l) => l.status === 'unknown').length;
      this.log(
        report.ready
          ? `\nReady: nothing missing${unknown ? `; ${unknown} check(s) could not be made from here (unknown): check them by hand as their fix says` : ''}.`
          : '\nNot ready: fix the lines marked missing, then run doctor again.',
      );
    }
    if (!report.ready) process.exitCode = 1;
    return report;
  }
}
