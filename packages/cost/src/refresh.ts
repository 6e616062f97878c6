import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Filter, PricingClient } from '@aws-sdk/client-pricing';
import { z } from 'zod';
import { UserError } from '@streamscore/core';
import { locatePriceBook, PriceBookSchema, userPricesDir, type LocatedPriceBook, type PriceBook, type PriceSource } from './price-book.js';

/**
 * `streamscore prices refresh`: rebuilds a region's price book from the AWS Price List API
 * (GetProducts; the API is served from us-east-1 whatever region is priced) and writes it to
 * `~/.streamscore/prices/<region>.json`, where loadPriceBook finds it before the shipped snapshot.
 *
 * The book it starts from (the current one for the region) says which instance types to look
 * up and supplies every figure the Price List does not return: such figures are kept, listed in
 * the report's `missing`, and keep their old `sources` entry. Usage-type names are matched by
 * suffix, because outside us-east-1 they carry a region prefix (`USE2-…`).
 */

/** Price List API `location` of each region (EC2 matches on it; other services accept it too). */
export const REGION_LOCATIONS: Readonly<Record<string, string>> = {
  'us-east-1': 'US East (N. Virginia)',
  'us-east-2': 'US East (Ohio)',
  'us-west-1': 'US West (N. California)',
  'us-west-2': 'US West (Oregon)',
  'ca-central-1': 'Canada (Central)',
  'eu-west-1': 'EU (Ireland)',
  'eu-west-2': 'EU (London)',
  'eu-west-3': 'EU (Paris)',
  'eu-central-1': 'EU (Frankfurt)',
  'eu-north-1': 'EU (Stockholm)',
  'ap-south-1': 'Asia Pacific (Mumbai)',
  'ap-northeast-1': 'Asia Pacific (Tokyo)',
  'ap-northeast-2': 'Asia Pacific (Seoul)',
  'ap-southeast-1': 'Asia Pacific (Singapore)',
  'ap-southeast-2': 'Asia Pacific (Sydney)',
  'sa-east-1': 'South America (Sao Paulo)',
};

// ---------------------------------------------------------------------------------------------
// The shape of one PriceList entry (a JSON string per product), parsed once here.

const PriceDimensionSchema = z.object({
  unit: z.string(),
  pricePerUnit: z.record(z.string(), z.string()),
  beginRange: z.string().optional(),
  endRange: z.string().optional(),
  description: z.string().optional(),
});

const TermSchema = z.object({
  priceDimensions: z.record(z.string(), PriceDimensionSchema),
  effectiveDate: z.string().optional(),
  offerTermCode: z.string().optional(),
});

export const PriceListItemSchema = z.object({
  product: z.object({
    productFamily: z.string().optional(),
    attributes: z.record(z.string(), z.string()).default({}),
    sku: z.string().optional(),
  }),
  serviceCode: z.string().optional(),
  terms: z.object({ OnDemand: z.record(z.string(), TermSchema).optional() }),
  publicationDate: z.string().optional(),
});
export type PriceListItem = z.infer<typeof PriceListItemSchema>;

export interface PriceDimension {
  unit: string;
  usd: number;
  beginRange: number;
  /** null for "Inf". */
  endRange: number | null;
  description: string;
}

/** The OnDemand price dimensions of an item, in USD, sorted by beginRange. */
export function onDemandDimensions(item: PriceListItem): PriceDimension[] {
  const out: PriceDimension[] = [];
  for (const term of Object.values(item.terms.OnDemand ?? {})) {
    for (const d of Object.values(term.priceDimensions)) {
      const usd = Number(d.pricePerUnit['USD']);
      if (!Number.isFinite(usd)) continue;
      const end = d.endRange === undefined || d.endRange === 'Inf' ? null : Number(d.endRange);
      out.push({ unit: d.unit, usd, beginRange: Number(d.beginRange ?? 0) || 0, endRange: end !== null && Number.isFinite(end) ? end : null, description: d.description ?? '' });
    }
  }
  return out.sort((a, b) => a.beginRange - b.beginRange);
}

function effectiveDate(item: PriceListItem): string | undefined {
  return Object.values(item.terms.OnDemand ?? {})[0]?.effectiveDate;
}

// ---------------------------------------------------------------------------------------------

export interface RefreshOptions {
  /** A Pricing client (tests pass one with a mock); default: region us-east-1, default credentials chain. */
  client?: PricingClient;
  /** Where to write; default ~/.streamscore/prices/<region>.json. */
  out?: string;
  /** Home folder for the default paths (tests). */
  home?: string;
  /** The book to start from; default the one loadPriceBook would use for the region. */
  base?: PriceBook;
  now?: () => Date;
  /** Progress messages. */
  log?: (message: string) => void;
}

export interface RefreshReport {
  book: PriceBook;
  path: string;
  /** Dotted paths of the figures taken from the Price List. */
  updated: string[];
  /** Figures looked up but not found: kept from the base book. */
  missing: string[];
  /** Figures the refresh does not look up: kept from the base book. */
  kept: string[];
  warnings: string[];
  requests: number;
}

const CREDENTIALS_HELP = 'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY';

/** Rebuilds the price book of a region from the AWS Price List API and writes it. */
export async function refreshPriceBook(region: string, opts: RefreshOptions = {}): Promise<RefreshReport> {
  const located = currentBook(region, opts);
  const inUse = located ? `the ${located.origin === 'shipped' ? 'shipped snapshot' : `price book ${located.path}`} dated ${located.book.date}` : 'no price book';
  // A region without a book of its own starts from the us-east-1 snapshot as a template.
  const base = opts.base ?? located?.book ?? currentBook('us-east-1', opts)?.book;
  const location = REGION_LOCATIONS[region] ?? (base?.region === region ? base.location : undefined);
  if (!base || !location) {
    throw new UserError(
      `Cannot refresh prices for ${region}: no Price List location is known for it and there is no price book for it to start from.`,
      `Regions known: ${Object.keys(REGION_LOCATIONS).join(', ')}; or write ~/.streamscore/prices/${region}.json by hand (docs/cost.md).`,
    );
  }
  const template = base.region !== region;
  // The SDK is loaded only when a refresh runs, so importing core stays cheap.
  const sdk = await import('@aws-sdk/client-pricing');
  const client = opts.client ?? new sdk.PricingClient({ region: 'us-east-1' });
  try {
    await client.config.credentials();
  } catch {
    throw new UserError(
      `Refreshing prices needs AWS credentials, and none were found (${CREDENTIALS_HELP}); ${inUse} stays in use.`,
      'Any identity allowed pricing:GetProducts will do; then run `streamscore prices refresh` again.',
    );
  }

  const now = (opts.now ?? (() => new Date()))();
  const date = now.toISOString().slice(0, 10);
  const log = opts.log ?? (() => {});
  const book: PriceBook = structuredClone(base);
  book.region = region;
  book.location = location;
  const r: Omit<RefreshReport, 'book' | 'path'> = { updated: [], missing: [], kept: [], warnings: [], requests: 0 };
  const fetcher = new Fetcher(client, sdk.GetProductsCommand, r, inUse, log);

  const set = (path: string, value: number, old: number, item: PriceListItem, extra = ''): void => {
    if (old > 0 && (value / old > 3 || old / value > 3)) r.warnings.push(`${path}: ${value} from the Price List is far from the previous ${old}; check it.`);
    setSource(book, path, {
      basis: 'aws-price-list',
      ref: `AWS Price List GetProducts ${item.serviceCode ?? ''} sku ${item.product.sku ?? '?'} (${item.product.attributes['usagetype'] ?? item.product.attributes['group'] ?? ''})${extra}`.replace(/\s+/g, ' '),
      asOf: effectiveDate(item)?.slice(0, 10) ?? date,
    });
    r.updated.push(path);
  };
  const loc: Filter = { Type: 'TERM_MATCH', Field: 'location', Value: location };

  // EC2 instances: one query per type.
  for (const [type, spec] of Object.entries(book.ec2.instances)) {
    const path = `ec2.instances.${type}`;
    const items = await fetcher.products('AmazonEC2', [
      loc,
      tm('instanceType', type),
      tm('operatingSystem', 'Linux'),
      tm('tenancy', 'Shared'),
      tm('preInstalledSw', 'NA'),
      tm('capacitystatus', 'Used'),
      tm('licenseModel', 'No License required'),
    ]);
    const hits = items.filter((i) => /BoxUsage:/.test(i.product.attributes['usagetype'] ?? '') && i.product.attributes['instanceType'] === type);
    const found = firstPrice(hits, (d) => d.unit === 'Hrs' && d.usd > 0);
    if (!found) {
      r.missing.push(path);
      continue;
    }
    if (new Set(hits.map((h) => onDemandDimensions(h)[0]?.usd)).size > 1) r.warnings.push(`${path}: several products matched; took sku ${found.item.product.sku ?? '?'}.`);
    const a = found.item.product.attributes;
    const vcpu = Number(a['vcpu']);
    const mem = Number(/([\d.,]+)\s*GiB/.exec(a['memory'] ?? '')?.[1]?.replace(/,/g, ''));
    const old = spec.hourlyUsd;
    spec.hourlyUsd = found.dim.usd;
    if (Number.isInteger(vcpu) && vcpu > 0) spec.vcpu = vcpu;
    if (Number.isFinite(mem) && mem > 0) spec.memoryGiB = mem;
    if (/graviton/i.test(a['physicalProcessor'] ?? '')) spec.architecture = 'arm64';
    set(path, spec.hourlyUsd, old, found.item);
  }

  // EBS gp3: storage, IOPS and throughput above the baseline.
  {
    const items = await fetcher.products('AmazonEC2', [loc, tm('volumeApiName', 'gp3')]);
    const g = book.ebs.gp3;
    const storage = firstPrice(items.filter((i) => i.product.productFamily === 'Storage'), (d) => d.unit === 'GB-Mo');
    if (storage) set('ebs.gp3.gbMonthUsd', storage.dim.usd, swap(g, 'gbMonthUsd', storage.dim.usd), storage.item);
    else r.missing.push('ebs.gp3.gbMonthUsd');
    const iops = firstPrice(items.filter((i) => /VolumeP-IOPS\.gp3$/.test(i.product.attributes['usagetype'] ?? '')), (d) => d.unit === 'IOPS-Mo');
    if (iops) set('ebs.gp3.iopsMonthUsd', iops.dim.usd, swap(g, 'iopsMonthUsd', iops.dim.usd), iops.item);
    else r.missing.push('ebs.gp3.iopsMonthUsd');
    const tp = firstPrice(items.filter((i) => /VolumeP-Throughput\.gp3$/.test(i.product.attributes['usagetype'] ?? '')), (d) => /^(GiBps|MiBps)-mo$/i.test(d.unit));
    if (tp) {
      // The Price List prices gp3 throughput per GiBps-month (1 GiB/s = 1024 MiB/s).
      const v = round(/^GiBps/i.test(tp.dim.unit) ? tp.dim.usd / 1024 : tp.dim.usd);
      set('ebs.gp3.throughputMiBpsMonthUsd', v, swap(g, 'throughputMiBpsMonthUsd', v), tp.item, ` per ${tp.dim.unit}`);
    } else r.missing.push('ebs.gp3.throughputMiBpsMonthUsd');
  }

  // Public IPv4 (billed under AmazonVPC).
  {
    const items = await fetcher.products('AmazonVPC', [loc]);
    const ip = firstPrice(items.filter((i) => /PublicIPv4:InUseAddress$/.test(i.product.attributes['usagetype'] ?? '')), (d) => /^(Hrs|Hours)$/i.test(d.unit));
    if (ip) set('publicIpv4.hourlyUsd', ip.dim.usd, swap(book.publicIpv4, 'hourlyUsd', ip.dim.usd), ip.item);
    else r.missing.push('publicIpv4.hourlyUsd');
  }

  // Managed Service for Apache Flink.
  {
    const items = await fetcher.products('AmazonKinesisAnalytics', [loc]);
    const by = (re: RegExp): PriceListItem[] => items.filter((i) => re.test(i.product.attributes['usagetype'] ?? ''));
    const kpu = firstPrice(by(/KPU-Hour-Java$/i), (d) => d.usd > 0);
    if (kpu) set('kda.kpuHourUsd', kpu.dim.usd, swap(book.kda, 'kpuHourUsd', kpu.dim.usd), kpu.item);
    else r.missing.push('kda.kpuHourUsd');
    const storage = firstPrice(by(/RunningApplicationStorage$/i), (d) => d.usd > 0);
    if (storage) set('kda.runningStorageGbMonthUsd', storage.dim.usd, swap(book.kda, 'runningStorageGbMonthUsd', storage.dim.usd), storage.item);
    else r.missing.push('kda.runningStorageGbMonthUsd');
    const backup = firstPrice(by(/DurableApplicationBackups$/i), (d) => d.usd > 0);
    if (backup) set('kda.durableBackupGbMonthUsd', backup.dim.usd, swap(book.kda, 'durableBackupGbMonthUsd', backup.dim.usd), backup.item);
    else r.missing.push('kda.durableBackupGbMonthUsd');
    r.kept.push('kda.orchestrationKpus', 'kda.minimumSeconds', 'kda.storageGbPerKpu');
  }

  // Lambda: duration tiers per architecture, requests, ephemeral storage.
  {
    const items = await fetcher.products('AWSLambda', [loc]);
    const group = (g: string): PriceListItem[] => items.filter((i) => i.product.attributes['group'] === g);
    for (const [arch, g] of [['x86_64', 'AWS-Lambda-Duration'], ['arm64', 'AWS-Lambda-Duration-ARM']] as const) {
      const path = `lambda.architectures.${arch}`;
      const item = group(g)[0];
      const dims = item ? onDemandDimensions(item).filter((d) => /GB-Second/i.test(d.unit)) : [];
      const tiers = dims.map((d) => ({ upToGbS: d.endRange, gbSecondUsd: d.usd }));
      // Tiers are monthly GB-seconds in the billions; a first bound below a million means another unit.
      const ok =
        tiers.length > 0 &&
        tiers[tiers.length - 1]!.upToGbS === null &&
        tiers.every((t, i) => i === tiers.length - 1 || (t.upToGbS !== null && t.upToGbS >= 1e6 && (i === 0 || t.upToGbS > tiers[i - 1]!.upToGbS!)));
      if (item && ok) {
        const old = book.lambda.architectures[arch].tiers[0]!.gbSecondUsd;
        book.lambda.architectures[arch].tiers = tiers;
        set(path, tiers[0]!.gbSecondUsd, old, item, ` ${tiers.length} tier(s)`);
      } else {
        if (item) r.warnings.push(`${path}: the Price List tiers did not parse (${dims.length} dimension(s)); kept the previous tiers.`);
        r.missing.push(path);
      }
    }
    const req = firstPrice(group('AWS-Lambda-Requests'), (d) => d.usd > 0);
    if (req) set('lambda.requestUsd', req.dim.usd, swap(book.lambda, 'requestUsd', req.dim.usd), req.item);
    else r.missing.push('lambda.requestUsd');
    const reqArm = firstPrice(group('AWS-Lambda-Requests-ARM'), (d) => d.usd > 0);
    if (req && reqArm && reqArm.dim.usd !== req.dim.usd) r.warnings.push(`lambda.requestUsd: arm64 requests cost ${reqArm.dim.usd}, x86_64 ${req.dim.usd}; the book has one request price (x86_64's).`);
    const eph = firstPrice(group('AWS-Lambda-Storage-Duration'), (d) => d.usd > 0);
    if (eph) set('lambda.ephemeralStorageGbSecondUsd', eph.dim.usd, swap(book.lambda, 'ephemeralStorageGbSecondUsd', eph.dim.usd), eph.item);
    else r.missing.push('lambda.ephemeralStorageGbSecondUsd');
  }

  // Kinesis Data Streams.
  {
    const items = await fetcher.products('AmazonKinesis', [loc]);
    const by = (re: RegExp): PriceListItem[] => items.filter((i) => re.test(i.product.attributes['usagetype'] ?? ''));
    const k = book.kinesis;
    const shard = firstPrice(by(/(^|-)Storage-ShardHour$/), (d) => d.usd > 0);
    if (shard) set('kinesis.shardHourUsd', shard.dim.usd, swap(k, 'shardHourUsd', shard.dim.usd), shard.item);
    else r.missing.push('kinesis.shardHourUsd');
    const put = firstPrice(by(/(^|-)PutRequestPayloadUnits$/), (d) => d.usd > 0);
    if (put) set('kinesis.putPayloadUnitsPerMillionUsd', round(put.dim.usd * 1e6), swap(k, 'putPayloadUnitsPerMillionUsd', round(put.dim.usd * 1e6)), put.item, ' ×1e6');
    else r.missing.push('kinesis.putPayloadUnitsPerMillionUsd');
    const sh = firstPrice(by(/(^|-)OnDemand-StreamHour$/), (d) => d.usd > 0);
    if (sh) set('kinesis.onDemand.streamHourUsd', sh.dim.usd, swap(k.onDemand, 'streamHourUsd', sh.dim.usd), sh.item);
    else r.missing.push('kinesis.onDemand.streamHourUsd');
    const inGb = firstPrice(by(/(^|-)OnDemand-BilledIncomingBytes$/), (d) => d.usd > 0);
    if (inGb) set('kinesis.onDemand.ingestGbUsd', inGb.dim.usd, swap(k.onDemand, 'ingestGbUsd', inGb.dim.usd), inGb.item);
    else r.missing.push('kinesis.onDemand.ingestGbUsd');
    const outGb = firstPrice(by(/(^|-)OnDemand-BilledOutgoingBytes$/), (d) => d.usd > 0);
    if (outGb) set('kinesis.onDemand.retrievalGbUsd', outGb.dim.usd, swap(k.onDemand, 'retrievalGbUsd', outGb.dim.usd), outGb.item);
    else r.missing.push('kinesis.onDemand.retrievalGbUsd');
    r.kept.push('kinesis.putPayloadUnitBytes', 'kinesis.onDemand.recordRoundingBytes', 'kinesis.enhancedFanOut');
  }

  // S3 Standard: storage (first tier) and requests.
  {
    const storage = await fetcher.products('AmazonS3', [loc, tm('productFamily', 'Storage'), tm('volumeType', 'Standard')]);
    const st = firstPrice(storage.filter((i) => /(^|-)TimedStorage-ByteHrs$/.test(i.product.attributes['usagetype'] ?? '')), (d) => d.unit === 'GB-Mo' && d.beginRange === 0);
    if (st) set('s3.standardGbMonthUsd', st.dim.usd, swap(book.s3, 'standardGbMonthUsd', st.dim.usd), st.item, ' first tier');
    else r.missing.push('s3.standardGbMonthUsd');
    const reqs = await fetcher.products('AmazonS3', [loc, tm('productFamily', 'API Request')]);
    const t1 = firstPrice(reqs.filter((i) => /(^|-)Requests-Tier1$/.test(i.product.attributes['usagetype'] ?? '')), (d) => d.usd > 0);
    if (t1) set('s3.putPer1000Usd', round(t1.dim.usd * 1000), swap(book.s3, 'putPer1000Usd', round(t1.dim.usd * 1000)), t1.item, ' ×1000');
    else r.missing.push('s3.putPer1000Usd');
    const t2 = firstPrice(reqs.filter((i) => /(^|-)Requests-Tier2$/.test(i.product.attributes['usagetype'] ?? '')), (d) => d.usd > 0);
    if (t2) set('s3.getPer1000Usd', round(t2.dim.usd * 1000), swap(book.s3, 'getPer1000Usd', round(t2.dim.usd * 1000)), t2.item, ' ×1000');
    else r.missing.push('s3.getPer1000Usd');
  }

  // CloudWatch GetMetricData.
  {
    const items = await fetcher.products('AmazonCloudWatch', [loc]);
    const gmd = firstPrice(items.filter((i) => /CW:GMD-Metrics$/.test(i.product.attributes['usagetype'] ?? '')), (d) => d.usd > 0);
    if (gmd) set('cloudwatch.getMetricDataPer1000MetricsUsd', round(gmd.dim.usd * 1000), swap(book.cloudwatch, 'getMetricDataPer1000MetricsUsd', round(gmd.dim.usd * 1000)), gmd.item, ' ×1000');
    else r.missing.push('cloudwatch.getMetricDataPer1000MetricsUsd');
  }

  r.kept.push('ec2.billing', 'ebs.gp3.baselineIops', 'ebs.gp3.baselineThroughputMiBps', 'ebs.gp3.minimumSeconds', 'lambda.freeEphemeralStorageMB', 'cloudwatch.logsIngestGbUsd', 'cloudwatch.logsStorageGbMonthUsd', 'dataTransfer', 'pricingOptions');
  if (template) {
    for (const path of [...r.missing, 'kinesis.enhancedFanOut']) r.warnings.push(`${path}: not found for ${region}; the figure is copied from the ${base.region} book and is not this region's price.`);
  }
  book.date = date;
  book.source =
    `AWS Price List API (GetProducts via the us-east-1 endpoint, location "${location}") on ${date}: ${r.updated.length} figure(s) updated` +
    (r.missing.length ? `; ${r.missing.length} not found there kept from the ${base.region} book dated ${base.date}` : '') +
    '; rules and units not in the Price List (minimums, baselines, unit sizes) kept as documented in docs/cost.md. `sources` gives each figure its origin.';
  const checked = PriceBookSchema.parse(book);
  const path = opts.out ?? join(userPricesDir(opts.home), `${region}.json`);
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, JSON.stringify(checked, null, 2) + '\n');
  renameSync(tmp, path);
  log(`wrote ${path}: ${r.updated.length} updated, ${r.missing.length} missing, ${r.warnings.length} warning(s)`);
  return { book: checked, path, ...r };
}

function currentBook(region: string, opts: RefreshOptions): LocatedPriceBook | undefined {
  try {
    return locatePriceBook(region, opts.home !== undefined ? { home: opts.home } : {});
  } catch {
    return undefined;
  }
}

function tm(field: string, value: string): Filter {
  return { Type: 'TERM_MATCH', Field: field, Value: value };
}

/** Sets obj[key] = value and returns the old value. */
function swap<T extends object, K extends keyof T>(obj: T, key: K, value: T[K]): T[K] {
  const old = obj[key];
  obj[key] = value;
  return old;
}

function round(n: number): number {
  return +n.toPrecision(12);
}

/** Replaces the source of a figure and of everything under it. */
function setSource(book: PriceBook, path: string, source: PriceSource): void {
  for (const k of Object.keys(book.sources)) if (k.startsWith(`${path}.`)) delete book.sources[k];
  book.sources[path] = source;
}

function firstPrice(items: PriceListItem[], accept: (d: PriceDimension) => boolean): { item: PriceListItem; dim: PriceDimension } | undefined {
  for (const item of items) {
    const dim = onDemandDimensions(item).find(accept);
    if (dim) return { item, dim };
  }
  return undefined;
}

const MAX_PAGES = 200;

type PricingSdk = typeof import('@aws-sdk/client-pricing');

class Fetcher {
  constructor(
    private readonly client: PricingClient,
    private readonly Command: PricingSdk['GetProductsCommand'],
    private readonly report: Omit<RefreshReport, 'book' | 'path'>,
    private readonly inUse: string,
    private readonly log: (m: string) => void,
  ) {}

  /** Every product matching the filters, following NextToken; unparsable entries become warnings. */
  async products(serviceCode: string, filters: Filter[]): Promise<PriceListItem[]> {
    const out: PriceListItem[] = [];
    let nextToken: string | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      this.report.requests++;
      let res;
      try {
        res = await this.client.send(
          new this.Command({ ServiceCode: serviceCode, Filters: filters, FormatVersion: 'aws_v1', MaxResults: 100, ...(nextToken ? { NextToken: nextToken } : {}) }),
        );
      } catch (e) {
        throw this.explain(e, serviceCode);
      }
      for (const [i, text] of (res.PriceList ?? []).entries()) {
        let json: unknown;
        try {
          json = JSON.parse(text);
        } catch {
          this.report.warnings.push(`${serviceCode}: PriceList entry ${i} of page ${page + 1} is not JSON; skipped.`);
          continue;
        }
        const parsed = PriceListItemSchema.safeParse(json);
        if (parsed.success) out.push(parsed.data);
        else this.report.warnings.push(`${serviceCode}: PriceList entry ${i} of page ${page + 1} has an unexpected shape (${parsed.error.issues[0]?.path.join('.') ?? ''}: ${parsed.error.issues[0]?.message ?? ''}); skipped.`);
      }
      nextToken = res.NextToken || undefined;
      if (!nextToken) break;
    }
    if (nextToken) this.report.warnings.push(`${serviceCode}: stopped after ${MAX_PAGES} pages.`);
    this.log(`${serviceCode} ${filters.map((f) => `${f.Field}=${f.Value}`).join(' ')}: ${out.length} product(s)`);
    return out;
  }

  private explain(e: unknown, serviceCode: string): UserError {
    const name = (e as { name?: string })?.name ?? 'Error';
    const message = (e as { message?: string })?.message ?? String(e);
    if (/AccessDenied|UnrecognizedClient|InvalidClientTokenId|SignatureDoesNotMatch|ExpiredToken|InvalidSignature/i.test(name)) {
      return new UserError(
        `The AWS Price List API refused the request (${name}: ${message}); ${this.inUse} stays in use.`,
        `Use credentials that are valid and allowed pricing:GetProducts (${CREDENTIALS_HELP}).`,
      );
    }
    if (/Throttl|TooManyRequests/i.test(name)) {
      return new UserError(`The AWS Price List API throttled the refresh (${name}); ${this.inUse} stays in use.`, 'Wait a minute and run `streamscore prices refresh` again.');
    }
    return new UserError(
      `Fetching ${serviceCode} prices from the AWS Price List API failed (${name}: ${message}); ${this.inUse} stays in use.`,
      'Check the network and try again; nothing was written.',
    );
  }
}
