import type { Row } from '../contracts/rows.js';
import type { TransportBinding } from '../contracts/transport.js';
import { nowMs } from '../measure/clock.js';
import { MemoryTransport } from './memory-transport.js';
import type { Ledger } from '../cost/ledger.js';

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
  /** Transport counters sampled every interval (records, bytes, retries, …). */
  metrics?(): Record<string, number>;
  send(events: readonly E[]): void | Promise<void>;
  /** Visits every row observed since the last call with its arrival time (ms, harness clock). */
  drain(visit: (row: Row, arrivalMs: number) => void): void;
  /** Input is over. */
  end(): void;
  close(): Promise<void>;
}

export class MemoryHarnessTransport<E = unknown> implements HarnessTransport<E> {
  private readonly t = new MemoryTransport<E>();
  readonly binding = this.t.binding as TransportBinding<E>;

  async open(): Promise<void> {}

  send(events: readonly E[]): void {
    this.t.deliver(events);
  }

  drain(visit: (row: Row, arrivalMs: number) => void): void {
    const rows = this.t.take();
    if (rows.length === 0) return;
    const at = nowMs();
    for (const r of rows) visit(r, at);
  }

  end(): void {
    this.t.end();
  }

  async close(): Promise<void> {}
}
