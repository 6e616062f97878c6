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

/** Busy-waits: a stall of the thread the memory transport delivers on (the driver's). */
function blockFor(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // spinning on purpose
  }
}

/**
 * A backend that stalls once for `stallMs`, from the first event due `atMs` after the first
 * event. `blocking`: it holds the thread it is called on (in process, the driver's), so events
 * due meanwhile leave late. Otherwise it stops answering and queues its input, then catches up:
 * the driver keeps its schedule and only the answers are late.
 */
function stallingBackend(stallMs: number, atMs: number, blocking: boolean): Backend {
  const b = passBackend();
  b.start = async (_d: Deployment, req: { workload: AnyWorkload; params: Record<string, unknown>; transport: MemoryBinding }) => {
    const q = req.workload.streaming(req.params);
    const emit = (row: Record<string, unknown>) => req.transport.emit(row as never);
    let first = Number.NaN;
    let stallUntil = Number.NaN;
    let queued: Tick[] = [];
    req.transport.subscribe((events) => {
      for (const e of events as Tick[]) {
        if (Number.isNaN(first)) first = e.t;
        if (Number.isNaN(stallUntil) && e.t >= first + atMs) {
          stallUntil = performance.now() + stallMs;
          if (blocking) blockFor(stallMs);
          else
            setTimeout(() => {
              for (const x of queued) q.onEvent(x, emit);
              queued = [];
            }, stallMs);
        }
        if (!blocking && performance.now() < stallUntil) queued.push(e);
        else if (!blocking && queued.length > 0) queued.push(e);
        else q.onEvent(e, emit);
      }
    });
  };
  return b;
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

  // Open loop: latency is measured from when each event was due, so a stall shows in full. Over a
  // run of T s, a stall of S s delays the answers due during it by S down to 0, so the share of
  // answers later than x is (S − x)/T, and p99 = S − 0.01·T (490 ms for S = 0.5 s, T = 1 s of load);
  // a closed-loop tool would record the stall once, in one sample. The max is the stall itself.
  const STALL_MS = 500;

  it('shows a stall that blocks the driver in p99 and in send delay', async () => {
    const r = await runBenchmark({ backend: stallingBackend(STALL_MS, 300, true), workload: evenWorkload(), target: 'local', rate: 10_000, durationS: 1, toolVersion: 't' });
    expect(r.verdict.status).toBe('pass');
    const expectP99Us = (STALL_MS - 0.01 * 1000) * 1000;
    expect(r.summary.latency.max).toBeGreaterThanOrEqual(STALL_MS * 1000);
    expect(r.summary.latency.p99).toBeGreaterThanOrEqual(expectP99Us * 0.95);
    // The events due during the stall left late, by as much.
    expect(r.summary.sendDelay.max).toBeGreaterThanOrEqual(STALL_MS * 1000 * 0.97);
    expect(r.summary.sendDelay.p99).toBeGreaterThanOrEqual(expectP99Us * 0.95);
  });

  it('shows a stall of the engine alone in p99 but not in send delay', async () => {
    const r = await runBenchmark({ backend: stallingBackend(STALL_MS, 300, false), workload: evenWorkload(), target: 'local', rate: 10_000, durationS: 1, toolVersion: 't' });
    expect(r.verdict.status).toBe('pass');
    // Within the histogram's resolution (3 significant digits: 0.1%); CI saw 499,967 µs for 500 ms.
    expect(r.summary.latency.max).toBeGreaterThanOrEqual(STALL_MS * 1000 * 0.999);
    expect(r.summary.latency.p99).toBeGreaterThanOrEqual((STALL_MS - 0.01 * 1000) * 1000 * 0.95);
    // The driver kept its schedule: the stall is not in send delay.
    expect(r.summary.latency.p99 - r.summary.sendDelay.p99).toBeGreaterThan(STALL_MS * 1000 * 0.6);
  });
});
