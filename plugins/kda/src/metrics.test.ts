import { describe, expect, it } from 'vitest';
import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import { METRICS, newMetricsCache, sampleMetrics } from './metrics.js';

/** A CloudWatch answering GetMetricData with one datapoint per metric named in `values`. */
function cloudWatch(values: Record<string, number>): CloudWatchClient {
  return {
    send: async () => ({
      MetricDataResults: METRICS.map((m, i) => ({ Id: `m${i}`, Values: values[m.name] === undefined ? [] : [values[m.name]] })),
    }),
  } as unknown as CloudWatchClient;
}

describe("Managed Flink's input lag", () => {
  it('passes CloudWatch millisBehindLatest on as the consumer metric the transport reports inputLagMs from', async () => {
    const m = await sampleMetrics(cloudWatch({ KPUs: 2, millisBehindLatest: 4_200 }), 'app', newMetricsCache(), Date.now());
    expect(m['millisBehindLatest']).toBe(4_200);
    expect(m['kinesis.consumer.millisBehindLatest']).toBe(4_200);
  });

  it('reports no lag when CloudWatch has none (not a lag of 0)', async () => {
    const m = await sampleMetrics(cloudWatch({ KPUs: 2 }), 'app', newMetricsCache(), Date.now());
    expect(m['KPUs']).toBe(2);
    expect('kinesis.consumer.millisBehindLatest' in m).toBe(false);
  });
});
