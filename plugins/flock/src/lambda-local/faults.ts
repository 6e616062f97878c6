/**
 * Faults the local Lambda service injects (docs/faults.md), as Lambda shows them to a caller:
 *
 * - crash: the execution environment of the next `count` invocations (of functions whose name
 *   contains `fn`, if given) dies `afterMs` after it received the payload — SIGKILL to the
 *   worker process. Mid-invocation the caller gets `Runtime.ExitError` (a function error: the
 *   async queue retries it twice, a sync caller decides); if the invocation had finished, the
 *   environment is recycled and whatever it held in memory (a group member's window arena) is gone;
 * - throttle: a share of synchronous invocations is refused with 429 TooManyRequestsException
 *   (asynchronous ones are not: Lambda's internal queue absorbs throttles of Event invocations);
 * - timeout: the next `count` invocations never answer, so the function's Timeout ends them
 *   (`Sandbox.Timedout`, the environment is recycled).
 *
 * Which invocations a share hits is decided by a seeded generator, so a run is repeatable.
 */
export interface CrashRule {
  count: number;
  afterMs: number;
  fn?: string;
}

export class LambdaFaults {
  private crashes: CrashRule[] = [];
  private timeouts: { count: number; fn?: string }[] = [];
  private throttle: { share: number; fn?: string } | undefined;
  private seed: number;
  readonly stats = { crashed: 0, throttled: 0, timedOut: 0 };

  constructor(seed = 1) {
    this.seed = seed >>> 0;
  }

  private random(): number {
    // mulberry32
    this.seed = (this.seed + 0x6d2b79f5) >>> 0;
    let t = this.seed;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  crash(rule: CrashRule): void {
    if (!(rule.count >= 1) || !(rule.afterMs >= 0)) throw new RangeError(`a crash needs count ≥ 1 and afterMs ≥ 0 (got ${rule.count}, ${rule.afterMs})`);
    this.crashes.push({ ...rule });
  }

  timeout(count: number, fn?: string): void {
    if (!(count >= 1)) throw new RangeError(`timeouts need count ≥ 1 (got ${count})`);
    this.timeouts.push({ count, ...(fn ? { fn } : {}) });
  }

  setThrottle(rule: { share: number; fn?: string } | undefined): void {
    if (rule && !(rule.share > 0 && rule.share <= 1)) throw new RangeError(`throttle share must be in (0, 1] (got ${rule.share})`);
    this.throttle = rule;
  }

  /** Whether this synchronous invocation is refused with 429. */
  throttles(functionName: string): boolean {
    const t = this.throttle;
    if (!t || (t.fn && !functionName.includes(t.fn)) || this.random() >= t.share) return false;
    this.stats.throttled++;
    return true;
  }

  /** Milliseconds after which this invocation's environment dies; undefined: it does not. */
  takeCrash(functionName: string): number | undefined {
    const r = this.crashes.find((c) => c.count > 0 && (!c.fn || functionName.includes(c.fn)));
    if (!r) return undefined;
    r.count--;
    this.crashes = this.crashes.filter((c) => c.count > 0);
    this.stats.crashed++;
    return r.afterMs;
  }

  /** Whether this invocation hangs until its function's Timeout. */
  takeTimeout(functionName: string): boolean {
    const r = this.timeouts.find((c) => c.count > 0 && (!c.fn || functionName.includes(c.fn)));
    if (!r) return false;
    r.count--;
    this.timeouts = this.timeouts.filter((c) => c.count > 0);
    this.stats.timedOut++;
    return true;
  }
}
