import { constantShape, scheduleTimeline, type AnyWorkload, type IncrementalOracle, type Row } from '@streamscore/core';
import { AnswerDigest, verifyRun, verifyStream } from '@streamscore/harness';
import type { BenchRow } from './types.js';

const BASE = Date.UTC(2026, 0, 1);
const RATE = 100_000;

/** Samples heapUsed every 100,000 events the oracle reads (a synchronous verify gives timers no turn). */
class HeapPeak {
  peak = 0;
  private n = 0;
  tick(): void {
    if (++this.n % 100_000 === 0) this.sample();
  }
  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage().heapUsed);
  }
}

/** The workload with its oracles wrapped so that reading events samples the heap. */
function sampled(w: AnyWorkload, heap: HeapPeak): AnyWorkload {
  return {
    ...w,
    reference: (events, p) => {
      heap.sample();
      const rows = w.reference(events, p);
      heap.sample();
      return rows;
    },
    incrementalReference: (p): IncrementalOracle<unknown> => {
      const o = w.incrementalReference!(p);
      return {
        push: (e, emit) => {
          heap.tick();
          o.push(e, emit);
        },
        advance: (low, emit) => o.advance(low, emit),
        end: (emit) => o.end(emit),
      };
    },
  };
}

/** The right answer for n events, fed to `sink` without being kept (the streaming oracle run once). */
function answer(w: AnyWorkload, n: number, sink: (r: Row) => void): void {
  const timeline = scheduleTimeline(constantShape(RATE, n / RATE), BASE);
  const src = w.generator({ timeline, maxEvents: n });
  const o = w.incrementalReference!(w.params.parse({}));
  while (src.hasNext()) {
    const low = src.watermarkMs?.(src.nextEventNumber);
    if (low !== undefined) o.advance(low, sink);
    o.push(src.next(), sink);
  }
  o.end(sink);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/**
 * The streaming verifier (bounded memory) against the array verifier on q0 and q5: events/s of
 * verification (regenerating the events, the oracle, the comparison) and the peak heap while it
 * runs, for a right answer. The array verifier runs at a size it can hold, in the same process.
 */
export async function benchVerify(): Promise<BenchRow[]> {
  const nexmark = (await import('@streamscore/workload-nexmark')) as unknown as { workloads: AnyWorkload[] };
  const big = Number(process.env['BENCH_VERIFY_EVENTS'] ?? 10_000_000);
  const small = Number(process.env['BENCH_VERIFY_ARRAY_EVENTS'] ?? 1_000_000);
  const rows: BenchRow[] = [];
  for (const id of ['nexmark/q0', 'nexmark/q5']) {
    const w = nexmark.workloads.find((x) => x.id === id)!;
    const params = w.params.parse({});

    // Array verifier: events, expected and actual rows all held.
    const arrayActual: Row[] = [];
    answer(w, small, (r) => arrayActual.push(r));
    gc();
    const heapA = new HeapPeak();
    heapA.sample();
    const t0 = performance.now();
    const va = verifyRun({
      workload: sampled(w, heapA),
      params,
      timeline: scheduleTimeline(constantShape(RATE, small / RATE), BASE),
      eventsSent: small,
      generatorOptions: {},
      actual: arrayActual,
      cutoffMs: undefined,
    });
    const sa = (performance.now() - t0) / 1000;
    arrayActual.length = 0;
    gc();

    // Streaming verifier: the answer digested as the collector would, then verified.
    const digest = new AnswerDigest(w.output);
    try {
      // Time the collector's part alone: rows are handed over in batches, as a transport drains.
      let batch: Row[] = [];
      let sr = 0;
      const hand = () => {
        const r0 = performance.now();
        for (const r of batch) digest.add(r);
        sr += (performance.now() - r0) / 1000;
        batch = [];
      };
      answer(w, big, (r) => {
        batch.push(r);
        if (batch.length === 10_000) hand();
      });
      hand();
      gc();
      const heapS = new HeapPeak();
      heapS.sample();
      const t1 = performance.now();
      const vs = verifyStream({
        workload: sampled(w, heapS),
        params,
        timeline: scheduleTimeline(constantShape(RATE, big / RATE), BASE),
        eventsSent: big,
        generatorOptions: {},
        actual: digest,
        cutoffMs: undefined,
      });
      const ss = (performance.now() - t1) / 1000;
      heapS.sample();
      const mib = (b: number) => b / 2 ** 20;
      const fmt = (n: number) => n.toLocaleString('en-US');
      rows.push(
        { name: `${id} streaming verifier, ${fmt(big)} events`, value: big / ss, unit: 'events/s', note: `${vs.status}, ${fmt(vs.expected)} records in ${ss.toFixed(1)} s` },
        { name: `${id} streaming verifier, ${fmt(big)} events: peak heap`, value: mib(heapS.peak), unit: 'MiB', note: 'heapUsed sampled every 100,000 events (garbage included)' },
      );
      if (digest.rows >= 100_000) {
        rows.push({ name: `${id} answer digested in the collector`, value: digest.rows / sr, unit: 'records/s', note: `${fmt(digest.rows)} records: canonical text, 64-bit hash, spool write` });
      }
      rows.push(
        { name: `${id} array verifier, ${fmt(small)} events`, value: small / sa, unit: 'events/s', note: `${va.status}, ${fmt(va.expected)} records in ${sa.toFixed(1)} s` },
        { name: `${id} array verifier, ${fmt(small)} events: peak heap`, value: mib(heapA.peak), unit: 'MiB', note: `${(mib(heapA.peak) / (small / 1e6)).toFixed(0)} MiB per million events; streaming/array speed ${(big / ss / (small / sa)).toFixed(2)}` },
      );
    } finally {
      digest.dispose();
    }
  }
  return rows;
}
