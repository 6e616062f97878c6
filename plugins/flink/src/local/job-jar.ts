import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '@streamscore/core';
import { jobJarExists, jobJarPath, PLUGIN_ROOT } from '../paths.js';

/**
 * The job jar every Flink target runs, made ready before anything is started. `npm run build`
 * does not run Maven (it would slow every build and CI by minutes), so the first Flink run of a
 * checkout builds it with scripts/build-flink-job.sh, saying so; where it cannot (no checkout,
 * no java or mvn) it stops before any cluster starts, in one line naming the command.
 */
export async function ensureJobJar(log: (message: string) => void, signal?: AbortSignal): Promise<string> {
  const jar = jobJarPath();
  if (jobJarExists()) return jar;
  const repo = join(PLUGIN_ROOT, '..', '..');
  const script = join(repo, 'scripts', 'build-flink-job.sh');
  const canBuild = !process.env['STREAMSCORE_FLINK_JOB_JAR'] && existsSync(script) && existsSync(join(repo, 'flink-job', 'pom.xml'));
  const missingTools = ['java', 'mvn'].filter((t) => spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0);
  if (!canBuild || missingTools.length) {
    throw new UserError(
      `the Flink job jar is missing (${jar})${missingTools.length ? ` and ${missingTools.join(' and ')} ${missingTools.length > 1 ? 'are' : 'is'} not on PATH` : ''}; nothing was started.`,
      canBuild ? 'Install a JDK 17 and Maven 3.8+, then run: bash scripts/install-flink.sh' : 'Build it in a streamscore checkout with `bash scripts/install-flink.sh`, and point STREAMSCORE_FLINK_JOB_JAR at it.',
    );
  }
  log(`building the Flink job jar with Maven (first Flink run of this checkout; a few minutes): bash scripts/build-flink-job.sh`);
  const started = Date.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('bash', [script], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    const onAbort = () => child.kill('SIGTERM');
    signal?.addEventListener('abort', onAbort);
    const tail: string[] = [];
    const keep = (c: Buffer) => tail.push(...c.toString().split('\n').filter(Boolean).slice(-20));
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const tick = setInterval(() => log(`  still building the Flink job jar (${Math.round((Date.now() - started) / 1000)} s)…`), 15_000);
    child.on('close', (c) => {
      clearInterval(tick);
      signal?.removeEventListener('abort', onAbort);
      if (c !== 0 && !signal?.aborted) log(tail.slice(-20).join('\n'));
      resolve(c);
    });
  });
  if (signal?.aborted) throw new UserError('interrupted while building the Flink job jar; nothing was started.');
  if (code !== 0 || !jobJarExists()) {
    throw new UserError(`building the Flink job jar failed (Maven's last lines are above); nothing was started.`, `Run \`bash scripts/build-flink-job.sh\` in ${repo} to see the whole build.`);
  }
  log(`built ${jar} in ${Math.round((Date.now() - started) / 1000)} s`);
  return jar;
}
