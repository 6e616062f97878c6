import { UserError, type KnobSpec, type KnobValues } from '@streamscore/core';

/** Flink runtimes of the managed service the job jar runs on (it is built against Flink 2.2). */
export const RUNTIMES = ['FLINK-2_2', 'FLINK-1_20'] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const KNOBS: Record<string, KnobSpec> = {
  parallelism: { description: 'Flink parallelism of the application (ParallelismConfiguration.Parallelism)', type: 'integer', default: 1 },
  'parallelism-per-kpu': { description: 'parallel tasks per KPU, 1–8 (KPUs = ⌈parallelism / this⌉, plus 1 orchestration KPU billed)', type: 'integer', default: 1 },
  autoscaling: { description: 'let the service raise the parallelism under load (AutoScalingEnabled)', type: 'boolean', default: false },
  runtime: { description: 'Managed Service for Apache Flink runtime', type: 'string', default: 'FLINK-2_2', options: [...RUNTIMES] },
  bucket: { description: 'S3 bucket for the job jar (default: the run creates one and deletes it)', type: 'string' },
  region: { description: 'AWS region (default: the run’s Kinesis region, AWS_REGION, or us-east-1)', type: 'string' },
  checkpointing: {
    description: 'none, or checkpoints (CheckpointConfiguration) with exactly-once (the sink writes a checkpoint’s output when it completes) or at-least-once delivery',
    type: 'string',
    default: 'none',
    options: ['none', 'exactly-once', 'at-least-once'],
  },
  'checkpoint-interval-s': { description: 'seconds between checkpoints (with checkpointing)', type: 'integer', default: 10 },
};

export type Checkpointing = 'none' | 'exactly-once' | 'at-least-once';

export interface KdaKnobs {
  parallelism: number;
  parallelismPerKpu: number;
  autoscaling: boolean;
  runtime: Runtime;
  bucket?: string;
  region: string;
  checkpointing: Checkpointing;
  checkpointIntervalS: number;
}

function int(knobs: KnobValues, name: string, fallback: number, min: number, max: number): number {
  const raw = knobs[name];
  const v = raw === undefined ? fallback : Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new UserError(`--knob ${name} must be an integer from ${min} to ${max} (got ${String(raw)}).`);
  return v;
}

function bool(knobs: KnobValues, name: string): boolean {
  const raw = knobs[name];
  if (raw === undefined) return false;
  if (raw === true || raw === 'true' || raw === 'on' || raw === '1') return true;
  if (raw === false || raw === 'false' || raw === 'off' || raw === '0') return false;
  throw new UserError(`--knob ${name} must be true or false (got ${String(raw)}).`);
}

/** The run's knobs, validated, defaults filled in. */
export function kdaKnobs(knobs: KnobValues, env: NodeJS.ProcessEnv = process.env): KdaKnobs {
  const parallelism = int(knobs, 'parallelism', 1, 1, 10_000);
  const parallelismPerKpu = int(knobs, 'parallelism-per-kpu', 1, 1, 8);
  const runtime = String(knobs['runtime'] ?? 'FLINK-2_2');
  if (!(RUNTIMES as readonly string[]).includes(runtime)) {
    throw new UserError(`--knob runtime must be one of ${RUNTIMES.join(', ')} (got ${runtime}).`, 'The job jar is built for Flink 2.2; FLINK-1_20 is for a jar rebuilt against Flink 1.20.');
  }
  const bucket = knobs['bucket'] === undefined ? undefined : String(knobs['bucket']);
  if (bucket !== undefined && !/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) throw new UserError(`--knob bucket: "${bucket}" is not a valid S3 bucket name.`);
  const region = String(knobs['region'] ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1');
  const checkpointing = String(knobs['checkpointing'] ?? 'none') as Checkpointing;
  if (!['none', 'exactly-once', 'at-least-once'].includes(checkpointing)) throw new UserError(`--knob checkpointing must be one of none, exactly-once, at-least-once (got ${checkpointing}).`);
  const checkpointIntervalS = int(knobs, 'checkpoint-interval-s', 10, 1, 3600);
  return { parallelism, parallelismPerKpu, autoscaling: bool(knobs, 'autoscaling'), runtime: runtime as Runtime, ...(bucket ? { bucket } : {}), region, checkpointing, checkpointIntervalS };
}

/** KPUs the application gets (without the orchestration KPU). */
export function applicationKpus(k: Pick<KdaKnobs, 'parallelism' | 'parallelismPerKpu'>): number {
  return Math.ceil(k.parallelism / k.parallelismPerKpu);
}
