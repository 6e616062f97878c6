import type { CloudWatchClient, MetricDataQuery } from '@aws-sdk/client-cloudwatch';
import { CONSUMER_METRICS } from '@streamscore/kinesis';
import { isThrottling, isTransient, loadSdk } from './aws.js';

/** Namespace and dimension the managed service publishes its application metrics under. */
export const NAMESPACE = 'AWS/KinesisAnalytics';

/** The metrics sampled, and the statistic of each over its 1-minute period. */
export const METRICS: readonly { name: string; stat: 'Average' | 'Maximum' }[] = [
  { name: 'KPUs', stat: 'Maximum' },
  { name: 'numRecordsInPerSecond', stat: 'Average' },
  { name: 'numRecordsOutPerSecond', stat: 'Average' },
  { name: 'millisBehindLatest', stat: 'Maximum' },
  { name: 'cpuUtilization', stat: 'Average' },
  { name: 'containerMemoryUtilization', stat: 'Average' },
];

export function metricQueries(applicationName: string, periodS = 60): MetricDataQuery[] {
  return METRICS.map((m, i) => ({
    Id: `m${i}`,
    Label: m.name,
    MetricStat: { Metric: { Namespace: NAMESPACE, MetricName: m.name, Dimensions: [{ Name: 'Application', Value: applicationName }] }, Period: periodS, Stat: m.stat },
    ReturnData: true,
  }));
}

export interface MetricsCache {
  values: Record<string, number>;
  /** When GetMetricData last answered (ms), or was last tried. */
  lastFetchMs: number;
  /** Earliest next call (after throttling, later). */
  nextFetchMs: number;
  backoffMs: number;
  /** Metrics requested so far: what GetMetricData is billed by. */
  requested: number;
}

export function newMetricsCache(): MetricsCache {
  return { values: {}, lastFetchMs: 0, nextFetchMs: 0, backoffMs: 0, requested: 0 };
}

/**
 * The newest datapoint of each metric, from GetMetricData over the last `windowS` seconds. The
 * service publishes once a minute, so the harness's per-second samples are served from the cache
 * and CloudWatch is asked at most every `everyMs`; throttling doubles the pause (up to 10 min)
 * and keeps the last values. Never throws: a failed sample is an empty one.
 */
export async function sampleMetrics(
  cw: CloudWatchClient,
  applicationName: string,
  cache: MetricsCache,
  nowMs: number,
  o: { everyMs?: number; windowS?: number } = {},
): Promise<Record<string, number>> {
  if (nowMs < cache.nextFetchMs) return { ...cache.values };
  const { cw: m } = await loadSdk();
  const queries = metricQueries(applicationName);
  cache.requested += queries.length;
  cache.lastFetchMs = nowMs;
  try {
    const values: Record<string, number> = {};
    let token: string | undefined;
    do {
      const r = await cw.send(
        new m.GetMetricDataCommand({
          StartTime: new Date(nowMs - (o.windowS ?? 300) * 1000),
          EndTime: new Date(nowMs),
          MetricDataQueries: queries,
          ScanBy: 'TimestampDescending',
          ...(token ? { NextToken: token } : {}),
        }),
      );
      for (const res of r.MetricDataResults ?? []) {
        const i = Number(res.Id?.slice(1));
        const name = METRICS[i]?.name;
        const v = res.Values?.[0];
        if (name && v !== undefined && Number.isFinite(v) && values[name] === undefined) values[name] = v;
      }
      token = r.NextToken;
    } while (token);
    // The job jar's source publishes MillisBehindLatest to CloudWatch too (flink-job
    // FramedKinesisSource): the transport's consumer metric, from which it reports inputLagMs.
    const behind = values['millisBehindLatest'];
    if (behind !== undefined) values[CONSUMER_METRICS.millisBehind] = behind;
    cache.values = values;
    cache.backoffMs = 0;
    cache.nextFetchMs = nowMs + (o.everyMs ?? 60_000);
  } catch (e) {
    if (isThrottling(e) || isTransient(e)) {
      cache.backoffMs = Math.min(600_000, Math.max(o.everyMs ?? 60_000, cache.backoffMs * 2));
      cache.nextFetchMs = nowMs + cache.backoffMs;
    } else {
      cache.nextFetchMs = nowMs + (o.everyMs ?? 60_000);
    }
  }
  return { ...cache.values };
}
