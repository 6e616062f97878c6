import type { Result } from '@streamscore/core';
import { formatLatencyUs, formatNumber, renderTable } from './table.js';

/** The summary table printed at the end of a run. */
export function summaryTable(r: Result): string {
  const l = r.summary.latency;
  const v = r.verdict;
  const verdict =
    v.status === 'pass'
      ? `pass (${formatNumber(v.matched)} records${v.method === 'final-state' ? ' by key' : ''}, ${formatNumber(v.covered)} due times)`
      : v.status === 'fail'
        ? `FAIL (${formatNumber(v.missing)} missing, ${formatNumber(v.unexpected)} unexpected of ${formatNumber(v.expected)})`
        : `skipped (${v.notes[0] ?? ''})`;
  const rows: [string, string][] = [
    ['workload', `${r.config.workload} on ${r.config.backend} (${r.config.target})`],
    ['target rate', `${formatNumber(r.summary.targetRate)} events/s`],
    ['achieved rate', `${formatNumber(Math.round(r.summary.achievedRate))} events/s`],
    ['events in / out', `${formatNumber(r.summary.eventsIn)} / ${formatNumber(r.summary.eventsOut)}`],
    ['latency p50', formatLatencyUs(l.p50)],
    ['latency p90', formatLatencyUs(l.p90)],
    ['latency p99', formatLatencyUs(l.p99)],
    ['latency p99.9', formatLatencyUs(l.p999)],
    ['latency max', formatLatencyUs(l.max)],
    ['send delay p99', formatLatencyUs(r.summary.sendDelay.p99)],
    ['verdict', verdict],
  ];
  if (v.delivery) rows.push(['delivery', `${v.delivery} (${formatNumber(v.missing)} missing, ${formatNumber(v.duplicated ?? 0)} repeated)`]);
  for (const f of r.faults ?? []) {
    const rec = f.recovery;
    const secs = (x: number | null | undefined) => (x === null || x === undefined ? '—' : `${x.toFixed(1)} s`);
    const what = f.firedAtS === null ? f.error ?? f.effect : `at ${f.firedAtS.toFixed(1)} s: ${f.error ? `failed: ${f.error}` : f.effect}`;
    rows.push([`fault ${f.kind}`, what]);
    if (rec) {
      rows.push([
        '  recovery',
        `detected ${secs(rec.detectionS)}, output back ${secs(rec.outputResumedS)}, lag back ${secs(rec.lagRecoveredS)}, recovered ${secs(rec.recoveredS)}; peak p99 ${formatLatencyUs(rec.latencyPeakP99Us)}`,
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
    formatLatencyUs(t.p99Us),
    formatNumber(Math.round(t.backlogSlope)),
    t.reason,
  ]);
  return (
    `sustainable rate: ${formatNumber(f.sustainedRate)} events/s (p99 ≤ ${f.latencySloMs} ms, backlog growth ≤ ${f.backlogSlopeFraction * 100}% of the rate)\n` +
    renderTable(['rate', 'rep', 'result', 'achieved', 'p99', 'backlog slope', 'why'], rows)
  );
}
