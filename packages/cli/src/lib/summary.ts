import { MIN_ANSWERS_FOR_P99, semanticsLine, type Result, type Verdict } from '@streamscore/core';
import { tailLatencyText } from '@streamscore/report';
import { formatLatencyUs, formatNumber, renderTable } from './table.js';

/**
 * `run`'s exit code: 0 only for a complete run whose answer passed its check. 2 stays the code
 * of bad input (UserError). An interrupted run exits with its signal's code (130 for SIGINT).
 */
export const EXIT_CODES = { pass: 0, fail: 1, unchecked: 3, vacuous: 4, incomplete: 5 } as const;

export function exitCodeOf(r: Result): number {
  if (r.verdict.status === 'fail') return EXIT_CODES.fail;
  if (!r.complete) return EXIT_CODES.incomplete;
  return EXIT_CODES[r.verdict.status];
}

/** One line per verdict state; only pass reads as success. */
export function verdictLine(v: Verdict): string {
  switch (v.status) {
    case 'pass':
      return `pass (${formatNumber(v.matched)} records${v.method === 'final-state' ? ' by key' : ''}, ${formatNumber(v.covered)} due times)`;
    case 'fail':
      return v.method === 'none'
        ? `FAIL (${v.notes[0] ?? 'the check failed'})`
        : `FAIL (${formatNumber(v.missing)} missing, ${formatNumber(v.unexpected)} unexpected of ${formatNumber(v.expected)})`;
    case 'incomplete':
      return `INCOMPLETE (the run did not finish; ${formatNumber(v.matched)} of ${formatNumber(v.expected)} matched, nothing wrong seen)`;
    case 'unchecked':
      return `UNCHECKED (${v.notes[0] ?? 'verification was not run'})`;
    case 'vacuous':
      return 'VACUOUS (nothing was due: the check proves nothing)';
  }
}

/** The summary table printed at the end of a run. */
export function summaryTable(r: Result): string {
  const l = r.summary.latency;
  const v = r.verdict;
  const verdict = verdictLine(v);
  const few = l.count < MIN_ANSWERS_FOR_P99;
  const rows: [string, string][] = [
    ['workload', `${r.config.workload} on ${r.config.backend} (${r.config.target})`],
    ['target rate', `${formatNumber(r.summary.targetRate)} events/s`],
    [
      'achieved rate',
      `${formatNumber(Math.round(r.summary.achievedRate))} events/s` +
        (r.summary.ranS !== undefined && r.summary.ranS < r.summary.measuredS ? ` (over the ${r.summary.ranS.toFixed(1)} s actually run)` : ''),
    ],
    ['events in / out', `${formatNumber(r.summary.eventsIn)} / ${formatNumber(r.summary.eventsOut)}`],
    ['scored answers', `${formatNumber(l.count)} (due within the measured phase, observed under the target load)`],
    ['latency p50', l.count ? formatLatencyUs(l.p50) : '-'],
    // Below MIN_ANSWERS_FOR_P99 answers a p99 is their maximum: say so instead of printing a p99.
    ['latency tail', tailLatencyText(l, formatLatencyUs)],
    ...(few ? [] : ([['latency p99.9', formatLatencyUs(l.p999)]] as [string, string][])),
    ['latency max', l.count ? formatLatencyUs(l.max) : '-'],
    ['send delay p99', formatLatencyUs(r.summary.sendDelay.p99)],
    ['verdict', verdict],
  ];
  if (r.semantics) rows.push(['semantics', semanticsLine(r.semantics)]);
  if (v.delivery) rows.push(['delivery', `${v.delivery} (${formatNumber(v.missing)} missing, ${formatNumber(v.duplicated ?? 0)} repeated)`]);
  for (const f of r.faults ?? []) {
    const rec = f.recovery;
    const secs = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x.toFixed(1)} s`);
    const what = f.firedAtS === null ? f.error ?? f.effect : `at ${f.firedAtS.toFixed(1)} s: ${f.error ? `failed: ${f.error}` : f.effect}`;
    rows.push([`fault ${f.kind}`, what]);
    if (rec) {
      rows.push([
        '  recovery',
        `detected ${secs(rec.detectionS)}, output back ${secs(rec.outputResumedS)}, lag back ${rec.lagRecoveredAtLatest ? '≤ ' : ''}${secs(rec.lagRecoveredS)}, recovered ${rec.lagRecoveredAtLatest && rec.recoveredS === rec.lagRecoveredS ? '≤ ' : ''}${secs(rec.recoveredS)}; peak p99 ${formatLatencyUs(rec.latencyPeakP99Us)}`,
      ]);
    }
  }
  if (r.transportBaseline) {
    const t = r.transportBaseline.latency;
    rows.push(['transport alone', `p50 ${formatLatencyUs(t.p50)}, p99 ${formatLatencyUs(t.p99)} (pass-through, no engine)`]);
  }
  if (!r.complete) rows.push(['complete', `no — ${r.incompleteReason ?? 'interrupted'}`]);
  if (r.cost) rows.push(['cost', `$${r.cost.totalUsd.toFixed(4)} ($${r.cost.perHourUsd.toFixed(3)}/h, $${r.cost.perMillionEventsUsd.toFixed(4)}/M events)`]);
  return renderTable(['metric', 'value'], rows);
}

/** Every trial of a --find-max search. */
export function trialsTable(f: NonNullable<Result['findMax']>): string {
  const rows = f.trials.map((t) => [
    formatNumber(t.rate),
    String(t.repetition + 1),
    t.passed ? 'pass' : 'fail',
    formatNumber(Math.round(t.achievedRate)),
    t.scored === undefined ? formatLatencyUs(t.p99Us) : t.scored < MIN_ANSWERS_FOR_P99 ? `(${t.scored} answers)` : `${formatLatencyUs(t.p99Us)} of ${formatNumber(t.scored)}`,
    formatNumber(Math.round(t.backlogSlope)),
    t.reason,
  ]);
  return (
    `sustainable rate: ${formatNumber(f.sustainedRate)} events/s (p99 ≤ ${f.latencySloMs} ms, backlog growth ≤ ${f.backlogSlopeFraction * 100}% of the rate or within twice its standard error, answer checked and passing)\n` +
    (f.repeat
      ? `median of ${f.repeat.k} searches: ${f.repeat.rates.map(formatNumber).join(', ')} events/s (spread ${formatNumber(f.repeat.min)}–${formatNumber(f.repeat.max)})\n`
      : '') +
    (f.eventsPerSutCpuSecond !== undefined ? `${formatNumber(Math.round(f.eventsPerSutCpuSecond))} events per CPU-second of the system under test\n` : '') +
    renderTable(['rate', 'search', 'result', 'achieved', 'p99 of answers', 'backlog slope', 'why'], rows)
  );
}
