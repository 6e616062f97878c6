import { gunzipSync, gzipSync } from 'node:zlib';

/**
 * What a function does, held in its configuration (Flock's ExecutionContext in `flock_context`):
 * every function is created from the same package and reads this from its environment variable
 * `FLOCK_CONTEXT`, gzip-compressed and base64-encoded so it fits Lambda's 4 KB environment limit.
 */
export interface FlockContext {
  v: 1;
  runId: string;
  /** Workload id, for logs. */
  query: string;
  /**
   * `per-event`: every fragment is a whole batch (stateless; any instance may run it).
   * `window-aggregate`: a group member that collects a window's fragments and runs the final
   * stage once all have arrived.
   */
  stage: 'per-event' | 'window-aggregate';
  /** The stage's SQL, parameters rendered; WINDOW_START / WINDOW_END / WINDOW_ID filled per window. */
  sql: string;
  /** This function's place in its group. */
  group?: { name: string; size: number; index: number };
  /** Next hop: a function name, or the run's output stream. */
  next: { kind: 'kinesis'; stream: string; region: string; endpoint?: string } | { kind: 'return' } | { kind: 'function'; name: string };
}

export const CONTEXT_ENV = 'FLOCK_CONTEXT';

export function encodeContext(c: FlockContext): string {
  return gzipSync(Buffer.from(JSON.stringify(c)), { level: 9 }).toString('base64');
}

export function decodeContext(s: string): FlockContext {
  const c = JSON.parse(gunzipSync(Buffer.from(s, 'base64')).toString('utf8')) as FlockContext;
  if (c.v !== 1) throw new Error(`unsupported FLOCK_CONTEXT version ${String(c.v)}`);
  return c;
}
