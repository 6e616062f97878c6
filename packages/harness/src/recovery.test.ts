import { describe, expect, it } from 'vitest';
import type { Interval, Verdict } from '@streamscore/core';
import { measureRecovery, withRecovery } from './recovery.js';

/** An interval ending at t with `out` records, that p99 (µs) and, when given, the engine's input lag. */
function iv(t: number, out: number, p99: number, lag?: number, rate = 100): Interval {
  const p = { count: out, p50: p99 / 2, p90: p99, p99, p999: p99, max: p99 * 2, mean: p99 / 2 };
  const h = { unit: 'us' as const, significantDigits: 3 as const, encoded: '', percentiles: p };
  return { t, phase: 'measure', targetRate: rate, eventsIn: rate, eventsOut: out, sendBacklog: 0, latency: h, sendDelay: h, backend: lag === undefined ? {} : { inputLagRecords: lag } };
}

/** As `iv`, with the engine's read position and the input lag the transport made of it. */
function at(t: number, out: number, p99: number, position: number, lag: number): Interval {
  return { ...iv(t, out, p99), backend: { 'kinesis.consumer.eventsRead': position, inputLagEvents: lag } };
}

function verdict(o: Partial<Verdict> = {}): Verdict {
  return { status: 'pass', method: 'multiset', matched: 10, missing: 0, unexpected: 0, expected: 10, covered: 1, samples: { missing: [], unexpected: [] }, notes: [], duplicated: 0, delivery: 'exactly-once', ...o };
}

describe('recovery from a fault, worked by hand', () => {
  it('a per-event query: stalls 3 s, catches up, lag and latency back 6 s after the fault', () => {
    const ivs: Interval[] = [];
    for (let t = 1; t <= 8; t++) ivs.push(iv(t, 100, 50_000, t % 2 ? 100 : 120));
    ivs.push(iv(9, 0, 0, 1000), iv(10, 0, 0, 2000), iv(11, 0, 0, 3000));
    ivs.push(iv(12, 300, 4_000_000, 1500), iv(13, 100, 900_000, 200), iv(14, 100, 55_000, 110));
    for (let t = 15; t <= 20; t++) ivs.push(iv(t, 100, 50_000, 100));
    const r = measureRecovery(8.0, ivs, verdict());
    // Pre-fault: 100 records/interval, lag ≤ 120 (level max(132, one second of load 100) = 132), p99 ≤ 50 ms (bound 60 ms).
    expect(r).toMatchObject({ detectionS: 1, outputResumedS: 4, lagRecoveredS: 6, latencyRecoveredS: 6, recoveredS: 6, latencyPeakP99Us: 4_000_000, latencyPeakMaxUs: 8_000_000, lost: 0, duplicated: 0 });
  });

  it('a windowed query emitting every other second is not stalled between windows', () => {
    const ivs: Interval[] = [];
    for (let t = 1; t <= 10; t++) ivs.push(iv(t, t % 2 ? 0 : 50, t % 2 ? 0 : 1_000_000));
    // Fault at 10 s: the 2-interval moving sum is 50 at t=11 (last window before the fault), 0 at t=12.
    ivs.push(iv(11, 0, 0), iv(12, 0, 0), iv(13, 0, 0), iv(14, 120, 5_000_000), iv(15, 0, 0), iv(16, 50, 1_100_000), iv(17, 0, 0), iv(18, 50, 1_000_000));
    const r = measureRecovery(10.0, ivs, verdict());
    expect(r).toMatchObject({ detectionS: 2, outputResumedS: 4, lagRecoveredS: null, latencyRecoveredS: 6, recoveredS: 6 });
    expect(r.notes.join(' ')).toMatch(/no inputLagEvents or inputLagRecords/);
  });

  it('output committed every 10 s (exactly-once): the input lag shows the stall before the output can', () => {
    const ivs: Interval[] = [];
    // 1,000 events/s; answers land with each checkpoint (t = 7, 17, 27); lag ≤ 1,000 events before the fault.
    const lagEv = (t: number, out: number, p99: number, lag: number) => ({ ...iv(t, out, p99), backend: { inputLagEvents: lag } });
    for (let t = 1; t <= 30; t++) ivs.push(lagEv(t, t % 10 === 7 ? 20 : 0, t % 10 === 7 ? 14_000_000 : 0, t % 2 ? 600 : 1000));
    // Fault at 30 s: lag 900 at 31 (under 1,100), 2,500 at 32; climbs; output again at 50; lag back at 55; p99 back at 60.
    for (let t = 31; t <= 49; t++) ivs.push(lagEv(t, 0, 0, t === 31 ? 900 : 2500 + (t - 32) * 1000));
    ivs.push(lagEv(50, 300, 40_000_000, 15_000));
    for (let t = 51; t <= 54; t++) ivs.push(lagEv(t, 0, 0, 15_000 - (t - 50) * 3000));
    for (let t = 55; t <= 65; t++) ivs.push(lagEv(t, t === 60 ? 20 : 0, t === 60 ? 13_000_000 : 0, 1000));
    const r = measureRecovery(30.0, ivs, verdict());
    expect(r).toMatchObject({ detectionS: 2, outputResumedS: 20, lagRecoveredS: 25, latencyRecoveredS: 30, recoveredS: 30, latencyPeakP99Us: 40_000_000 });
    // Without the lag, the stall shows only when 10 intervals have passed without an answer.
    const noLag = measureRecovery(30.0, ivs.map((x) => ({ ...x, backend: {} })), verdict());
    expect(noLag.detectionS).toBe(7);
  });

  it('a read position frozen after the fault while answers come out: lag recovery unknown, not never', () => {
    // As Flink's REST metric store served it after a TaskManager restart: position 2,579 for ever,
    // so the transport's lag grows by the rate though the job answers again.
    const ivs: Interval[] = [];
    for (let t = 1; t <= 8; t++) ivs.push(at(t, 100, 50_000, t * 100, 0));
    ivs.push(at(9, 0, 0, 900, 100), at(10, 0, 0, 900, 200), at(11, 0, 0, 900, 300));
    for (let t = 12; t <= 16; t++) ivs.push(at(t, 100, t === 12 ? 3_000_000 : 50_000, 900, (t - 8) * 100));
    const r = measureRecovery(8.0, ivs, verdict());
    expect(r).toMatchObject({ detectionS: 1, outputResumedS: 4, lagRecoveredS: null, latencyRecoveredS: 5, recoveredS: 5 });
    expect(r.notes.join(' ')).toMatch(/kinesis\.consumer\.eventsRead\) did not move after the fault/);
    // The same lag from a position that moves is a job that never caught up: not recovered.
    const moving = ivs.map((x, i) => ({ ...x, backend: { ...x.backend, 'kinesis.consumer.eventsRead': i } }));
    const n = measureRecovery(8.0, moving, verdict());
    expect(n.lagRecoveredS).toBeNull();
    expect(n.recoveredS).toBeNull();
  });

  it('a position that stands still for a while after output returns, then moves on: lag recovery an upper bound', () => {
    // Flink's metric store refreshes again once its ask to the killed TaskManager times out
    // (web.timeout): the position holds 900 from 12 s to 15 s while answers come out, then reads
    // the true 1,600 at 16 s — the lag is already back (0) by the first fresh reading.
    const ivs: Interval[] = [];
    for (let t = 1; t <= 8; t++) ivs.push(at(t, 100, 50_000, t * 100, 0));
    ivs.push(at(9, 0, 0, 900, 100), at(10, 0, 0, 900, 200), at(11, 0, 0, 900, 300));
    for (let t = 12; t <= 15; t++) ivs.push(at(t, 100, t === 12 ? 3_000_000 : 50_000, 900, (t - 8) * 100));
    for (let t = 16; t <= 20; t++) ivs.push(at(t, 100, 50_000, t * 100, 0));
    const r = measureRecovery(8.0, ivs, verdict());
    // Output back at 12 s (4 s after the fault); readings 13–15 are stale; lag back by 16 s (≤ 8 s).
    expect(r).toMatchObject({ detectionS: 1, outputResumedS: 4, lagRecoveredS: 8, lagRecoveredAtLatest: true, latencyRecoveredS: 5, recoveredS: 8 });
    expect(r.notes.join(' ')).toMatch(/in 4 reading\(s\) up to 7\.0 s after the fault: a stale gauge .* an upper bound/);
    // A position that moves all along has no stale readings: the lag's own return is timed exactly.
    const moving = ivs.map((x, i) => ({ ...x, backend: { ...x.backend, 'kinesis.consumer.eventsRead': i * 100 } }));
    const m = measureRecovery(8.0, moving, verdict());
    expect(m.lagRecoveredS).toBe(8);
    expect(m.lagRecoveredAtLatest).toBeUndefined();
  });

  it('a fault the output never felt: no detection, recovered at once when latency held', () => {
    const ivs: Interval[] = [];
    for (let t = 1; t <= 12; t++) ivs.push(iv(t, 100, 40_000));
    const r = measureRecovery(6.0, ivs, verdict());
    expect(r).toMatchObject({ detectionS: null, outputResumedS: null, latencyRecoveredS: 1, recoveredS: 1 });
    expect(r.notes.join(' ')).toMatch(/never fell/);
  });

  it('output that never comes back: not recovered, and says so', () => {
    const ivs: Interval[] = [];
    for (let t = 1; t <= 6; t++) ivs.push(iv(t, 100, 40_000));
    for (let t = 7; t <= 12; t++) ivs.push(iv(t, 0, 0));
    const r = measureRecovery(6.0, ivs, verdict({ status: 'fail', missing: 600, matched: 600, expected: 1200, delivery: 'lossy' }));
    expect(r).toMatchObject({ detectionS: 1, outputResumedS: null, recoveredS: null, lost: 600 });
    expect(r.notes.join(' ')).toMatch(/did not resume/);
  });

  it('records lost and duplicated come from the verdict, shared by every fault of the run', () => {
    const ivs: Interval[] = [];
    for (let t = 1; t <= 12; t++) ivs.push(iv(t, 100, 40_000));
    const v = verdict({ status: 'fail', unexpected: 7, duplicated: 7, delivery: 'at-least-once' });
    const faults = withRecovery(
      [
        { kind: 'kill-taskmanager', atS: 4, options: {}, by: 'backend', firedAtS: 4.01, effect: 'killed' },
        { kind: 'kinesis-throttle', atS: 5, options: {}, by: 'transport', firedAtS: 5, effect: 'throttling' },
        { kind: 'kill-jobmanager', atS: 50, options: {}, by: 'backend', firedAtS: null, effect: 'not fired' },
      ],
      ivs,
      v,
    );
    expect(faults.map((f) => f.recovery?.duplicated)).toEqual([7, 7, undefined]);
    expect(faults[0]!.recovery!.notes.join(' ')).toMatch(/shared by its 2 faults/);
  });
});
