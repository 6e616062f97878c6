import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError, type Deployment, type FaultSpec, type InjectedFault, type RunContext } from '@streamscore/core';
import { crashNode, type LocalClusterState } from './local/cluster.js';
import { FlinkRestClient } from './rest/client.js';
import { jobJarPath, JOB_ENTRY_CLASS } from './paths.js';

/**
 * Faults the flink backend injects (docs/faults.md). On the local target a kill is SIGKILL to
 * the node's JVM, and the node is started again `restart-after` later (default at once), as a
 * process supervisor would; Flink itself then has to notice and restore the job.
 *
 * - kill-taskmanager[:index=N,restart-after=5s|never]: the job restarts from its last completed
 *   checkpoint (with checkpointing) or loses its state (without);
 * - kill-jobmanager[:restart-after=...]: the cluster has no high availability, so the restarted
 *   JobManager does not know the job; streamscore resubmits it from the last completed
 *   checkpoint, as an operator would (without one, from the stream's start: state is lost).
 */
export const FLINK_FAULTS = ['kill-taskmanager', 'kill-jobmanager'] as const;

export function checkFaults(faults: readonly FaultSpec[], target: string, session: boolean): void {
  for (const f of faults) {
    if (!(FLINK_FAULTS as readonly string[]).includes(f.kind)) continue;
    if (session) {
      throw new UserError(`--fault ${f.kind} would kill a node of a shared session cluster.`, 'Run without --session: the run then has a cluster of its own.');
    }
    if (target !== 'local') {
      throw new UserError(
        `flink on target ${target} cannot inject ${f.kind} yet: only the local target kills its own JVMs.`,
        'Use --target local; on ec2, stop the node’s instance yourself and the Result will still show the recovery.',
      );
    }
    const unknown = Object.keys(f.options).filter((k) => !['index', 'restart-after'].includes(k));
    if (unknown.length) throw new UserError(`--fault ${f.kind} has no option ${unknown.join(', ')}; it takes index and restart-after.`);
    if (f.kind === 'kill-jobmanager' && f.options['index'] !== undefined) throw new UserError('--fault kill-jobmanager takes no index: there is one JobManager.');
  }
}

/** restart-after: seconds (5, "5s", "500ms"), or "never"; default 0. */
function restartAfterMs(v: string | number | boolean | undefined): number | undefined {
  if (v === undefined) return 0;
  if (v === 'never') return undefined;
  if (typeof v === 'number') return v * 1000;
  const m = /^(\d+(?:\.\d+)?)(ms|s)$/.exec(String(v));
  if (!m) throw new UserError(`restart-after must be a duration (5s, 500ms) or never (got ${String(v)}).`);
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
}

/** The newest completed checkpoint of a job under a file:// checkpoint directory. */
export function latestCheckpoint(checkpointDir: string | undefined, jobId: string): string | undefined {
  if (!checkpointDir?.startsWith('file://')) return undefined;
  const dir = join(fileURLToPath(checkpointDir), jobId);
  if (!existsSync(dir)) return undefined;
  const done = readdirSync(dir)
    .filter((n) => /^chk-\d+$/.test(n) && existsSync(join(dir, n, '_metadata')))
    .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
  const last = done.at(-1);
  return last ? join(dir, last) : undefined;
}

export async function injectFlinkFault(d: Deployment, f: FaultSpec, ctx: RunContext): Promise<InjectedFault> {
  const cluster = d.state['cluster'] as LocalClusterState | undefined;
  if (d.target !== 'local' || !cluster) throw new UserError(`flink on target ${d.target} cannot inject ${f.kind}.`);
  const after = restartAfterMs(f.options['restart-after']);
  const again = after === undefined ? 'not started again' : `started again after ${after / 1000} s`;
  if (f.kind === 'kill-taskmanager') {
    const index = Number(f.options['index'] ?? 0);
    const r = await crashNode(cluster, 'taskmanager', index, { ...(after !== undefined ? { restartAfterMs: after } : {}), ledger: ctx.ledger });
    return { effect: `SIGKILL to TaskManager ${index} (pid ${r.killedPid}); ${again}${r.newPid ? ` (pid ${r.newPid})` : ''}` };
  }
  if (f.kind === 'kill-jobmanager') {
    const r = await crashNode(cluster, 'jobmanager', 0, { ...(after !== undefined ? { restartAfterMs: after } : {}), ledger: ctx.ledger });
    if (after === undefined) return { effect: `SIGKILL to the JobManager (pid ${r.killedPid}); not started again: the job is gone` };
    const state = d.state as { restUrl: string; jobId?: string; jarId?: string; jobArgs?: string[]; checkpointDir?: string; knobs: { parallelism: number; taskManagers: number } };
    const rest = new FlinkRestClient(state.restUrl, { timeoutMs: 5_000 });
    await rest.waitUntilReady({ taskManagers: state.knobs.taskManagers, timeoutMs: 120_000, signal: ctx.signal });
    const from = state.jobId ? latestCheckpoint(state.checkpointDir, state.jobId) : undefined;
    // Without HA the new JobManager knows neither the jar nor the job: submit both again.
    state.jarId = await rest.uploadJar(jobJarPath());
    const oldJob = state.jobId;
    state.jobId = await rest.runJar(state.jarId, {
      entryClass: JOB_ENTRY_CLASS,
      programArgsList: state.jobArgs ?? [],
      parallelism: state.knobs.parallelism,
      ...(from ? { savepointPath: from } : {}),
    });
    await rest.waitForJobRunning(state.jobId, { timeoutMs: 120_000, signal: ctx.signal });
    return {
      effect: `SIGKILL to the JobManager (pid ${r.killedPid}); ${again} (pid ${r.newPid}); no HA, so job ${oldJob} was resubmitted as ${state.jobId} ${from ? `from ${from.split('/').slice(-1)[0]}` : 'without a checkpoint: its state is lost'}`,
    };
  }
  throw new UserError(`the flink backend does not inject ${f.kind}.`);
}
