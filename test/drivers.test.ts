/**
 * Load generation split over driver processes: the union of N slices is the single generator's
 * stream event for event (NEXMark and YSB), merged histograms are exact, and N real driver
 * processes deliver exactly the single generator's events over their own IPC connections.
 */
import { describe, expect, it } from 'vitest';
import { constantShape, decodeHistogram, encodeHistogram, newHistogram, percentiles, scheduleTimeline, type AnyWorkload } from '@streamscore/core';
import { mergeDriverReports, runBenchmark, runDriverPool, SlicedSource, type DriverReport } from '@streamscore/harness';
import { localBackend } from '@streamscore/plugin-local';
import { workloads as nexmark } from '@streamscore/workload-nexmark';
import { workloads as ysb } from '@streamscore/workload-ysb';

const q0 = nexmark.find((w) => w.id === 'nexmark/q0')!;
const campaigns = ysb[0]!;
const BASE = 1_800_000_000_000;

function single(w: AnyWorkload, n: number, rate: number): unknown[] {
  const timeline = scheduleTimeline(constantShape(rate, 3600), BASE);
  const g = w.generator({ timeline, maxEvents: n });
  const out: unknown[] = [];
  while (g.hasNext()) out.push(g.next());
  return out;
}

function sliced(w: AnyWorkload, n: number, rate: number, drivers: number, block: number): { number: number; event: unknown }[][] {
  const timeline = scheduleTimeline(constantShape(rate, 3600), BASE);
  return Array.from({ length: drivers }, (_, index) => {
    const s = new SlicedSource((first, count) => w.generator({ timeline, firstEventNumber: first, maxEvents: count }), { index, drivers, block }, n);
    const out: { number: number; event: unknown }[] = [];
    while (s.hasNext()) {
      const number = s.nextEventNumber;
      out.push({ number, event: s.next() });
    }
    return out;
  });
}

describe('driver slices', () => {
  for (const [w, label] of [
    [q0, 'NEXMark'],
    [campaigns, 'YSB'],
  ] as const) {
    it(`${label}: the union of N slices is the single generator's stream, event for event`, () => {
      const n = 10_007;
      const want = single(w, n, 50_000);
      for (const [drivers, block] of [
        [1, 1024],
        [2, 1024],
        [3, 7],
        [4, 1],
      ] as const) {
        const parts = sliced(w, n, 50_000, drivers, block);
        // Disjoint, and each driver's slice is its blocks: block b goes to driver b mod N.
        for (const [i, p] of parts.entries()) expect(p.every((x) => Math.floor(x.number / block) % drivers === i)).toBe(true);
        const union = parts.flat().sort((a, b) => a.number - b.number);
        expect(union.map((x) => x.number)).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(union.map((x) => x.event)).toEqual(want);
      }
    });
  }
});

describe('merged driver histograms', () => {
  it('are exact: p50, p99, p99.9 and max of 3 drivers merged equal one histogram of every sample', () => {
    let seed = 42;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const all = newHistogram();
    const parts = [newHistogram(), newHistogram(), newHistogram()];
    for (let i = 0; i < 200_000; i++) {
      const v = Math.floor(rnd() ** 3 * 5_000_000) + 1;
      all.recordValue(v);
      parts[i % 3]!.recordValue(v);
    }
    const reports: DriverReport[] = parts.map((h, index) => ({ index, host: 'h', pid: index, sent: h.totalCount, sendDelay: encodeHistogram(h), clockOffsetMs: 0, cpuUserMs: 1, cpuSystemMs: 2 }));
    const m = mergeDriverReports(reports);
    expect(m.sent).toBe(200_000);
    expect(m.cpuMs).toBe(9);
    // Percentiles are bucket values: equal to the single histogram's.
    for (const q of [50, 99, 99.9]) expect(m.sendDelay.getValueAtPercentile(q)).toBe(all.getValueAtPercentile(q));
    // Drivers ship histograms in the interchange format, which keeps buckets (3 significant
    // digits), not the exact max: compared in that format, everything matches, max included.
    expect(percentiles(m.sendDelay)).toEqual(percentiles(decodeHistogram(encodeHistogram(all))));
  });
});

describe('driver processes', () => {
  it('2 processes send exactly the single generator’s events over their own connections, on the one timeline', async () => {
    const rate = 20_000;
    const seconds = 1;
    const baseTimeMs = Date.now() + 300;
    const got: { driver: number; event: { dateTime?: number } }[] = [];
    const merged = await runDriverPool({
      drivers: 2,
      module: q0.module,
      workloadId: q0.id,
      generatorOptions: {},
      segments: [{ rate, durationS: seconds }],
      baseTimeMs,
      sink: { kind: 'ipc' },
      onEvents: (events, driver) => {
        for (const e of events) got.push({ driver, event: e as { dateTime?: number } });
      },
    });
    const timeline = scheduleTimeline(constantShape(rate, seconds), baseTimeMs);
    const g = q0.generator({ timeline, maxEvents: rate * seconds });
    const want: unknown[] = [];
    while (g.hasNext()) want.push(g.next());
    const key = (e: unknown) => JSON.stringify(e);
    expect(got.map((x) => key(x.event)).sort()).toEqual(want.map(key).sort());
    expect(merged.drivers).toBe(2);
    expect(merged.sent).toBe(rate * seconds);
    expect(merged.sendDelay.totalCount).toBe(rate * seconds);
    expect(merged.where.map((w) => w.index)).toEqual([0, 1]);
    expect(new Set(merged.where.map((w) => w.pid)).size).toBe(2);
    expect(merged.where.every((w) => w.pid !== process.pid)).toBe(true);
    // One host, one system clock: the round-trip estimate is 0 within its bound of a few ms.
    for (const w of merged.where) expect(Math.abs(w.clockOffsetMs)).toBeLessThanOrEqual(merged.maxClockOffsetMs);
    expect(merged.maxClockOffsetMs).toBeGreaterThan(0);
    expect(merged.maxClockOffsetMs).toBeLessThan(50);
    // Each driver sent about half.
    for (const w of merged.where) expect(w.sent).toBeGreaterThan(0.4 * rate * seconds);
  }, 60_000);
});

describe('a run with --drivers 2', () => {
  it('nexmark/q0 on the local backend passes its verdict with the same events as one driver, and says where its drivers ran', async () => {
    const run = (drivers: number) => runBenchmark({ backend: localBackend, workload: q0, target: 'local', rate: 2_000, durationS: 2, drivers, toolVersion: 'test' });
    const one = await run(1);
    const two = await run(2);
    expect(two.verdict.status).toBe('pass');
    expect(one.verdict.status).toBe('pass');
    // The same stream: as many events in, the same answers judged.
    expect(two.summary.eventsIn).toBe(one.summary.eventsIn);
    expect(two.verdict.judgedOn?.eventsJudged).toBe(one.verdict.judgedOn?.eventsJudged);
    expect(two.drivers?.count).toBe(2);
    expect(two.drivers?.where.reduce((s, w) => s + w.sent, 0)).toBe(two.summary.eventsIn);
    expect(two.drivers?.maxClockOffsetMs).toBeLessThan(50);
    expect(two.drivers?.clock).toContain('round trips');
    expect(one.drivers).toBeUndefined();
  }, 120_000);

  it('is refused in one line on the kinesis transport, before anything is planned, and the transport is closed', async () => {
    let closed = false;
    let planned = false;
    const transport = {
      binding: { kind: 'kinesis' as const, region: 'us-east-1', inputStream: 'i', outputStream: 'o', framing: 'x' },
      open: async () => {},
      send: () => {},
      drain: () => {},
      end: () => {},
      close: async () => {
        closed = true;
      },
    };
    const backend = { ...localBackend, transportFor: () => 'kinesis' as const, plan: async (...a: Parameters<typeof localBackend.plan>) => ((planned = true), localBackend.plan(...a)) };
    await expect(runBenchmark({ backend, workload: q0, target: 'local', rate: 1_000, durationS: 1, drivers: 2, transport: transport as never, toolVersion: 'test' })).rejects.toThrow(
      '--drivers 2 runs with the memory transport only for now (this backend uses kinesis).',
    );
    expect(planned).toBe(false);
    expect(closed).toBe(true);
  });
});
