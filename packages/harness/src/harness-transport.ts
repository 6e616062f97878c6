import { type Row, type HarnessTransport, type TransportBinding, nowMs } from '@streamscore/core';
import { MemoryTransport } from './memory-transport.js';

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
