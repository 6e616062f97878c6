import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { parseReportLine, type ParsedReport } from './lambda-client.js';

/**
 * REPORT lines of asynchronous invocations on AWS. An Event invocation returns no log tail, so
 * its billed duration is read after the run from the function's log group in CloudWatch Logs:
 * `FilterLogEvents` on `/aws/lambda/<function>` with `filterPattern: 'REPORT'`, every page
 * (`nextToken`), between the run's start and now.
 */
export type LogsSdk = typeof import('@aws-sdk/client-cloudwatch-logs');

let sdk: Promise<LogsSdk> | undefined;
export function loadLogsSdk(): Promise<LogsSdk> {
  sdk ??= import('@aws-sdk/client-cloudwatch-logs');
  return sdk;
}

export async function logsClient(o: { region: string; endpoint?: string; credentials?: { accessKeyId: string; secretAccessKey: string } }): Promise<CloudWatchLogsClient> {
  const m = await loadLogsSdk();
  return new m.CloudWatchLogsClient({ region: o.region, ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) });
}

export interface ReportsOfFunction {
  functionName: string;
  reports: ParsedReport[];
  /** FilterLogEvents calls made (pages). */
  pages: number;
}

/** Every REPORT line in one function's log group between `startTime` and `endTime` (ms). */
export async function readReportLines(
  client: CloudWatchLogsClient,
  functionName: string,
  o: { startTime: number; endTime?: number; maxPages?: number },
): Promise<ReportsOfFunction> {
  const { FilterLogEventsCommand } = await loadLogsSdk();
  const reports: ParsedReport[] = [];
  let nextToken: string | undefined;
  let pages = 0;
  do {
    let page;
    try {
      page = await client.send(
        new FilterLogEventsCommand({
          logGroupName: `/aws/lambda/${functionName}`,
          filterPattern: 'REPORT',
          startTime: o.startTime,
          ...(o.endTime !== undefined ? { endTime: o.endTime } : {}),
          ...(nextToken ? { nextToken } : {}),
        }),
      );
    } catch (e) {
      // No log group yet: the function has not logged anything (never invoked, or not yet delivered).
      if ((e as { name?: string }).name === 'ResourceNotFoundException') break;
      throw e;
    }
    pages++;
    for (const ev of page.events ?? []) {
      const r = parseReportLine(ev.message ?? '');
      if (r) reports.push(r);
    }
    nextToken = page.nextToken;
  } while (nextToken && pages < (o.maxPages ?? 10_000));
  return { functionName, reports, pages };
}

/**
 * Reads the REPORT lines of `functions` until at least `expected` have been seen (CloudWatch
 * Logs delivers them a few seconds late) or `waitMs` has passed. Each poll reads everything
 * again: `add` must be idempotent per request id (the driver's addReport is).
 */
export async function collectAsyncReports(
  client: CloudWatchLogsClient,
  functions: readonly string[],
  o: { startTime: number; expected: number; waitMs?: number; pollMs?: number; add: (r: ParsedReport) => void; now?: () => number },
): Promise<{ seen: number; complete: boolean; polls: number }> {
  const now = o.now ?? Date.now;
  const deadline = now() + (o.waitMs ?? 60_000);
  const seen = new Set<string>();
  let polls = 0;
  for (;;) {
    polls++;
    for (const fn of functions) {
      const { reports } = await readReportLines(client, fn, { startTime: o.startTime });
      for (const r of reports) {
        o.add(r);
        seen.add(r.requestId || `${fn}/${seen.size}`);
      }
    }
    if (seen.size >= o.expected) return { seen: seen.size, complete: true, polls };
    if (now() >= deadline) return { seen: seen.size, complete: false, polls };
    await new Promise((r) => setTimeout(r, o.pollMs ?? 5_000));
  }
}
