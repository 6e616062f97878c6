import { describeError, errorName, loadKinesisSdk } from '@streamscore/kinesis';
import type { DoctorClients, DoctorLine } from './doctor.js';

/** What a campaign will use at its peak, checked against the account's quotas. */
export interface CampaignNeeds {
  /** Lambda functions running at once (Flock's workers + source + aggregators). */
  lambdaConcurrency?: number;
  /** KPUs of the largest Managed Flink application. */
  kpusPerApplication?: number;
  /** vCPUs of on-demand Standard instances (A, C, D, H, I, M, R, T, Z) running at once. */
  ec2StandardVcpus?: number;
  /** Open provisioned shards at once, over every stream of the campaign. */
  kinesisShards?: number;
}

interface QuotaSpec {
  check: string;
  service: string;
  /** Service Quotas' code when it is documented; else the quota is found by its name. */
  code?: string;
  name: RegExp;
  need: (n: CampaignNeeds) => number | undefined;
  /** Which backends use it; checked only when one of them is chosen. */
  backends: string[];
  console: string;
}

// Codes from the Service Quotas console (checked 2026-12); a name pattern is the fallback where
// AWS publishes no code in its documentation.
const QUOTAS: QuotaSpec[] = [
  { check: 'Lambda concurrent executions', service: 'lambda', code: 'L-B99A9384', name: /^Concurrent executions$/i, need: (n) => n.lambdaConcurrency, backends: ['flock'], console: 'AWS Lambda' },
  { check: 'Managed Flink KPUs per application', service: 'kinesisanalytics', name: /KPU|processing units/i, need: (n) => n.kpusPerApplication, backends: ['kda'], console: 'Amazon Managed Service for Apache Flink' },
  { check: 'EC2 on-demand Standard vCPUs', service: 'ec2', code: 'L-1216C47A', name: /^Running On-Demand Standard/i, need: (n) => n.ec2StandardVcpus, backends: ['flink'], console: 'Amazon Elastic Compute Cloud (Amazon EC2)' },
];

const ALL_CLOUD = ['flink', 'kda', 'flock'];

async function quotaValue(c: DoctorClients, q: QuotaSpec): Promise<number | undefined> {
  const sq = await import('@aws-sdk/client-service-quotas');
  if (q.code) {
    try {
      const r = await c.quotas.send(new sq.GetServiceQuotaCommand({ ServiceCode: q.service, QuotaCode: q.code }));
      if (r.Quota?.Value !== undefined) return r.Quota.Value;
    } catch (e) {
      // An account that never changed a quota has only the default applied.
      if (errorName(e) !== 'NoSuchResourceException') throw e;
    }
    try {
      const r = await c.quotas.send(new sq.GetAWSDefaultServiceQuotaCommand({ ServiceCode: q.service, QuotaCode: q.code }));
      if (r.Quota?.Value !== undefined) return r.Quota.Value;
    } catch (e) {
      if (errorName(e) !== 'NoSuchResourceException') throw e;
    }
    return undefined;
  }
  let token: string | undefined;
  do {
    const r = await c.quotas.send(new sq.ListServiceQuotasCommand({ ServiceCode: q.service, NextToken: token }));
    const hit = r.Quotas?.find((x) => q.name.test(x.QuotaName ?? ''));
    if (hit?.Value !== undefined) return hit.Value;
    token = r.NextToken;
  } while (token);
  return undefined;
}

function compare(check: string, value: number | undefined, need: number | undefined, fix: string): DoctorLine {
  if (value === undefined) return { area: 'quota', check, status: 'unknown', detail: 'Service Quotas did not report this quota here', fix };
  if (need !== undefined && value < need) return { area: 'quota', check, status: 'missing', detail: `${value} < ${need} needed`, fix };
  return { area: 'quota', check, status: 'ok', detail: need === undefined ? `${value}` : `${value} ≥ ${need} needed` };
}

/** One line per quota the chosen backends use; Kinesis shards for every cloud backend. */
export async function checkQuotas(c: DoctorClients, needs: CampaignNeeds, backends: string[]): Promise<DoctorLine[]> {
  const lines: DoctorLine[] = [];
  for (const q of QUOTAS.filter((x) => x.backends.some((b) => backends.includes(b)))) {
    const fix = `Request an increase in the Service Quotas console (${q.console} → "${q.check}")${q.code ? `, or: aws service-quotas request-service-quota-increase --service-code ${q.service} --quota-code ${q.code} --desired-value ${q.need(needs) ?? 'N'}` : ''}.`;
    try {
      lines.push(compare(q.check, await quotaValue(c, q), q.need(needs), fix));
    } catch (e) {
      const denied = /AccessDenied/.test(errorName(e));
      lines.push({
        area: 'quota',
        check: q.check,
        status: 'unknown',
        detail: `Service Quotas could not be asked: ${describeError(e)}`,
        fix: denied ? 'Allow servicequotas:GetServiceQuota, servicequotas:GetAWSDefaultServiceQuota and servicequotas:ListServiceQuotas to let doctor read quotas.' : fix,
      });
    }
  }
  if (backends.some((b) => ALL_CLOUD.includes(b))) {
    // Kinesis answers its own shard limit and current use, which Service Quotas does not.
    const check = 'Kinesis shards per region';
    try {
      const { DescribeLimitsCommand } = await loadKinesisSdk();
      const r = await c.kinesis.send(new DescribeLimitsCommand({}));
      const free = (r.ShardLimit ?? 0) - (r.OpenShardCount ?? 0);
      const need = needs.kinesisShards;
      const fix = 'Remove leftover streams (`streamscore cleanup --all`) or request a shard-limit increase in the Service Quotas console (Amazon Kinesis Data Streams).';
      lines.push(
        need !== undefined && free < need
          ? { area: 'quota', check, status: 'missing', detail: `${free} free (${r.OpenShardCount} of ${r.ShardLimit} open) < ${need} needed`, fix }
          : { area: 'quota', check, status: 'ok', detail: `${free} free (${r.OpenShardCount} of ${r.ShardLimit} open)${need !== undefined ? ` ≥ ${need} needed` : ''}` },
      );
    } catch (e) {
      lines.push({ area: 'quota', check, status: 'unknown', detail: `Kinesis DescribeLimits failed: ${describeError(e)}`, fix: 'Allow kinesis:DescribeLimits.' });
    }
  }
  return lines;
}
