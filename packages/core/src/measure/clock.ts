import { performance } from 'node:perf_hooks';

/**
 * The harness clock: wall-clock milliseconds with sub-millisecond resolution, monotone within
 * the process (performance.now() offset by the time origin). Generator event times and
 * arrival stamps both come from it, so latency is one clock's difference.
 */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
