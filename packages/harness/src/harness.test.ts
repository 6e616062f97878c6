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
    // What was sent is still checked, but an interrupted run never passes: nothing was wrong,
    // so it is incomplete, judged on the events sent.
    expect(r.verdict.status).toBe('incomplete');
    expect(r.verdict.unexpected).toBe(0);
    expect(r.verdict.judgedOn).toMatchObject({ eventsJudged: r.summary.eventsIn, interrupted: true, cutoffMs: null });
    // The achieved rate is over the ~0.3 s actually run, not the 10 s planned.
    expect(r.summary.ranS).toBeGreaterThan(0.2);
    expect(r.summary.ranS).toBeLessThan(1);
    expect(r.summary.achievedRate).toBeGreaterThan(8_000);
    expect(r.summary.achievedRate).toBeLessThan(12_000);
  });

  it('never passes a run whose backend failed to start', async () => {
    const backend = passBackend();
    backend.start = async () => {
      throw new Error('engine would not start');
    };
    const r = await runBenchmark({ backend, workload: evenWorkload(), target: 'local', rate: 1000, durationS: 1, toolVersion: 't' });
    expect(r.complete).toBe(false);
    expect(r.incompleteReason).toBe('engine would not start');
    expect(r.verdict.status).toBe('incomplete');
    expect(r.summary.achievedRate).toBe(0);
  });

  it('judges an oracle that throws as fail, with its reason', async () => {
    const w = evenWorkload();
    w.reference = () => {
      throw new Error('oracle bug');
    };
    const r = await runBenchmark({ backend: passBackend(), workload: w, target: 'local', rate: 1000, durationS: 0.5, toolVersion: 't' });
    expect(r.verdict.status).toBe('fail');
    expect(r.verdict.notes.join(' ')).toMatch(/oracle failed: oracle bug/);
  });

  it('calls a run in which nothing was due vacuous, not pass', async () => {
    const w = evenWorkload();
    w.reference = () => [];
    w.streaming = () => ({ onEvent: () => {}, onWatermark: () => {} });
    const r = await runBenchmark({ backend: passBackend(), workload: w, target: 'local', rate: 1000, durationS: 0.5, toolVersion: 't' });
    expect(r.verdict.status).toBe('vacuous');
    expect(r.verdict.expected).toBe(0);
  });

  it('marks a run verification opted out of as unchecked, with the reason', async () => {
    const r = await runBenchmark({ backend: passBackend(), workload: evenWorkload(), target: 'local', rate: 2000, durationS: 0.5, verifyMaxEvents: 10, toolVersion: 't' });
    expect(r.verdict.status).toBe('unchecked');
    expect(r.verdict.notes[0]).toMatch(/--verify-max-events 10/);
  });

  it('rejects an impossible rate before creating anything', async () => {
    const backend = passBackend();
    await expect(runBenchmark({ backend, workload: evenWorkload(), target: 'local', rate: 0, durationS: 1, toolVersion: 't' })).rejects.toThrow(/positive/);
    expect(backend.torn).toBe(0);
  });
});
