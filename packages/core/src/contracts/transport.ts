import type { Row } from './rows.js';

/** Receives batches of input events pushed by the harness (memory transport). */
export type BatchHandler<E> = (events: readonly E[]) => void;

/**
 * Where events go in and results come out. The harness owns both ends, so every platform is
 * measured from the same place with one clock.
 *
 * - `memory`: in process. The backend subscribes to input batches and emits rows; the harness
 *   stamps each row's arrival the moment it is emitted.
 * - `kinesis`: one input stream and one output stream per run; events are packed many to a
 *   record in the framing of core's kinesis module.
 */
export type TransportBinding<E = unknown> = MemoryBinding<E> | KinesisBinding;

export interface MemoryBinding<E = unknown> {
  kind: 'memory';
  /** Register the backend's consumer of input batches. Called once. */
  subscribe(handler: BatchHandler<E>): void;
  /** Hand an output record back to the harness. */
  emit(row: Row): void;
  /** Input is over (drain finished); the backend may flush whatever is still open. */
  onEnd(handler: () => void): void;
}

export interface KinesisBinding {
  kind: 'kinesis';
  region: string;
  /** Endpoint override for local targets (kinesalite). Undefined on AWS. */
  endpoint?: string;
  inputStream: string;
  outputStream: string;
  /** Name of the framing both ends use (see core/kinesis/framing). */
  framing: string;
}

export type TransportKind = TransportBinding['kind'];
