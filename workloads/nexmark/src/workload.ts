import type { AnyWorkload, Workload } from '@streamscore/core';
import type { NexmarkEvent } from './generator/model.js';
import { q0 } from './queries/q0.js';
import { q1 } from './queries/q1.js';
import { q2 } from './queries/q2.js';
import { q3 } from './queries/q3.js';
import { q4 } from './queries/q4.js';
import { q5 } from './queries/q5.js';
import { q7 } from './queries/q7.js';
import { q8 } from './queries/q8.js';
import { q9 } from './queries/q9.js';
import { q11 } from './queries/q11.js';
import { q12 } from './queries/q12.js';

export { q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12 };

/** The NEXMark suite streamscore runs, in query order. */
export const nexmarkWorkloads = [q0, q1, q2, q3, q4, q5, q7, q8, q9, q11, q12] as const;

/** The suite as the registry holds it (event and parameter types erased). */
export const workloads: AnyWorkload[] = [...nexmarkWorkloads];

/** A NEXMark workload by id (`nexmark/q5`) or short name (`q5`); undefined if there is none. */
export function nexmarkWorkload(id: string): Workload<NexmarkEvent, Record<string, unknown>> | undefined {
  const full = id.includes('/') ? id : `nexmark/${id}`;
  return nexmarkWorkloads.find((w) => w.id === full) as Workload<NexmarkEvent, Record<string, unknown>> | undefined;
}
