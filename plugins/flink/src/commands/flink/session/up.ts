import { Args, Flags } from '@oclif/core';
import { UserError } from '@streamscore/core';
import { planSession, sessionUp } from '../../../session/manager.js';
import type { SessionRecord } from '../../../session/store.js';
import { FlinkCommand, parseKnobs, resourceRows, table, usd } from '../../../session/command.js';

export default class SessionUp extends FlinkCommand {
  static override summary = 'Start a long-running Flink session cluster that several runs share.';
  static override description =
    'Session mode: the cluster is started once (local JVMs, or EC2 instances) and stays up until `streamscore flink session down NAME`; ' +
    'runs use it with `--knob session=NAME` and pay no provisioning time (each cancels only its own job). ' +
    'Its resources are in the ledger and tagged with the run id session-NAME, so `streamscore cleanup --backend flink` finds them too. ' +
    'On ec2 the plan and its cost per hour are printed first; above --max-cost per hour it refuses unless --yes.';
  static override examples = [
    '<%= config.bin %> flink session up dev --target local --knob taskmanagers=2 --parallelism 2',
    '<%= config.bin %> flink session up bench --target ec2 --knob instance-type=c6g.xlarge --knob nodes=3 --region us-east-1',
    '<%= config.bin %> run nexmark/q5 --backend flink --target ec2 --knob session=bench --rate 50k',
  ];
  static override args = { name: Args.string({ description: 'session name (lower-case letters, digits, dashes)', required: true }) };
  static override flags = {
    target: Flags.string({ description: 'where the cluster runs', options: ['local', 'ec2'], default: 'local' }),
    knob: Flags.string({ char: 'k', description: 'cluster knob key=value (repeatable; see `streamscore backends`)', multiple: true }),
    parallelism: Flags.integer({ description: 'default parallelism of runs in the session' }),
    region: Flags.string({ description: 'AWS region (ec2)', env: 'AWS_REGION' }),
    'max-cost': Flags.string({ description: 'refuse when the session would cost more than this per hour, USD', default: '1' }),
    yes: Flags.boolean({ char: 'y', description: 'start even above --max-cost' }),
  };

  async run(): Promise<SessionRecord> {
    const { args, flags } = await this.parse(SessionUp);
    const knobs = parseKnobs(flags.knob);
    if (flags.parallelism !== undefined) knobs['parallelism'] = flags.parallelism;
    if (flags.region && flags.target === 'ec2' && knobs['region'] === undefined) knobs['region'] = flags.region;
    const maxCost = Number(flags['max-cost']);
    if (!(maxCost >= 0)) throw new UserError(`--max-cost must be a number of dollars (got "${flags['max-cost']}").`);
    const plan = planSession(flags.target, knobs);
    if (plan.projectedCostUsd > 0) {
      this.note(`Plan for session "${args.name}" on ${plan.target} (cost per hour):\n${table(['kind', 'resource', 'size', 'count', '$/hour'], resourceRows(plan.resources))}`);
      for (const n of plan.notes) this.note(`  - ${n}`);
      this.note(`Projected: ${usd(plan.projectedCostUsd)} per hour until \`streamscore flink session down ${args.name}\`.`);
      if (plan.projectedCostUsd > maxCost && !flags.yes) {
        throw new UserError(
          `the session would cost ${usd(plan.projectedCostUsd)} per hour, above --max-cost ${usd(maxCost)}.`,
          'Raise --max-cost, choose fewer or smaller nodes, or pass --yes.',
        );
      }
    }
    const abort = new AbortController();
    const onSigint = () => {
      this.note('\ninterrupted: deleting what was created…');
      abort.abort();
    };
    process.once('SIGINT', onSigint);
    let rec: SessionRecord;
    try {
      rec = await sessionUp(args.name, flags.target, knobs, { log: (m) => this.note(m), signal: abort.signal });
    } finally {
      process.off('SIGINT', onSigint);
    }
    if (!this.jsonEnabled()) {
      this.log(`Session "${rec.name}" is up on ${rec.target}: ${rec.restUrl} (started in ${(rec.provisioningMs / 1000).toFixed(1)} s).`);
      this.log(`Use it:  streamscore run WORKLOAD --backend flink --target ${rec.target} --knob session=${rec.name}`);
      this.log(`Stop it: streamscore flink session down ${rec.name}`);
    }
    return rec;
  }
}
