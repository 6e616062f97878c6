import type { FaultRecord, Interval, Recovery, Verdict } from '@streamscore/core';
import { CONSUMER_METRICS } from '@streamscore/kinesis';

/**
 * How a run came back from a fault, from its intervals and its verdict alone (so a report can
 * recompute it from a Result). Definitions in docs/faults.md:
 *
 * - the *pre-fault level* comes from the intervals before the fault, skipping the first
 *   `skipS` seconds of start-up. Output is compared as a moving sum over k intervals, k being one
 *   more than the longest run of empty intervals before the fault — so a windowed query that
 *   emits every few seconds is not taken for stalled between its windows;
 * - *detection*: the end of the first interval after the fault whose moving output is under half
 *   the pre-fault median — or, when answers come in bursts (k > 1) and the transport reports the
 *   engine's input lag, whose lag rose above its pre-fault level, if that is earlier;
 * - *output resumed*: the end of the first interval after that with output again;
 * - *lag back*: the first interval after output resumed whose input lag (`inputLagEvents`, else
 *   `inputLagRecords`, reported by the transport) is within the pre-fault highest + 10% (and at
 *   least one second of load);
 * - where output is too sparse to tell a stall (a windowed query answering every few seconds),
 *   detection is the first interval whose input lag rose above that level;
 * - *latency back*: the first interval after the fault, and after output resumed, whose p99 is
 *   within 1.2 × the pre-fault highest interval p99;
 * - records lost and duplicated are the verdict's: a run's answer is checked once, whatever
 *   number of faults it had.
 */
export interface RecoveryOptions {
  /** Seconds of start-up excluded from the pre-fault level. Default 2. */
  skipS?: number;
}

const LAG_KEYS = ['inputLagEvents', 'inputLagRecords'] as const;
const POSITION_KEYS = [CONSUMER_METRICS.events, CONSUMER_METRICS.records] as const;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n === 0 ? 0 : n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

const round = (x: number) => Math.round(x * 1000) / 1000;

export function measureRecovery(firedAtS: number, intervals: readonly Interval[], verdict: Verdict, o: RecoveryOptions = {}): Recovery {
  const skipS = o.skipS ?? 2;
  const notes: string[] = [];
  const lost = (verdict.status === 'unchecked' || verdict.method === 'none') ? 0 : verdict.missing;
  const duplicated = verdict.duplicated ?? 0;
  if ((verdict.status === 'unchecked' || verdict.method === 'none')) notes.push('the answer was not checked: records lost and duplicated are unknown');

  const pre = intervals.filter((iv) => iv.t <= firedAtS && iv.t > skipS);
  const postIdx = intervals.findIndex((iv) => iv.t > firedAtS);
  const post = postIdx < 0 ? [] : intervals.slice(postIdx);
  let latencyPeakP99Us = 0;
  let latencyPeakMaxUs = 0;
  for (const iv of post) {
    latencyPeakP99Us = Math.max(latencyPeakP99Us, iv.latency.percentiles.p99);
    latencyPeakMaxUs = Math.max(latencyPeakMaxUs, iv.latency.percentiles.max);
  }
  const empty: Recovery = {
    detectionS: null,
    outputResumedS: null,
    lagRecoveredS: null,
    latencyRecoveredS: null,
    recoveredS: null,
    latencyPeakP99Us,
    latencyPeakMaxUs,
    lost,
    duplicated,
    notes,
  };
  if (pre.length < 3 || post.length === 0) {
    notes.push(`too few intervals ${pre.length < 3 ? 'before' : 'after'} the fault to measure recovery (${pre.length} before, ${post.length} after)`);
    return empty;
  }

  const all = intervals;
  const at = (iv: Interval) => round(iv.t - firedAtS);
  // The engine's input lag, in events where the transport can tell them, else in records.
  const lagKey = LAG_KEYS.find((key) => pre.some((iv) => typeof iv.backend[key] === 'number'));
  const preLag = lagKey ? pre.map((iv) => iv.backend[lagKey]).filter((v): v is number => typeof v === 'number') : [];
  const lagLevel = lagKey ? Math.max(Math.max(...preLag) * 1.1, lagKey === 'inputLagEvents' ? all[postIdx]!.targetRate : 1) : Infinity;
  const lagAt = (i: number) => (lagKey ? all[i]!.backend[lagKey] : undefined);
  if (!lagKey) notes.push(`no ${LAG_KEYS.join(' or ')} in the intervals: lag recovery not measured`);

  // k: one more than the longest run of empty intervals before the fault.
  let run = 0;
  let longest = 0;
  for (const iv of pre) {
    run = iv.eventsOut === 0 ? run + 1 : 0;
    longest = Math.max(longest, run);
  }
  const k = longest + 1;
  const sparse = k > pre.length / 2;
  const movingOut = (i: number) => {
    let sum = 0;
    for (let j = Math.max(0, i - k + 1); j <= i; j++) sum += all[j]!.eventsOut;
    return sum;
  };
  const preStart = all.indexOf(pre[0]!);
  const preSums: number[] = [];
  for (let i = preStart + k - 1; i < postIdx; i++) preSums.push(movingOut(i));
  const baseline = median(preSums);
  if (sparse || baseline <= 0) {
    notes.push(sparse ? `output before the fault was too sparse (gaps of ${longest} intervals) to tell a stall from it` : 'no output before the fault to tell a stall from');
    if (!lagKey) return empty;
    notes.push(`detection is the first interval whose ${lagKey} rose above its pre-fault level`);
  }
  const lagRose = (i: number) => {
    const lag = lagAt(i);
    return typeof lag === 'number' && lag > lagLevel;
  };
  // Answers in bursts (k > 1) show a stall only k intervals late; the input lag shows it at once.
  const stalled = (i: number) => (!sparse && baseline > 0 ? movingOut(i) < baseline / 2 || (k > 1 && lagRose(i)) : lagRose(i));

  let stall = -1;
  for (let i = postIdx; i < all.length; i++) {
    if (all[i]!.phase === 'drain') break;
    if (stalled(i)) {
      stall = i;
      break;
    }
  }
  let resumed = -1;
  if (stall >= 0) {
    for (let i = stall; i < all.length; i++) {
      if (all[i]!.eventsOut > 0 && (i > stall || !stalled(i))) {
        resumed = i;
        break;
      }
    }
  } else {
    notes.push(sparse || baseline <= 0 ? `${lagKey} never rose above its pre-fault level` : `output never fell under half its pre-fault level (${baseline} records per ${k} interval(s))`);
  }
  const from = stall < 0 ? postIdx : resumed;

  // Readings of a stale gauge say nothing about the lag: they are skipped (see staleReadings).
  const staleAt = from >= 0 ? staleReadings(all, postIdx) : { indices: new Set<number>(), key: undefined };
  let lagIdx = -1;
  if (lagKey && from >= 0) {
    for (let i = Math.max(from, stall); i < all.length; i++) {
      if (staleAt.indices.has(i)) continue;
      const lag = lagAt(i);
      if (typeof lag === 'number' && lag <= lagLevel) {
        lagIdx = i;
        break;
      }
    }
  }
  const staleBefore = lagIdx >= 0 ? [...staleAt.indices].filter((i) => i < lagIdx).sort((a, b) => a - b) : [];
  const lagAtLatest = staleBefore.length > 0 && staleBefore[staleBefore.length - 1] === lagIdx - 1;
  if (staleBefore.length > 0) {
    notes.push(
      `the engine's read position (${staleAt.key}) had not moved since before answers came out again, in ${staleBefore.length} reading(s) up to ${at(all[staleBefore[staleBefore.length - 1]!]!).toFixed(1)} s after the fault: a stale gauge (Flink's REST metric store after a TaskManager restart: docs/faults.md); ${lagAtLatest ? 'the lag was back by the first fresh reading, so lag recovery is an upper bound' : 'those readings were skipped'}`,
    );
  }

  let latIdx = -1;
  const preP99 = Math.max(...pre.filter((iv) => iv.latency.percentiles.count > 0).map((iv) => iv.latency.percentiles.p99), 0);
  if (preP99 > 0 && from >= 0) {
    for (let i = Math.max(from, postIdx); i < all.length; i++) {
      const p = all[i]!.latency.percentiles;
      if (p.count > 0 && p.p99 <= preP99 * 1.2) {
        latIdx = i;
        break;
      }
    }
  }

  // A position that stands still while answers come out is a stale gauge, not an engine that
  // stopped reading: its lag says nothing, and the lag part of recovery is unknown, not "never".
  const stale = lagIdx < 0 && resumed >= 0 && positionFrozen(all.slice(resumed));
  if (stale) notes.push(`the engine's read position (${stale}) did not move after the fault while answers came out: a stale gauge (seen after a Flink TaskManager restart: docs/faults.md); lag recovery not measured`);
  const lagMeasured = lagKey !== undefined && !stale;

  const detectionS = stall >= 0 ? at(all[stall]!) : null;
  const outputResumedS = resumed >= 0 ? at(all[resumed]!) : null;
  const lagRecoveredS = lagIdx >= 0 ? at(all[lagIdx]!) : null;
  const latencyRecoveredS = latIdx >= 0 ? at(all[latIdx]!) : null;
  const parts: (number | null)[] = [stall >= 0 ? outputResumedS : 0, ...(lagMeasured ? [lagRecoveredS] : []), ...(preP99 > 0 ? [latencyRecoveredS] : [])];
  const recoveredS = parts.some((p) => p === null) ? null : Math.max(...(parts as number[]));
  if (stall >= 0 && resumed < 0) notes.push('output did not resume before the run ended');
  return { ...empty, detectionS, outputResumedS, lagRecoveredS, ...(lagAtLatest && lagMeasured ? { lagRecoveredAtLatest: true } : {}), latencyRecoveredS, recoveredS };
}

/**
 * Readings of the engine's position, from `from` on, that belong to a run of at least 3 equal
 * readings under load and come at or after the first answer in that run (from its second reading):
 * an engine that answers has read, so a position that has not moved since before its answers is
 * a stale gauge's (Flink's REST API serves its metric store's last values while a refresh waits on
 * a killed TaskManager), not a position. Readings of a run with no answer (the engine down) stand.
 */
export function staleReadings(all: readonly Interval[], from: number): { indices: Set<number>; key: string | undefined } {
  const indices = new Set<number>();
  const key = POSITION_KEYS.find((k) => all.slice(from).some((iv) => typeof iv.backend[k] === 'number'));
  if (!key) return { indices, key };
  let start = from;
  for (let i = from + 1; i <= all.length; i++) {
    const same = i < all.length && all[i]!.targetRate > 0 && all[i]!.backend[key] === all[start]!.backend[key] && typeof all[i]!.backend[key] === 'number';
    if (same) continue;
    const run = all.slice(start, i);
    const answered = run.findIndex((iv) => iv.eventsOut > 0);
    if (run.length >= 3 && run.every((iv) => iv.targetRate > 0) && answered >= 0) for (let j = start + Math.max(1, answered); j < i; j++) indices.add(j);
    start = i;
  }
  return { indices, key };
}

/**
 * The engine's position key when it holds one value through every interval from output's return
 * to the end, answers came out in them, and the load went on for at least 3 of them: a reader
 * that had truly stopped would give no answers. Undefined otherwise.
 */
function positionFrozen(after: readonly Interval[]): string | undefined {
  const loaded = after.filter((iv) => iv.targetRate > 0);
  if (loaded.length < 3 || !after.some((iv) => iv.eventsOut > 0)) return undefined;
  for (const key of POSITION_KEYS) {
    const vs = after.map((iv) => iv.backend[key]);
    if (vs.every((v) => typeof v === 'number') && new Set(vs).size === 1) return key;
  }
  return undefined;
}

/** Every fired fault of a run with its recovery. */
export function withRecovery(faults: readonly FaultRecord[], intervals: readonly Interval[], verdict: Verdict): FaultRecord[] {
  const fired = faults.filter((f) => f.firedAtS !== null).length;
  return faults.map((f) => {
    if (f.firedAtS === null || f.error) return { ...f };
    const r = measureRecovery(f.firedAtS, intervals, verdict);
    if (fired > 1) r.notes.push(`records lost and duplicated are the run's, shared by its ${fired} faults`);
    return { ...f, recovery: r };
  });
}
