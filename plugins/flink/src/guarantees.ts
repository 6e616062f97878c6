import { UserError, type KnobSpec, type KnobValues } from '@streamscore/core';

/**
 * Flink's delivery guarantees as knobs: checkpointing mode and interval, state backend, restart
 * strategy. The same settings reach every target: as job parameters (`--flink.*`, set on the
 * job's environment) for local, ec2 and existing clusters, and as CheckpointConfiguration on
 * Managed Service for Apache Flink (plugins/kda). See docs/faults.md.
 */
export type CheckpointingMode = 'none' | 'exactly-once' | 'at-least-once';
export type RestartStrategy = 'none' | 'fixed-delay' | 'exponential-delay';
export type StateBackend = 'hashmap' | 'rocksdb';

export interface FlinkGuarantees {
  checkpointing: CheckpointingMode;
  checkpointIntervalS: number;
  stateBackend: StateBackend;
  restartStrategy: RestartStrategy;
}

export const GUARANTEE_KNOBS: Record<string, KnobSpec> = {
  checkpointing: {
    description: 'none, or checkpoints with exactly-once (the sink writes a checkpoint’s output when it completes) or at-least-once delivery',
    type: 'string',
    default: 'none',
    options: ['none', 'exactly-once', 'at-least-once'],
  },
  'checkpoint-interval-s': { description: 'seconds between checkpoints (with checkpointing)', type: 'integer', default: 10 },
  'state-backend': { description: 'where keyed state lives: hashmap (JVM heap) or rocksdb (local disk)', type: 'string', default: 'hashmap', options: ['hashmap', 'rocksdb'] },
  'restart-strategy': {
    description: 'what the job does when a task fails (default: exponential-delay with checkpointing, none without)',
    type: 'string',
    options: ['none', 'fixed-delay', 'exponential-delay'],
  },
};

function oneOf<T extends string>(knobs: KnobValues, name: string, options: readonly T[], fallback: T): T {
  const v = knobs[name];
  if (v === undefined || v === '') return fallback;
  if (!options.includes(String(v) as T)) throw new UserError(`--knob ${name} must be one of ${options.join(', ')} (got ${String(v)}).`);
  return String(v) as T;
}

export function guaranteesOf(knobs: KnobValues): FlinkGuarantees {
  const checkpointing = oneOf(knobs, 'checkpointing', ['none', 'exactly-once', 'at-least-once'] as const, 'none');
  const rawInterval = knobs['checkpoint-interval-s'];
  const checkpointIntervalS = rawInterval === undefined ? 10 : Number(rawInterval);
  if (!Number.isInteger(checkpointIntervalS) || checkpointIntervalS < 1 || checkpointIntervalS > 3600) {
    throw new UserError(`--knob checkpoint-interval-s must be a whole number of seconds from 1 to 3600 (got ${String(rawInterval)}).`);
  }
  if (rawInterval !== undefined && checkpointing === 'none') {
    throw new UserError('--knob checkpoint-interval-s needs checkpoints.', 'Add --knob checkpointing=exactly-once (or at-least-once).');
  }
  const stateBackend = oneOf(knobs, 'state-backend', ['hashmap', 'rocksdb'] as const, 'hashmap');
  const restartStrategy = oneOf(knobs, 'restart-strategy', ['none', 'fixed-delay', 'exponential-delay'] as const, checkpointing === 'none' ? 'none' : 'exponential-delay');
  return { checkpointing, checkpointIntervalS, stateBackend, restartStrategy };
}

/**
 * Job parameters for the guarantees (flags of dev.streamscore.flink.StreamscoreJob): Flink
 * configuration keys in the `flink` group, and the sink's delivery. `checkpointDir`: where
 * checkpoints go (a file:// or s3:// URI); without one Flink keeps them in the JobManager's heap.
 */
export function guaranteeArgs(g: FlinkGuarantees, checkpointDir?: string): string[] {
  const a: string[] = ['--flink.state.backend.type', g.stateBackend, '--flink.restart-strategy.type', g.restartStrategy];
  if (g.restartStrategy === 'fixed-delay') a.push('--flink.restart-strategy.fixed-delay.attempts', '2147483647', '--flink.restart-strategy.fixed-delay.delay', '1 s');
  if (g.restartStrategy === 'exponential-delay') {
    a.push('--flink.restart-strategy.exponential-delay.initial-backoff', '1 s', '--flink.restart-strategy.exponential-delay.max-backoff', '10 s');
  }
  if (g.checkpointing !== 'none') {
    a.push(
      '--flink.execution.checkpointing.interval', `${g.checkpointIntervalS} s`,
      '--flink.execution.checkpointing.mode', g.checkpointing === 'exactly-once' ? 'EXACTLY_ONCE' : 'AT_LEAST_ONCE',
    );
    if (checkpointDir) a.push('--flink.execution.checkpointing.dir', checkpointDir);
    // Markers of committed batches: a restore must not write a committed checkpoint's output again.
    if (checkpointDir && g.checkpointing === 'exactly-once') a.push('--sink.commit-log-dir', `${checkpointDir}/commits`);
  }
  // The transactional sink holds output until a checkpoint completes: only with exactly-once.
  a.push('--sink.delivery', g.checkpointing === 'exactly-once' ? 'exactly-once' : 'at-least-once');
  return a;
}

/** One line for the plan: what the run's guarantees are. */
export function describeGuarantees(g: FlinkGuarantees): string {
  if (g.checkpointing === 'none') return `no checkpoints: a failure loses the job's state (restart strategy ${g.restartStrategy})`;
  return `${g.checkpointing} checkpoints every ${g.checkpointIntervalS} s on ${g.stateBackend}, restart ${g.restartStrategy}` +
    (g.checkpointing === 'exactly-once' ? `; output is written when its checkpoint completes (up to ${g.checkpointIntervalS} s later)` : '');
}
