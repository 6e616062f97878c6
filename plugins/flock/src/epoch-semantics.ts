import { UserError, type AnsweredQuery, type AnyWorkload, type KnobValues, type Row } from '@streamscore/core';
import type { FlockHints } from './query.js';

/**
 * Flock's epoch semantics (opt-in, `--knob semantics=flock-epoch`): the queries Flock ran
 * "element-wise" — joins and aggregates over one epoch's payload, nothing kept between epochs —
 * run that way here, so what Flock's published figures measured can be measured, and how far its
 * answers are from the true query said beside them.
 *
 * An epoch is an aligned interval of event time (Flock's NEXMark source generates one epoch of
 * events per second and its benchmark runs q0–q4, q6, q9, q10 and q13 ElementWise:
 * flock-lab/flock, benchmarks/src/nexmark/main.rs and flock-function/src/aws/nexmark/source.rs,
 * read 2026-12-06). Within an epoch the query's own micro-batch SQL runs over that epoch's
 * events; each answer carries its epoch's bounds and is due when the epoch ends.
 */
export const FLOCK_EPOCH_WORKLOADS: readonly string[] = ['nexmark/q3', 'nexmark/q4', 'nexmark/q9'];

export const SEMANTICS = ['query', 'flock-epoch'] as const;
export type Semantics = (typeof SEMANTICS)[number];

/** Flock's NEXMark epoch: one second of event time. */
export const DEFAULT_SEMANTICS_EPOCH_MS = 1000;

export function semanticsOf(k: KnobValues): { semantics: Semantics; epochMs: number } {
  const s = String(k['semantics'] ?? 'query');
  if (!(SEMANTICS as readonly string[]).includes(s)) throw new UserError(`--knob semantics must be ${SEMANTICS.join(' or ')} (got ${s}).`);
  const raw = k['semantics-epoch-ms'] ?? DEFAULT_SEMANTICS_EPOCH_MS;
  const epochMs = Number(raw);
  if (!Number.isInteger(epochMs) || epochMs < 100 || epochMs > 3_600_000) throw new UserError(`--knob semantics-epoch-ms must be an integer from 100 to 3600000 (got ${String(raw)}).`);
  return { semantics: s as Semantics, epochMs };
}

const EPOCH_START = 'epoch_start';
const EPOCH_END = 'epoch_end';

/** The epoch-scoped query of a workload, or undefined when the knobs keep the true query. */
export function flockEpochQuery(workload: AnyWorkload, knobs: KnobValues): AnsweredQuery | undefined {
  const { semantics, epochMs } = semanticsOf(knobs);
  if (semantics === 'query') return undefined;
  if (!FLOCK_EPOCH_WORKLOADS.includes(workload.id)) {
    throw new UserError(
      `--knob semantics=flock-epoch applies to ${FLOCK_EPOCH_WORKLOADS.join(', ')} (the queries Flock ran element-wise and this backend otherwise refuses); ${workload.id} runs its true query on flock.`,
      'Drop the knob for this workload.',
    );
  }
  const sql = workload.sql?.['microbatch-sql'];
  if (!sql) throw new UserError(`${workload.id} has no micro-batch SQL, so it cannot run with Flock's epoch semantics.`);
  const epochOf = (t: number) => t - (((t % epochMs) + epochMs) % epochMs);
  const hints: FlockHints = {
    window: { kind: 'tumbling', sizeMs: epochMs },
    // The query's own SQL over one epoch's tables, each answer stamped with its epoch.
    sql: `SELECT epoch_q.*, \${WINDOW_START} AS ${EPOCH_START}, \${WINDOW_END} AS ${EPOCH_END}\nFROM (\n${sql.replace(/;\s*$/, '')}\n) AS epoch_q`,
  };
  const answeredWorkload: AnyWorkload & { flock: FlockHints } = {
    ...workload,
    title: `${workload.title} (Flock's epoch semantics)`,
    description: `${workload.description} Computed within each ${epochMs} ms epoch of event time, nothing kept between epochs, as Flock ran it.`,
    kind: 'windowed',
    output: {
      columns: [...workload.output.columns, { name: EPOCH_START, type: 'timestamp' }, { name: EPOCH_END, type: 'timestamp' }],
      dueTimeColumn: EPOCH_END,
    },
    reference: (events, params) => {
      const byEpoch = new Map<number, unknown[]>();
      for (const e of events) {
        const s = epochOf(workload.eventTime(e));
        const l = byEpoch.get(s);
        if (l) l.push(e);
        else byEpoch.set(s, [e]);
      }
      const rows: Row[] = [];
      for (const [s, evs] of byEpoch) for (const r of workload.reference(evs, params)) rows.push({ ...r, [EPOCH_START]: s, [EPOCH_END]: s + epochMs });
      return rows;
    },
    timing: (params) => {
      const { watermarkDelayMs } = workload.timing(params);
      return { watermarkDelayMs, horizonMs: epochMs + watermarkDelayMs };
    },
    sql: { 'microbatch-sql': hints.sql! },
    flock: hints,
  };
  delete (answeredWorkload as Partial<AnyWorkload>).incrementalReference;
  return {
    name: 'flock-epoch',
    description: `joins and aggregates within each ${epochMs} ms epoch of event time, no state kept between epochs (Flock's element-wise execution); judged against an epoch-scoped oracle`,
    workload: answeredWorkload,
    asTrueRows: (rows) =>
      // In epoch order, so an updating query's final state is its latest epoch's answer.
      [...rows]
        .sort((a, b) => Number(a[EPOCH_START]) - Number(b[EPOCH_START]))
        .map((r) => {
          const { [EPOCH_START]: _s, [EPOCH_END]: _e, ...rest } = r;
          return rest;
        }),
    // An epoch is judged when it ended by the cut-off: the last judged one ends at the cut-off's epoch start.
    answeredBeforeMs: (cutoffMs) => epochOf(cutoffMs),
  };
}
