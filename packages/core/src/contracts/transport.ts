import type { Row } from './rows.js';
import type { Ledger } from '../ledger/ledger.js';
import type { FaultSpec, InjectedFault } from './fault.js';
import type { ProcessRef } from './backend.js';

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

export interface TransportContext {
  runId: string;
  ledger: Ledger;
  /** The backend the run is for: named in ledger entries, so `cleanup --backend` finds them. */
  backend: string;
}

/**
 * The harness's side of a transport: it sends events in, and observes rows coming out, stamping
 * each with the instant the harness first saw it.
 */
export interface HarnessTransport<E = unknown> {
  readonly binding: TransportBinding<E>;
  /** Create whatever the transport needs (streams), recording each resource in the run's ledger first. */
  open(ctx?: TransportContext): Promise<void>;
  /**
   * After the input ends: how long the output must stay quiet before the run stops, and the
   * bound on that wait. Default 200 ms / 500 ms (in process).
   */
  readonly settle?: { quietMs: number; maxMs: number };
  /**
   * Transport counters sampled every interval (records, bytes, retries, …). `engine` is the
   * backend's metrics of the same interval: a transport that can tell how far the engine has
   * read its input reports the engine's lag from it (`inputLagRecords`, `inputLagMs`).
   */
  metrics?(engine?: Readonly<Record<string, number>>): Record<string, number>;
  send(events: readonly E[]): void | Promise<void>;
  /** Visits every row observed since the last call with its arrival time (ms, harness clock). */
  drain(visit: (row: Row, arrivalMs: number) => void): void;
  /** Input is over. */
  end(): void;
  close(): Promise<void>;
  /** Fault kinds this transport injects on the wire (kinesis-throttle, network-delay). */
  readonly faultKinds?: readonly string[];
  injectFault?(fault: FaultSpec): Promise<InjectedFault>;
  /** The processes of the transport's local stand-in (role `transport`): see Backend.processes. */
  processes?(): ProcessRef[];
}
