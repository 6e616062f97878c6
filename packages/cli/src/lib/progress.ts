import type { Progress } from '@streamscore/harness';
import { formatLatencyUs, formatNumber } from './table.js';

/**
 * One progress line: rewritten in place on a terminal, printed every few seconds otherwise
 * (CI logs), always on stderr.
 */
export function progressPrinter(enabled: boolean): { update(p: Progress): void; done(): void } {
  const tty = process.stderr.isTTY;
  let lastPrinted = -Infinity;
  let wrote = false;
  return {
    update(p) {
      if (!enabled) return;
      const pct = Math.min(100, Math.round((p.elapsedS / p.totalS) * 100));
      const line =
        p.phase === 'verify'
          ? `verifying ${formatNumber(p.eventsOut)} output records against the oracle…`
          : `${p.phase.padEnd(7)} ${p.elapsedS.toFixed(0).padStart(4)}/${p.totalS}s ${String(pct).padStart(3)}%  ` +
            `in ${formatNumber(p.eventsIn)}  out ${formatNumber(p.eventsOut)}  ` +
            `rate ${formatNumber(Math.round(p.intervalRate))}/s  p99 ${formatLatencyUs(p.intervalP99Us)}  backlog ${formatNumber(p.backlog)}`;
      if (tty) {
        process.stderr.write(`\r\x1b[2K${line}`);
        wrote = true;
      } else if (p.phase === 'verify' || p.elapsedS - lastPrinted >= 5) {
        process.stderr.write(line + '\n');
        lastPrinted = p.elapsedS;
      }
    },
    done() {
      if (tty && wrote) process.stderr.write('\n');
    },
  };
}
