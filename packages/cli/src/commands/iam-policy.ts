import { Flags } from '@oclif/core';
import { UserError, type IamPolicyDocument } from '@streamscore/core';
import { StreamscoreCommand } from '../lib/base-command.js';
import { findBackend } from '../lib/registry.js';

export default class IamPolicy extends StreamscoreCommand {
  static override summary = 'Print the least-privilege IAM policy a backend needs on AWS.';
  static override examples = ['<%= config.bin %> iam-policy --backend flink', '<%= config.bin %> iam-policy --backend kda > kda-policy.json'];
  static override flags = {
    backend: Flags.string({ char: 'b', description: 'backend name', required: true }),
    target: Flags.string({ description: 'target (default: the backend’s cloud target)' }),
  };

  async run(): Promise<IamPolicyDocument> {
    const { flags } = await this.parse(IamPolicy);
    const backend = findBackend(await this.registry(), flags.backend);
    if (!backend.iamPolicy) throw new UserError(`Backend ${backend.name} uses no cloud resources; it needs no IAM policy.`, undefined, 0);
    const target = flags.target ?? backend.capabilities.targets.find((t) => t !== 'local') ?? backend.capabilities.targets[0]!;
    const policy = backend.iamPolicy(target);
    if (!this.jsonEnabled()) this.log(JSON.stringify(policy, null, 2));
    return policy;
  }
}
