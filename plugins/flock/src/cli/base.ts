import { Command, Errors, Flags } from '@oclif/core';
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { UserError, isUserError } from '@streamscore/core';
import { lambdaClient } from '../lambda-client.js';

/**
 * The flock topic's commands: `--json` output, and the CLI's two kinds of errors — a UserError
 * prints as one line with its next step and a non-zero exit; anything else is a bug. (The same
 * conventions as packages/cli's commands, without depending on that package.)
 */
export abstract class FlockCommand extends Command {
  static override enableJsonFlag = true;

  /** --target / --endpoint / --region: which Lambda service the command talks to. */
  static serviceFlags = {
    target: Flags.string({ description: 'where the functions live: aws, or a local Lambda service (give its --endpoint); default: local with --endpoint, else aws', options: ['local', 'aws'] }),
    endpoint: Flags.string({ description: 'endpoint of the local Lambda service (printed by `streamscore flock lambda start`); with --target aws, an endpoint override' }),
    region: Flags.string({ description: 'AWS region (default: AWS_REGION, else us-east-1)' }),
  };

  protected targetOf(flags: { target?: string | undefined; endpoint?: string | undefined }): 'local' | 'aws' {
    return flags.target === 'local' || (flags.target === undefined && flags.endpoint) ? 'local' : 'aws';
  }

  protected async lambda(flags: { target?: string | undefined; endpoint?: string | undefined; region?: string | undefined }): Promise<LambdaClient> {
    if (this.targetOf(flags) === 'local' && !flags.endpoint) {
      throw new UserError(
        'A local Lambda service lives only as long as the process that started it: give its --endpoint.',
        'Start one with `streamscore flock lambda start` (it prints its endpoint), or use --target aws.',
      );
    }
    const region = flags.region ?? process.env['AWS_REGION'] ?? process.env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
    return lambdaClient({ region, ...(flags.endpoint ? { endpoint: flags.endpoint } : {}) });
  }

  /** Progress and chatter go to stderr so stdout stays the command's answer. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(message + '\n');
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isUserError(err)) {
      if (this.jsonEnabled()) this.logJson({ error: { message: err.message, nextStep: err.nextStep ?? null } });
      else process.stderr.write(`streamscore: ${err.toString()}\n`);
      process.exitCode = err.exitCode;
      return this.exit(err.exitCode);
    }
    if (err instanceof Errors.CLIError || err instanceof Errors.ExitError || err.oclif) return super.catch(err);
    const name = (err as { name?: string }).name ?? 'Error';
    if (name === 'CredentialsProviderError') {
      process.stderr.write(
        'streamscore: no AWS credentials were found, so nothing on AWS was asked. Set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; for a local Lambda service give --target local --endpoint URL.\n',
      );
      process.exitCode = 2;
      return this.exit(2);
    }
    // An AWS or connection error is the environment's, not a bug: one line, exit 1.
    if (/Exception$|^Credentials|ECONNREFUSED|ENOTFOUND|TimeoutError/.test(`${name} ${err.message}`)) {
      process.stderr.write(`streamscore: ${name}: ${err.message}\n`);
      process.exitCode = 1;
      return this.exit(1);
    }
    process.stderr.write(`streamscore: internal error — this is a bug in streamscore, please report it with the command you ran.\n${err.stack ?? err.message}\n`);
    process.exitCode = 70;
    return this.exit(70);
  }
}

/** A plain text table (the CLI's look), columns padded to their widest cell. */
export function table(head: string[], rows: string[][]): string {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
