// Type-only imports: erased at compile time, so loading the harness does not load these SDKs.
import type { IAMClient } from '@aws-sdk/client-iam';
import type { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import type { STSClient } from '@aws-sdk/client-sts';
import { describeError, kinesisClient } from '@streamscore/kinesis';
import type { IamPolicyDocument } from '@streamscore/core';
import { checkQuotas, type CampaignNeeds } from './quotas.js';
import { checkPermissions, principalArnOf } from './permissions.js';

/** One line of `streamscore doctor`: what was checked, what was found, how to fix it. */
export interface DoctorLine {
  area: 'credentials' | 'region' | 'quota' | 'permissions';
  check: string;
  /** ok: checked and fine; missing: checked and not enough; unknown: could not be checked here. */
  status: 'ok' | 'missing' | 'unknown';
  detail: string;
  fix?: string;
}

export interface DoctorReport {
  region: string;
  identity?: { account: string; arn: string };
  lines: DoctorLine[];
  /** True when no line is `missing`. */
  ready: boolean;
}

/** A backend as the doctor needs it: its name and the policy its cloud target needs. */
export interface DoctorBackend {
  name: string;
  target: string;
  policy: IamPolicyDocument;
}

export interface DoctorClients {
  sts: STSClient;
  iam: IAMClient;
  quotas: ServiceQuotasClient;
  kinesis: Awaited<ReturnType<typeof kinesisClient>>;
  destroy(): void;
}

export interface DoctorOptions {
  /** From --region, else AWS_REGION / AWS_DEFAULT_REGION. */
  region?: string;
  env?: Record<string, string | undefined>;
  backends: DoctorBackend[];
  needs?: CampaignNeeds;
  /** Endpoint override for every client (moto's server in tests). */
  endpoint?: string;
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Injected clients (tests with aws-sdk-client-mock). */
  clients?: (region: string) => Promise<DoctorClients>;
}

/** What a first small campaign needs (docs/aws.md's campaign under $1). */
export const SMALL_CAMPAIGN_NEEDS: CampaignNeeds = { lambdaConcurrency: 10, kpusPerApplication: 2, ec2StandardVcpus: 8, kinesisShards: 4 };

export async function defaultDoctorClients(region: string, o: Pick<DoctorOptions, 'endpoint' | 'credentials'>): Promise<DoctorClients> {
  const [{ STSClient }, { IAMClient }, { ServiceQuotasClient }] = await Promise.all([
    import('@aws-sdk/client-sts'),
    import('@aws-sdk/client-iam'),
    import('@aws-sdk/client-service-quotas'),
  ]);
  const config = { region, maxAttempts: 2, ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) };
  const sts = new STSClient(config);
  const iam = new IAMClient(config);
  const quotas = new ServiceQuotasClient(config);
  const kinesis = await kinesisClient({ region, maxAttempts: 2, ...(o.endpoint ? { endpoint: o.endpoint } : {}), ...(o.credentials ? { credentials: o.credentials } : {}) });
  return { sts, iam, quotas, kinesis, destroy: () => [sts, iam, quotas, kinesis].forEach((c) => c.destroy()) };
}

const CREDENTIALS_FIX = 'Configure credentials for the account to run in: AWS_PROFILE (after `aws configure` or `aws sso login`), or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.';

/**
 * Checks, before any money is spent, that a campaign can run in this account and region:
 * credentials and the identity they resolve to, the region, the quotas the campaign needs, and
 * the IAM permissions each chosen backend needs. Never throws for what it finds: every finding
 * is a line with ok / missing / unknown and how to fix it.
 */
export async function runDoctor(o: DoctorOptions): Promise<DoctorReport> {
  const env = o.env ?? process.env;
  const lines: DoctorLine[] = [];
  const region = o.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'];
  if (!region) {
    lines.push({ area: 'region', check: 'region', status: 'missing', detail: 'no region given and none in AWS_REGION or AWS_DEFAULT_REGION', fix: 'Give --region (e.g. us-east-1) or export AWS_REGION.' });
    return { region: '', lines, ready: false };
  }
  if (!/^[a-z]{2}(-gov)?-[a-z]+-\d$/.test(region)) {
    lines.push({ area: 'region', check: 'region', status: 'missing', detail: `"${region}" is not an AWS region name`, fix: 'Give a region such as us-east-1 or eu-west-1.' });
    return { region, lines, ready: false };
  }
  lines.push({ area: 'region', check: 'region', status: 'ok', detail: region });

  const clients = await (o.clients ?? ((r) => defaultDoctorClients(r, o)))(region);
  try {
    let identity: DoctorReport['identity'];
    try {
      const { GetCallerIdentityCommand } = await import('@aws-sdk/client-sts');
      const who = await clients.sts.send(new GetCallerIdentityCommand({}));
      identity = { account: who.Account ?? '?', arn: who.Arn ?? '?' };
      lines.push({ area: 'credentials', check: 'identity', status: 'ok', detail: `${identity.arn} (account ${identity.account})` });
    } catch (e) {
      lines.push({ area: 'credentials', check: 'identity', status: 'missing', detail: `STS GetCallerIdentity failed: ${describeError(e)}`, fix: CREDENTIALS_FIX });
      return { region, lines: lines.map(oneLine), ready: false };
    }
    lines.push(...(await checkQuotas(clients, o.needs ?? SMALL_CAMPAIGN_NEEDS, o.backends.map((b) => b.name))));
    const principal = principalArnOf(identity.arn);
    for (const b of o.backends) lines.push(await checkPermissions(clients.iam, principal, b));
    return { region, identity, lines: lines.map(oneLine), ready: lines.every((l) => l.status !== 'missing') };
  } finally {
    clients.destroy();
  }
}

/** SDK messages run over several lines (deserialisation hints); a doctor line keeps the first. */
function oneLine(l: DoctorLine): DoctorLine {
  return { ...l, detail: l.detail.split('\n')[0]!.trim() };
}
