import { Command, Errors } from '@oclif/core';
import { isUserError, UserError, type PlannedResource } from '@streamscore/core';

/**
 * The base of the plugin's own commands (`streamscore flink session ...`), the same contract as
 * the CLI's commands (packages/cli/src/lib/base-command.ts; a plugin does not import the CLI):
 * `--json`, a UserError prints as one line with its next step and a non-zero exit, anything else
 * is a bug and says so.
 */
export abstract class FlinkCommand extends Command {
  static override enableJsonFlag = true;

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
    process.stderr.write(`streamscore: internal error — this is a bug in streamscore, please report it with the command you ran.\n${err.stack ?? err.message}\n`);
    process.exitCode = 70;
    return this.exit(70);
  }
}

/** Parses repeated `key=value` flags; numbers and booleans become numbers and booleans. */
export function parseKnobs(items: string[] | undefined): Record<string, string | number | boolean> {
  const out: Record<string, string | number | boolean> = {};
  for (const item of items ?? []) {
    const i = item.indexOf('=');
    if (i <= 0) throw new UserError(`--knob "${item}" is not key=value.`, 'Write it like --knob nodes=3.');
    const key = item.slice(0, i).trim();
    const raw = item.slice(i + 1).trim();
    out[key] = raw === 'true' ? true : raw === 'false' ? false : raw !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
  }
  return out;
}

/** A plain text table: header, a rule, rows. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(headers), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

export function usd(n: number): string {
  return `$${n < 0.01 && n > 0 ? n.toFixed(4) : n.toFixed(2)}`;
}

export function resourceRows(resources: PlannedResource[]): string[][] {
  return resources.map((r) => [r.kind, r.name, r.size ?? '-', String(r.count), r.projectedCostUsd === undefined ? '-' : usd(r.projectedCostUsd)]);
}
