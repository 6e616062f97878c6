import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AnyWorkload, type Backend, type Deployment, type FaultSpec, type MemoryBinding, type Row, ResultSchema, UserError } from '@streamscore/core';
import { runBenchmark } from './harness.js';
import { parseFaultFlag } from './faults.js';

/** Event n carries its number and due time; the answer is every event (a per-event query). */
function echoWorkload(): AnyWorkload {
  return {
    id: 'test/echo',
    suite: 'test',
    title: 'echo',
    description: 'every event, as it came',
    kind: 'per-event',
    params: z.object({}),
    output: { columns: [{ name: 'n', type: 'bigint' }, { name: 't', type: 'timestamp' }], dueTimeColumn: 't' },
    eventTime: (e: { t: number }) => e.t,
    generator: (req: { timeline: { timestampMs(n: number): number } }) => {
      let next = 0;
      return {
        get nextEventNumber() {
          return next;
        },
        hasNext: () => true,
        next: () => ({ n: next, t: req.timeline.timestampMs(next++) }),
        dueTimeMs: (n: number) => req.timeline.timestampMs(n),
      };
    },
    reference: (events: readonly { n: number; t: number }[]) => events.map((e) => ({ n: e.n, t: e.t })),
    streaming: () => ({ onEvent: () => {}, onWatermark: () => {} }),
    partitioning: { kind: 'any' },
    timing: () => ({ watermarkDelayMs: 0, horizonMs: 0 }),
    module: 'none',
  } as unknown as AnyWorkload;
}

/**
 * An engine with a `pause` fault: it stops answering for `ms` (as a job does while it restarts),
 * then answers what it held and — like a restore from a checkpoint taken `replayMs` before the
 * fault — repeats what it had answered since then.
 */
function restartingBackend(): Backend {
  let paused = false;
  const log: { row: Row; at: number }[] = [];
  const held: Row[] = [];
  let binding: MemoryBinding | undefined;
  return {
    name: 'restarting',
    description: 'test',
    capabilities: { workloads: ['*'], targets: ['local'], transports: ['memory'], knobs: {}, faults: ['pause'] },
    transportFor: () => 'memory',
    plan: async (request) => ({ backend: 'restarting', target: 'local', request, resources: [], projectedCostUsd: 0, notes: [] }),
    provision: async (_p, ctx): Promise<Deployment> => ({ backend: 'restarting', target: 'local', runId: ctx.runId, state: {}, provisioningMs: 0 }),
    start: async (_d, req) => {
      binding = req.transport as MemoryBinding;
      binding.subscribe((events) => {
        for (const e of events as { n: number; t: number }[]) {
          const row = { n: e.n, t: e.t };
          if (paused) held.push(row);
          else {
            binding!.emit(row);
            log.push({ row, at: Date.now() });
          }
        }
      });
    },
    injectFault: async (_d, f: FaultSpec) => {
      const ms = Number(f.options['ms']);
      const replayMs = Number(f.options['replay-ms'] ?? 0);
      const since = Date.now() - replayMs;
      paused = true;
      setTimeout(() => {
        paused = false;
        for (const { row, at } of log) if (at >= since) binding!.emit(row);
        for (const row of held.splice(0)) binding!.emit(row);
      }, ms);
      return { effect: `paused ${ms} ms, replaying ${replayMs} ms` };
    },
    metrics: async () => ({}),
    stop: async () => {},
    teardown: async () => {},
    cleanup: async () => ({ found: [], deleted: [], failed: [] }),
  };
}

describe('a run with a fault', () => {
  it('fires it at its time, sees the stall, the resumption and the repeats, and names the delivery', async () => {
    const r = await runBenchmark({
      backend: restartingBackend(),
      workload: echoWorkload(),
      target: 'local',
      rate: 2_000,
      durationS: 9,
      faults: [parseFaultFlag('pause@5s:ms=2500,replay-ms=500')],
      toolVersion: 't',
    });
    expect(ResultSchema.parse(r)).toBeTruthy();
    const f = r.faults![0]!;
    expect(f.firedAtS).toBeGreaterThanOrEqual(5);
    expect(f.firedAtS).toBeLessThan(5.2);
    expect(f.effect).toBe('paused 2500 ms, replaying 500 ms');
    // Held 2.5 s: the first empty interval ends ~1 s after the fault, output is back in the
    // interval that holds 5 + 2.5 s, i.e. ~3 s after the fault; ~500 ms × 2,000/s repeated.
    const rec = f.recovery!;
    expect(rec.detectionS).toBeCloseTo(1, 0);
    expect(rec.outputResumedS).toBeCloseTo(3, 0);
    expect(rec.latencyPeakMaxUs).toBeGreaterThan(2_000_000);
    expect(rec.duplicated).toBeGreaterThan(800);
    expect(rec.duplicated).toBeLessThan(1_200);
    expect(rec.lost).toBe(0);
    expect(r.verdict.delivery).toBe('at-least-once');
    expect(r.verdict.duplicated).toBe(rec.duplicated);
  });

  it('refuses a fault the backend cannot inject before anything starts', async () => {
    let provisioned = false;
    const b = { ...restartingBackend(), provision: async () => { provisioned = true; throw new Error('must not run'); } } as Backend;
    await expect(runBenchmark({ backend: b, workload: echoWorkload(), target: 'local', rate: 100, durationS: 1, faults: [parseFaultFlag('kill-taskmanager@0s')], toolVersion: 't' }))
      .rejects.toThrow(UserError);
    expect(provisioned).toBe(false);
  });
});
