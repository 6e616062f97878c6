import type { BatchHandler, MemoryBinding, Row } from '@streamscore/core';

/**
 * The in-process transport. Rows a backend emits are buffered and stamped by the harness when
 * control returns to it (after each input batch, and on its own ticks), so the stamp is the
 * moment the harness could first observe them — the same place every transport is read from.
 */
export class MemoryTransport<E = unknown> {
  private handler: BatchHandler<E> | undefined;
  private endHandlers: (() => void)[] = [];
  private pending: Row[] = [];

  readonly binding: MemoryBinding<E> = {
    kind: 'memory',
    subscribe: (h) => {
      if (this.handler) throw new Error('memory transport: subscribe called twice');
      this.handler = h;
    },
    emit: (row) => {
      this.pending.push(row);
    },
    onEnd: (h) => {
      this.endHandlers.push(h);
    },
  };

  get subscribed(): boolean {
    return this.handler !== undefined;
  }

  deliver(events: readonly E[]): void {
    if (!this.handler) throw new Error('memory transport: the backend did not subscribe to its input');
    this.handler(events);
  }

  /** Hands over the rows emitted since the last call. */
  take(): Row[] {
    if (this.pending.length === 0) return EMPTY;
    const rows = this.pending;
    this.pending = [];
    return rows;
  }

  end(): void {
    for (const h of this.endHandlers) h();
  }
}

const EMPTY: Row[] = [];
