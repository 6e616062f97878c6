import { renderSqlTemplate, templatePlaceholders, type KinesisBinding } from '@streamscore/core';
import { JOB_ENTRY_CLASS } from './paths.js';

/**
 * Placeholders the job fills itself (dev.streamscore.flink.SqlScript), because only it knows the
 * streamscore-kinesis connector's options; the same job fills them from runtime properties on
 * Managed Service for Apache Flink.
 */
export const JOB_PLACEHOLDERS = new Set(['SOURCE_WITH', 'SINK_WITH', 'INPUT_STREAM', 'OUTPUT_STREAM']);

/**
 * Fills the workload's parameters into its Flink SQL with core's template rules
 * (`${interval:NAME}`, `${NAME}`); the stream placeholders are kept for the job. Throws on a
 * placeholder neither side can fill.
 */
export function fillWorkloadParams(sql: string, params: Record<string, unknown>): string {
  const keep = Object.fromEntries([...JOB_PLACEHOLDERS].map((n) => [n, `\${${n}}`]));
  return renderSqlTemplate(sql, params, keep);
}

/** Names of the placeholders in a SQL text (`interval:` ones prefixed). */
export function placeholders(sql: string): string[] {
  return templatePlaceholders(sql);
}

export interface JobArgsInput {
  workloadId: string;
  sql: string;
  binding: KinesisBinding;
  parallelism: number;
  params: Record<string, unknown>;
  /** More job flags (the guarantees: guarantees.ts). */
  extraArgs?: readonly string[];
}

/**
 * programArgsList for `POST /jars/{id}/run`. For a local Kinesis endpoint (kinesalite) the job
 * gets dummy basic credentials and CBOR off; on AWS it uses the default credential chain.
 */
export function jobArgs(o: JobArgsInput): string[] {
  const args = [
    '--workload', o.workloadId,
    '--sql-b64', Buffer.from(o.sql, 'utf8').toString('base64'),
    '--input-stream', o.binding.inputStream,
    '--output-stream', o.binding.outputStream,
    '--region', o.binding.region,
    '--parallelism', String(o.parallelism),
  ];
  if (o.binding.endpoint) {
    args.push('--endpoint', o.binding.endpoint, '--cbor', 'false', '--access-key-id', 'streamscore-local', '--secret-key', 'streamscore-local');
  }
  for (const [k, v] of Object.entries(o.params)) {
    if (v !== undefined && v !== null && typeof v !== 'object') args.push(`--params.${k}`, String(v));
  }
  args.push(...(o.extraArgs ?? []));
  return args;
}

export { JOB_ENTRY_CLASS };
