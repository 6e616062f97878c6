import { type AnyWorkload, type HarnessTransport, type Row, IntervalRecorder, dueTimeOf } from '@streamscore/core';
import type { PhaseClock } from './schedule.js';
import { AnswerDigest } from './answer-digest.js';
import { canVerifyStreaming } from './verify-stream.js';

/**
 * Observes the system's answers: counts them, records each one's latency against its due time
 * (all answers, and separately the scored ones: those due within the measured phase), and keeps
 * the rows for verification.
 */
export class Collector {
  // The collector records one value per run of answers: the WebAssembly recorder (`fast`) is
  // ~7× as fast as the JS one (`npm run bench -- hdr`), a share of the harness's core at load.
  /** Latency of every answer, drained per interval. */
  readonly latency = new IntervalRecorder({ fast: true });
  /** Latency of the scored answers only. */
  readonly measuredLatency = new IntervalRecorder({ fast: true });
  /** Scored answers observed since the last interval was sampled. */
  private scoredSinceTick = 0;
  /** Rows kept for the array verifier: only for workloads without a streaming oracle (q12). */
  readonly actual: Row[] = [];
  /** The answer digested for the streaming verifier, in bounded memory (every other workload). */
  readonly answers: AnswerDigest | undefined;
  out = 0;
  keepRows = true;
  private clock: PhaseClock | undefined;

  // Rows observed together with the same due time have the same latency: record them as one
  // value with a count (an HDR record costs ~200 ns; at a million rows/s that matters).
  private runArrival = Number.NaN;
  private runDueMs = Number.NaN;
  private runN = 0;

  constructor(
    private readonly workload: AnyWorkload,
    private readonly transport: HarnessTransport,
  ) {
    this.answers = canVerifyStreaming(workload) ? new AnswerDigest(workload.output) : undefined;
  }

  /** Starts scoring against the run's phases (set once the base time is known). */
  start(clock: PhaseClock): void {
    this.clock = clock;
  }

  /** Stops keeping rows (the verdict will not be computed); counting and latency go on. */
  stopKeepingRows(): void {
    this.keepRows = false;
  }

  /** Scored answers observed since the last call (one interval's worth). */
  takeScored(): number {
    const n = this.scoredSinceTick;
    this.scoredSinceTick = 0;
    return n;
  }

  /** Takes whatever the transport has received. */
  drain(): void {
    this.transport.drain(this.observeRow);
    this.flushRun();
  }

  private readonly observeRow = (row: Row, arrivalMs: number): void => {
    this.out++;
    const due = dueTimeOf(row, this.workload.output);
    if (due !== this.runDueMs || arrivalMs !== this.runArrival) {
      this.flushRun();
      this.runDueMs = due;
      this.runArrival = arrivalMs;
    }
    this.runN++;
    if (!this.keepRows) return;
    if (this.answers) this.answers.add(row);
    else this.actual.push(row);
  };

  private flushRun(): void {
    if (this.runN === 0) return;
    const us = (this.runArrival - this.runDueMs) * 1000;
    this.latency.recordN(us, this.runN);
    const c = this.clock;
    if (c && this.runDueMs >= c.measureStartMs && this.runDueMs <= c.measureEndMs) {
      this.measuredLatency.recordN(us, this.runN);
      this.scoredSinceTick += this.runN;
    }
    this.runN = 0;
  }
}
