import { decodeHistogram, mergeHistograms, type Histogram } from '@streamscore/core';

/** What each driver process reports when it stops. */
export interface DriverReport {
  index: number;
  /** Where it ran: host name and process id. */
  host: string;
  pid: number;
  sent: number;
  /** Send delay (µs), HdrHistogram interchange format (compressed base64). */
  sendDelay: string;
  /**
   * Its clock's offset from the collector's, ms: estimated from round trips before the load (the
   * probe with the shortest round trip), ± half that round trip (`clockRttMs`). On the collector's
   * host both read one system clock, so it is 0 up to that bound.
   */
  clockOffsetMs: number;
  clockRttMs?: number;
  cpuUserMs: number;
  cpuSystemMs: number;
}

export interface MergedDrivers {
  drivers: number;
  sent: number;
  sendDelay: Histogram;
  where: { index: number; host: string; pid: number; clockOffsetMs: number; sent: number }[];
  /** The widest clock offset between any driver and the collector, plus half its round trip: the bound it puts on latency. */
  maxClockOffsetMs: number;
  cpuMs: number;
}

/**
 * Adds the drivers' reports up: histograms by addition (same bucket layout: µs, 3 significant
 * digits everywhere), so the merged percentiles are exactly those of one histogram holding every
 * sample; counters by sum.
 */
export function mergeDriverReports(reports: readonly DriverReport[]): MergedDrivers {
  const sorted = [...reports].sort((a, b) => a.index - b.index);
  return {
    drivers: sorted.length,
    sent: sorted.reduce((s, r) => s + r.sent, 0),
    sendDelay: mergeHistograms(sorted.map((r) => decodeHistogram(r.sendDelay))),
    where: sorted.map((r) => ({ index: r.index, host: r.host, pid: r.pid, clockOffsetMs: r.clockOffsetMs, sent: r.sent })),
    maxClockOffsetMs: Math.max(0, ...sorted.map((r) => Math.abs(r.clockOffsetMs) + (r.clockRttMs ?? 0) / 2)),
    cpuMs: sorted.reduce((s, r) => s + r.cpuUserMs + r.cpuSystemMs, 0),
  };
}

