import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '@streamscore/core';

/** The jar scripts/build-flink-job.sh writes; the one Flink application jar every Flink target runs. */
export const JOB_JAR_NAME = 'streamscore-flink-job.jar';

const here = dirname(fileURLToPath(import.meta.url));

/** Folders from `start` up to the filesystem root. */
function ancestors(start: string): string[] {
  const out: string[] = [];
  let d = resolve(start);
  for (;;) {
    out.push(d);
    const up = dirname(d);
    if (up === d) return out;
    d = up;
  }
}

/** The jar in a flink-job/target folder: the shaded one by name, else the only non-`original-` jar. */
function jarIn(target: string): string | undefined {
  if (!existsSync(target)) return undefined;
  const named = join(target, JOB_JAR_NAME);
  if (existsSync(named)) return named;
  const jars = readdirSync(target).filter((f) => f.endsWith('.jar') && !f.startsWith('original-'));
  return jars.length === 1 ? join(target, jars[0]!) : undefined;
}

export interface JobJar {
  path: string;
  bytes: number;
}

/**
 * Finds the job jar: $STREAMSCORE_FLINK_JOB_JAR, else `flink-job/target/*.jar` in the repository
 * this plugin sits in (looked for from this file upwards, so it works from src/ and dist/).
 */
export function resolveJobJar(o: { env?: NodeJS.ProcessEnv; from?: string } = {}): JobJar {
  const env = o.env ?? process.env;
  const given = env['STREAMSCORE_FLINK_JOB_JAR'];
  if (given) {
    if (!existsSync(given)) throw new UserError(`STREAMSCORE_FLINK_JOB_JAR names ${given}, which does not exist.`, 'Point it at the jar, or unset it and run scripts/build-flink-job.sh.');
    return { path: given, bytes: statSync(given).size };
  }
  const looked: string[] = [];
  for (const d of ancestors(o.from ?? here)) {
    const target = join(d, 'flink-job', 'target');
    if (!existsSync(join(d, 'flink-job'))) continue;
    looked.push(target);
    const jar = jarIn(target);
    if (jar) return { path: jar, bytes: statSync(jar).size };
  }
  throw new UserError(
    `The Flink job jar is missing${looked.length ? ` (looked in ${looked.join(', ')})` : ' (no flink-job folder above the kda plugin)'}.`,
    'Build it: run scripts/build-flink-job.sh (or set STREAMSCORE_FLINK_JOB_JAR to a built jar).',
  );
}
