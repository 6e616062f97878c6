import * as hdr from 'hdr-histogram-js';
import { SIGNIFICANT_DIGITS, decodeHistogram, newHistogram, type Histogram } from './histogram.js';

// WebAssembly memory is not garbage-collected: a recorder's WASM histogram is freed with it.
const freeWasm = new FinalizationRegistry<Histogram>((h) => h.destroy());
let wasmReady: boolean | undefined;

/** A WebAssembly histogram, or undefined where WebAssembly cannot start. */
function newWasmHistogram(): Histogram | undefined {
  if (wasmReady === undefined) {
    try {
      hdr.initWebAssemblySync();
      wasmReady = true;
    } catch {
      wasmReady = false;
    }
  }
  if (!wasmReady) return undefined;
  return hdr.build({ numberOfSignificantValueDigits: SIGNIFICANT_DIGITS, bitBucketSize: 32, autoResize: true, useWebAssembly: true });
}

/**
 * Two recorders per metric, as OpenMessaging Benchmark keeps them: an interval histogram
 * drained every period and a cumulative one drained at the end.
 *
 * `fast`: values go into one WebAssembly histogram (hdr-histogram-js's WASM build records ~7× as
 * fast as its JS build: `npm run bench -- hdr`), folded into the interval and total histograms
 * (JS build, as every other histogram in the process) whenever either is read. The two builds do
 * not mix in `add`, so only JS histograms ever leave the recorder; the fold is an exact copy.
 */
export class IntervalRecorder {
  private interval: Histogram = newHistogram();
  private readonly all: Histogram = newHistogram();
  private readonly pending: Histogram | undefined;

  constructor(o: { fast?: boolean } = {}) {
    if (o.fast) {
      this.pending = newWasmHistogram();
      if (this.pending) freeWasm.register(this, this.pending);
    }
  }

  /** Every value recorded so far. */
  get total(): Histogram {
    this.fold();
    return this.all;
  }

  /** Records a value in microseconds; negative values (clock skew) are recorded as 0. */
  record(valueUs: number): void {
    const v = valueUs > 0 ? Math.round(valueUs) : 0;
    if (this.pending) {
      this.pending.recordValue(v);
      return;
    }
    this.interval.recordValue(v);
    this.all.recordValue(v);
  }

  /** Records the same value n times (events that fell due in the same millisecond). */
  recordN(valueUs: number, n: number): void {
    const v = valueUs > 0 ? Math.round(valueUs) : 0;
    if (this.pending) {
      this.pending.recordValueWithCount(v, n);
      return;
    }
    this.interval.recordValueWithCount(v, n);
    this.all.recordValueWithCount(v, n);
  }

  /** Returns the interval histogram and starts a new one. */
  drainInterval(): Histogram {
    this.fold();
    const h = this.interval;
    this.interval = newHistogram();
    return h;
  }

  private fold(): void {
    const p = this.pending;
    if (!p || p.totalCount === 0) return;
    const copy = decodeHistogram(hdr.encodeIntoCompressedBase64(p));
    p.reset();
    this.interval.add(copy);
    this.all.add(copy);
  }
}
