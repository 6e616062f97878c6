import { Command, Errors } from '@oclif/core';
import { isUserError } from '@streamscore/core';
import { buildRegistry, type Registry } from './registry.js';

/**
 * Every command: `--json` output, and the two kinds of errors — a UserError prints as one line
 * with its next step (no stack) and a non-zero exit; anything else is a bug and says so.
 */
export abstract class StreamscoreCommand extends Command {
  static override enableJsonFlag = true;
  private registryPromise: Promise<Registry> | undefined;

  protected registry(): Promise<Registry> {
    this.registryPromise ??= buildRegistry(this.config);
    return this.registryPromise;
  }

  /** Progress and chatter go to stderr so stdout stays the command's answer. */
  protected note(message: string): void {
    if (!this.jsonEnabled()) process.stderr.write(message + '\n');
  }

  protected override async catch(err: Error & { exitCode?: number; oclif?: { exit?: number } }): Promise<unknown> {
    if (isUserError(err)) {
      if (this.jsonEnabled()) {
        this.logJson({ error: { message: err.message, nextStep: err.nextStep ?? null } });
      } else {
        process.stderr.write(`streamscore: ${err.toString()}\n`);
      }
      process.exitCode = err.exitCode;
      return this.exit(err.exitCode);
    }
    if (err instanceof Errors.CLIError || err instanceof Errors.ExitError || err.oclif) {
      return super.catch(err);
    }
    process.stderr.write(
      `streamscore: internal error — this is a bug in streamscore, please report it with the command you ran.\n${err.stack ?? err.message}\n`,
    );
    process.exitCode = 70;
    return this.exit(70);
  }
}
