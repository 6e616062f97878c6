import { z } from 'zod';

/**
 * Faults a run can inject at set times. The kinds are open: a backend names the kinds it injects
 * in `capabilities.faults`, a transport in `faultKinds`; these are the ones the bundled ones know.
 */
export const KNOWN_FAULT_KINDS = [
  'kill-taskmanager',
  'kill-jobmanager',
  'function-crash',
  'function-throttle',
  'function-timeout',
  'kinesis-throttle',
  'network-delay',
] as const;

export const FaultOptionValueSchema = z.union([z.string(), z.number(), z.boolean()]);

/** One fault of a run's schedule: `KIND@TIME[:key=value,...]` on the command line, or a run file's `faults:` entry. */
export const FaultSpecSchema = z
  .object({
    kind: z.string().regex(/^[a-z][a-z0-9-]*$/, 'fault kinds are lower-case words joined by -'),
    /** Seconds after the load starts (the clock of Result.intervals[].t). */
    atS: z.number().min(0),
    /** How long a fault that lasts (a throttle, a delay) stays on; absent: until the load ends. */
    forS: z.number().positive().optional(),
    options: z.record(z.string(), FaultOptionValueSchema).default({}),
  })
  .strict();
export type FaultSpec = z.infer<typeof FaultSpecSchema>;

/** What injecting a fault did, as the backend or transport that did it tells it. */
export interface InjectedFault {
  /** One line: what was done to what ("SIGKILL to TaskManager 0, pid 1234; restarted"). */
  effect: string;
  /** Ends a lasting fault; called at `atS + forS` (or when the load ends). */
  clear?(): Promise<void>;
}
