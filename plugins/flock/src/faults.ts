import { UserError, type FaultSpec, type InjectedFault } from '@streamscore/core';
import type { LocalLambdaService } from './lambda-local/server.js';

/**
 * Faults the flock backend injects, on the local target (the local Lambda service does them:
 * lambda-local/faults.ts). On AWS nothing outside a function can kill its environment or make
 * Lambda refuse a call, so there they are refused before the run starts. docs/faults.md.
 *
 * - function-crash[:count=1,after-ms=1,fn=agg]: the next `count` invocations' environments die
 *   `after-ms` after receiving their payload (`fn`: only functions whose name contains it);
 * - function-throttle[:share=20%,fn=…,for=…]: that share of synchronous invocations answered 429;
 * - function-timeout[:count=1,fn=…]: the next `count` invocations run into the function's timeout.
 */
export const FLOCK_FAULTS = ['function-crash', 'function-throttle', 'function-timeout'] as const;

const OPTIONS: Record<string, string[]> = {
  'function-crash': ['count', 'after-ms', 'fn'],
  'function-throttle': ['share', 'fn'],
  'function-timeout': ['count', 'fn'],
};

export function checkFlockFaults(faults: readonly FaultSpec[], target: string): void {
  for (const f of faults) {
    const allowed = OPTIONS[f.kind];
    if (!allowed) continue;
    if (target !== 'local') {
      throw new UserError(
        `flock on target ${target} cannot inject ${f.kind}: on AWS nothing outside a function can crash, throttle or stall it.`,
        'Use --target local (the local Lambda service injects it); kinesis-throttle and network-delay are local-only too.',
      );
    }
    const unknown = Object.keys(f.options).filter((k) => !allowed.includes(k));
    if (unknown.length) throw new UserError(`--fault ${f.kind} has no option ${unknown.join(', ')}; it takes ${allowed.join(', ')}.`);
    const count = f.options['count'];
    if (count !== undefined && !(typeof count === 'number' && Number.isInteger(count) && count >= 1)) {
      throw new UserError(`--fault ${f.kind}: count must be a whole number ≥ 1 (got ${String(count)}).`);
    }
  }
}

export function injectFlockFault(service: LocalLambdaService | undefined, f: FaultSpec): InjectedFault {
  if (!service) throw new UserError(`flock injects ${f.kind} only on the local target, whose Lambda service runs in this process.`);
  const fn = f.options['fn'] === undefined ? undefined : String(f.options['fn']);
  const which = fn ? `functions matching "${fn}"` : 'any function';
  const count = Number(f.options['count'] ?? 1);
  if (f.kind === 'function-crash') {
    const afterMs = Number(f.options['after-ms'] ?? 1);
    service.faults.crash({ count, afterMs, ...(fn ? { fn } : {}) });
    return { effect: `the environments of the next ${count} invocation(s) of ${which} die ${afterMs} ms after receiving their payload (SIGKILL)` };
  }
  if (f.kind === 'function-throttle') {
    const share = typeof f.options['share'] === 'number' ? f.options['share'] : 0.2;
    service.faults.setThrottle({ share, ...(fn ? { fn } : {}) });
    return {
      effect: `${Math.round(share * 100)}% of synchronous invocations of ${which} answered 429 TooManyRequestsException`,
      clear: async () => service.faults.setThrottle(undefined),
    };
  }
  if (f.kind === 'function-timeout') {
    service.faults.timeout(count, fn);
    return { effect: `the next ${count} invocation(s) of ${which} never answer and end at the function's timeout` };
  }
  throw new UserError(`the flock backend does not inject ${f.kind}.`);
}
