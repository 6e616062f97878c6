import { execFileSync } from 'node:child_process';
import { describe, it } from 'vitest';

/**
 * What a test needs from the machine (Java, Maven's artifacts, moto, Chromium, taskset). On a
 * developer's machine a missing one skips the tests that need it, saying why; with CI=true it
 * fails them with the reason and how to install it, so a CI run cannot pass by skipping.
 */
export interface Prerequisite {
  name: string;
  /** True when present. */
  ok: boolean;
  /** Why it is missing (undefined when present). */
  reason: string | undefined;
  howToInstall: string;
  /** `describe`, when present; otherwise skipped (locally) or one failing test naming the reason (CI). */
  describe(title: string, body: () => void): void;
  /** `it`, likewise. */
  it(title: string, body: () => unknown, timeoutMs?: number): void;
}

const inCi = () => process.env['CI'] === 'true';

/** The reason a prerequisite is missing, for a test that fails with it. */
function missingMessage(p: Pick<Prerequisite, 'name' | 'reason' | 'howToInstall'>): string {
  return `prerequisite ${p.name} is missing: ${p.reason}. ${p.howToInstall}`;
}

/**
 * `check` returns true when the prerequisite is present, or a string saying why it is not (a
 * check that throws counts as missing, with the error's message).
 */
export function requirePrerequisite(name: string, check: () => true | string, howToInstall: string): Prerequisite {
  let reason: string | undefined;
  try {
    const r = check();
    reason = r === true ? undefined : r;
  } catch (e) {
    reason = (e as Error).message.split('\n')[0];
  }
  const p: Prerequisite = {
    name,
    ok: reason === undefined,
    reason,
    howToInstall,
    describe(title, body) {
      if (p.ok) describe(title, body);
      else if (inCi()) describe(title, () => it(`needs ${name}`, () => failMissing(p)));
      else describe.skip(`${title} (skipped: ${name} is missing — ${reason})`, body);
    },
    it(title, body, timeoutMs) {
      if (p.ok) it(title, body, timeoutMs);
      else if (inCi()) it(`${title} (needs ${name})`, () => failMissing(p));
      else it.skip(`${title} (skipped: ${name} is missing — ${reason})`, body);
    },
  };
  return p;
}

function failMissing(p: Prerequisite): never {
  throw new Error(missingMessage(p));
}

/** Several prerequisites that a suite needs together (the first missing one is the reason). */
export function allOf(...ps: Prerequisite[]): Prerequisite {
  const missing = ps.find((p) => !p.ok);
  return requirePrerequisite(
    ps.map((p) => p.name).join(' + '),
    () => (missing ? `${missing.name}: ${missing.reason}` : true),
    missing?.howToInstall ?? '',
  );
}

/** A command that answers `args` with exit code 0. */
export function commandRuns(command: string, args: string[]): true | string {
  try {
    execFileSync(command, args, { stdio: 'ignore' });
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    return code === 'ENOENT' ? `${command} is not on PATH` : `\`${command} ${args.join(' ')}\` failed`;
  }
}

/** Java, for Flink's local target (STREAMSCORE_SKIP_FLINK=1 opts out, as a missing Java would). */
export function javaPrerequisite(): Prerequisite {
  return requirePrerequisite(
    'java',
    () => (process.env['STREAMSCORE_SKIP_FLINK'] === '1' ? 'STREAMSCORE_SKIP_FLINK=1 is set' : commandRuns(process.env['JAVA'] ?? 'java', ['-version'])),
    'Install a JDK 17 (apt-get install openjdk-17-jdk-headless) and Maven, then run bash scripts/install-flink.sh; or set JAVA.',
  );
}

/** moto's server, for the AWS control planes. */
export function motoPrerequisite(): Prerequisite {
  return requirePrerequisite('moto', () => commandRuns('moto_server', ['--help']), 'Install it with: bash scripts/install-moto.sh');
}
