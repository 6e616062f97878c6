import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Flink version the plugin runs: the newest Managed Service for Apache Flink runs too. */
export const FLINK_VERSION = '2.2.0';

/** Main class of the job jar. */
export const JOB_ENTRY_CLASS = 'dev.streamscore.flink.StreamscoreJob';

const here = fileURLToPath(new URL('.', import.meta.url));
/** plugins/flink (from src/ under vitest, from dist/ when built). */
export const PLUGIN_ROOT = resolve(here, '..');
const REPO_ROOT = resolve(PLUGIN_ROOT, '..', '..');

/** The one node launcher (resources/launch-node.sh). */
export const LAUNCHER = join(PLUGIN_ROOT, 'resources', 'launch-node.sh');

/** Root of streamscore's Flink cache: jars per version, local clusters' homes. */
export function cacheRoot(): string {
  return process.env['STREAMSCORE_FLINK_CACHE'] ?? join(process.env['XDG_CACHE_HOME'] ?? join(homedir(), '.cache'), 'streamscore', 'flink');
}

/** Where local clusters keep their nodes' homes (config, logs) and a pid file for cleanup. */
export function clustersDir(): string {
  return join(cacheRoot(), 'clusters');
}

/**
 * The job jar: $STREAMSCORE_FLINK_JOB_JAR, else the repository's build output
 * (scripts/build-flink-job.sh writes flink-job/target/streamscore-flink-job.jar).
 */
export function jobJarPath(): string {
  return process.env['STREAMSCORE_FLINK_JOB_JAR'] ?? join(REPO_ROOT, 'flink-job', 'target', 'streamscore-flink-job.jar');
}

export function jobJarExists(): boolean {
  return existsSync(jobJarPath());
}
