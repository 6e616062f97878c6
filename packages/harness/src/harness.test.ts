import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  type AnyWorkload,
  type EventSource,
  type GeneratorRequest,
  type StreamingQuery,
  type Backend,
  type Deployment,
  type MemoryBinding,
  Ledger,
  decodeHistogram,
  ResultSchema,
} from '@streamscore/core';
import { runBenchmark } from './harness.js';

interface Tick {
  n: number;
  t: number;
}

/** A workload small enough to reason about: event n carries its number; the query passes even numbers. */
function evenWorkload(): AnyWorkload {
  const w = {
    id: 'test/even',
    suite: 'test',
    title: 'even numbers',
    description: 'passes events with even n',
    kind: 'per-event' as const,
    params: z.object({}),
    output: { columns: [{ name: 'n', type: 'bigint' as const }, { name: 't', type: 'timestamp' as const }], dueTimeColumn: 't' },
    eventTime: (e: Tick) => e.t,
    generator(req: GeneratorRequest): EventSource<Tick> {
      let next = req.firstEventNumber ?? 0;
      const max = req.maxEvents ?? Infinity;
      return {
        get nextEventNumber() {
          return next;
        },
        hasNext: () => next < max,
        next: () => {
          const e = { n: next, t: req.timeline.timestampMs(next) };
          next++;
          return e;
        },
        dueTimeMs: (n) => req.timeline.timestampMs(n),
      };
    },
    reference: (events: readonly Tick[]) => events.filter((e) => e.n % 2 === 0).map((e) => ({ n: e.n, t: e.t })),
    streaming: (): StreamingQuery<Tick> => ({
      onEvent: (e, emit) => {
        if (e.n % 2 === 0) emit({ n: e.n, t: e.t });
      },
      onWatermark: () => {},
    }),
    partitioning: { kind: 'any' as const },
    timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
    module: 'none',
  };
  return w as unknown as AnyWorkload;
}

/** A backend that forwards what the query emits, optionally dropping every k-th record. */
function passBackend(dropEvery = 0): Backend & { torn: number } {
  const b = {
    torn: 0,
    name: 'pass',
    description: 'test',
    capabilities: { workloads: ['*'], targets: ['local'], transports: ['memory' as const], knobs: {} },
    transportFor: () => 'memory' as const,
    plan: async (request: never) => ({ backend: 'pass', target: 'local', request, resources: [], projectedCostUsd: 0, notes: [] }),
    provision: async (_p: unknown, ctx: { runId: string; ledger: Ledger }): Promise<Deployment> => {
      ctx.ledger.intend({ id: 'thing', backend: 'pass', kind: 'local-process', count: 1 });
      ctx.ledger.created('thing');
      return { backend: 'pass', target: 'local', runId: ctx.runId, state: {}, provisioningMs: 0 };
    },
    start: async (_d: Deployment, req: { workload: AnyWorkload; params: Record<string, unknown>; transport: MemoryBinding }) => {
      const q = req.workload.streaming(req.params);
      let i = 0;
      req.transport.subscribe((events) => {
        for (const e of events)
          q.onEvent(e, (row) => {
            i++;
            if (dropEvery === 0 || i % dropEvery !== 0) req.transport.emit(row);
          });
      });
    },
    metrics: async () => ({ x: 1 }),
    stop: async () => {},
    teardown: async (_d: Deployment, ctx: { ledger: Ledger }) => {
      b.torn++;
      ctx.ledger.deleted('thing');
    },
    cleanup: async () => ({ found: [], deleted: [], failed: [] }),
  };
  return b as unknown as Backend & { torn: number };
}

describe('runBenchmark', () => {
  it('drives the schedule open-loop, measures latency and passes a correct answer', async () => {
    const backend = passBackend();
    const r = await runBenchmark({ backend, workload: evenWorkload(), target: 'local', rate: 20_000, durationS: 1.5, toolVersion: 't' });
    expect(ResultSchema.parse(r)).toBeTruthy();
    // 1.5 s at 20,000/s is 30,000 events, all sent (the schedule ends at 1.5 s).
    expect(r.summary.eventsIn).toBe(30_000);
    expect(r.summary.eventsOut).toBe(15_000);
    expect(r.verdict.status).toBe('pass');
    expect(r.verdict.matched).toBe(15_000);
    expect(r.complete).toBe(true);
    expect(backend.torn).toBe(1);
    // Latency is measured from due time, so it is non-negative and, in process, well under a second.
    expect(r.summary.latency.count).toBe(15_000);
    expect(r.summary.latency.max).toBeLessThan(1_000_000);
    expect(decodeHistogram(r.latency.encoded).totalCount).toBe(15_000);
    // One interval per second plus the final one; interval counts add up to the totals.
    expect(r.intervals.length).toBeGreaterThanOrEqual(2);
    expect(r.intervals.reduce((a, i) => a + i.eventsIn, 0)).toBe(30_000);
    expect(r.intervals[0]!.backend).toEqual({ x: 1 });
    expect(r.ledger.map((e) => e.state)).toEqual(['deleted']);
  });

  it('fails the verdict when the backend drops records, and still writes the numbers', async () => {
    const r = await runBenchmark({ backend: passBackend(100), workload: evenWorkload(), target: 'local', rate: 10_000, durationS: 1, toolVersion: 't' });
    expect(r.verdict.status).toBe('fail');
    expect(r.verdict.missing).toBe(50);
    expect(r.verdict.unexpected).toBe(0);
    expect(r.verdict.samples.missing.length).toBeGreaterThan(0);
  });

  it('stops on abort, marks the Result incomplete and tears down', async () => {
    const backend = passBackend();
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const r = await runBenchmark({ backend, workload: evenWorkload(), target: 'local', rate: 10_000, durationS: 10, signal: ac.signal, toolVersion: 't' });
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toBe('interrupted');
    expect(r.summary.eventsIn).toBeGreaterThan(0);
    expect(r.summary.eventsIn).toBeLessThan(20_000);
    expect(backend.torn).toBe(1);
    // What was sent is still checked.
    expect(r.verdict.status).toBe('pass');
  });

  it('rejects an impossible rate before creating anything', async () => {
    const backend = passBackend();
    await expect(runBenchmark({ backend, workload: evenWorkload(), target: 'local', rate: 0, durationS: 1, toolVersion: 't' })).rejects.toThrow(/positive/);
    expect(backend.torn).toBe(0);
  });
});
