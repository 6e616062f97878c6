import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GetProductsCommand, PricingClient, type GetProductsCommandInput } from '@aws-sdk/client-pricing';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isUserError } from '@streamscore/core';
import { loadPriceBook, locatePriceBook, type PriceBook } from './price-book.js';
import { refreshPriceBook } from './refresh.js';

/**
 * A hand-written Price List for us-east-1, each entry shaped like a real GetProducts PriceList
 * JSON string (product.{productFamily, attributes, sku}, serviceCode, terms.OnDemand.<sku>.<offer>
 * .priceDimensions.<rate>.{unit, beginRange, endRange, pricePerUnit.USD}, version, publicationDate),
 * including near-miss products that must not be picked. The fake server applies TERM_MATCH filters
 * and pages two products at a time with NextToken.
 */
interface Dim {
  unit: string;
  usd: string;
  begin?: string;
  end?: string;
  description?: string;
}

const LOCATION = 'US East (N. Virginia)';

function product(serviceCode: string, sku: string, productFamily: string | undefined, attributes: Record<string, string>, dims: Dim[], reserved = false): string {
  const offer = `${sku}.JRTCKXETXF`;
  const priceDimensions = Object.fromEntries(
    dims.map((d, i) => [
      `${offer}.${i === 0 ? '6YS6EN2CT7' : `TIER${i}`}`,
      {
        unit: d.unit,
        endRange: d.end ?? 'Inf',
        description: d.description ?? `${d.usd} per ${d.unit}`,
        appliesTo: [],
        rateCode: `${offer}.${i}`,
        beginRange: d.begin ?? '0',
        pricePerUnit: { USD: d.usd },
      },
    ]),
  );
  const terms: Record<string, unknown> = {
    OnDemand: { [offer]: { priceDimensions, sku, effectiveDate: '2026-11-01T00:00:00Z', offerTermCode: 'JRTCKXETXF', termAttributes: {} } },
  };
  if (reserved) {
    terms['Reserved'] = {
      [`${sku}.4NA7Y494T4`]: {
        priceDimensions: { [`${sku}.4NA7Y494T4.6YS6EN2CT7`]: { unit: 'Hrs', endRange: 'Inf', description: 'reserved', appliesTo: [], rateCode: 'x', beginRange: '0', pricePerUnit: { USD: '0.0100000000' } } },
        sku,
        effectiveDate: '2026-11-01T00:00:00Z',
        offerTermCode: '4NA7Y494T4',
        termAttributes: { LeaseContractLength: '1yr', OfferingClass: 'standard', PurchaseOption: 'No Upfront' },
      },
    };
  }
  return JSON.stringify({
    product: { ...(productFamily ? { productFamily } : {}), attributes: { servicecode: serviceCode, location: LOCATION, locationType: 'AWS Region', regionCode: 'us-east-1', ...attributes }, sku },
    serviceCode,
    terms,
    version: '20261120000000',
    publicationDate: '2026-11-20T00:00:00Z',
  });
}

const ec2 = (type: string, usd: string, vcpu: string, memory: string, processor: string, sku: string): string =>
  product(
    'AmazonEC2',
    sku,
    'Compute Instance',
    {
      instanceType: type,
      vcpu,
      memory,
      physicalProcessor: processor,
      processorArchitecture: '64-bit',
      operatingSystem: 'Linux',
      tenancy: 'Shared',
      preInstalledSw: 'NA',
      capacitystatus: 'Used',
      licenseModel: 'No License required',
      usagetype: `BoxUsage:${type}`,
      operation: 'RunInstances',
      marketoption: 'OnDemand',
    },
    [{ unit: 'Hrs', usd: usd, description: `$${usd} per On Demand Linux ${type} Instance Hour` }],
    true,
  );

const CATALOG: Record<string, string[]> = {
  AmazonEC2: [
    ec2('m5.large', '0.0970000000', '2', '8 GiB', 'Intel Xeon Platinum 8175', 'M5LARGESKU0001'),
    ec2('c6g.xlarge', '0.1360000000', '4', '8 GiB', 'AWS Graviton2 Processor', 'C6GXLSKU000001'),
    // c7g.4xlarge is deliberately absent: the refresh must keep the old figure and say so.
    product('AmazonEC2', 'EBSGP3SKU00001', 'Storage', { volumeApiName: 'gp3', volumeType: 'General Purpose', usagetype: 'EBS:VolumeUsage.gp3' }, [{ unit: 'GB-Mo', usd: '0.0800000000' }]),
    product('AmazonEC2', 'EBSGP3IOPS0001', 'System Operation', { volumeApiName: 'gp3', group: 'EBS IOPS', usagetype: 'EBS:VolumeP-IOPS.gp3' }, [{ unit: 'IOPS-Mo', usd: '0.0050000000' }]),
    product('AmazonEC2', 'EBSGP3TPUT0001', 'Provisioned Throughput', { volumeApiName: 'gp3', usagetype: 'EBS:VolumeP-Throughput.gp3' }, [{ unit: 'GiBps-mo', usd: '40.9600000000' }]),
  ],
  AmazonVPC: [
    product('AmazonVPC', 'IPV4IDLESKU001', undefined, { group: 'VPCPublicIPv4Address', usagetype: 'USE1-PublicIPv4:IdleAddress' }, [{ unit: 'Hrs', usd: '0.0050000000' }]),
    product('AmazonVPC', 'IPV4INUSESKU01', undefined, { group: 'VPCPublicIPv4Address', usagetype: 'USE1-PublicIPv4:InUseAddress' }, [{ unit: 'Hrs', usd: '0.0050000000' }]),
  ],
  AmazonKinesisAnalytics: [
    product('AmazonKinesisAnalytics', 'KDASQLKPU00001', 'Kinesis Analytics', { usagetype: 'USE1-KPU-Hour' }, [{ unit: 'Hours', usd: '0.1100000000' }]),
    product('AmazonKinesisAnalytics', 'KDAJAVAKPU0001', 'Kinesis Analytics', { usagetype: 'USE1-KPU-Hour-Java' }, [{ unit: 'Hours', usd: '0.1100000000' }]),
    product('AmazonKinesisAnalytics', 'KDARUNSTORE001', 'Kinesis Analytics', { usagetype: 'USE1-RunningApplicationStorage' }, [{ unit: 'GB-Mo', usd: '0.1000000000' }]),
    product('AmazonKinesisAnalytics', 'KDABACKUPS0001', 'Kinesis Analytics', { usagetype: 'USE1-DurableApplicationBackups' }, [{ unit: 'GB-Mo', usd: '0.0230000000' }]),
  ],
  AWSLambda: [
    product('AWSLambda', 'LAMBDAEDGE0001', 'Serverless', { group: 'AWS-Lambda-Edge-Duration', usagetype: 'USE1-Lambda-Edge-GB-Second' }, [{ unit: 'Lambda-GB-Second', usd: '0.0000500100' }]),
    product('AWSLambda', 'LAMBDAX86DUR01', 'Serverless', { group: 'AWS-Lambda-Duration', usagetype: 'Lambda-GB-Second' }, [
      { unit: 'Lambda-GB-Second', usd: '0.0000133334', begin: '15000000000', end: 'Inf' },
      { unit: 'Lambda-GB-Second', usd: '0.0000166667', begin: '0', end: '6000000000' },
      { unit: 'Lambda-GB-Second', usd: '0.0000150000', begin: '6000000000', end: '15000000000' },
    ]),
    product('AWSLambda', 'LAMBDAARMDUR01', 'Serverless', { group: 'AWS-Lambda-Duration-ARM', usagetype: 'Lambda-GB-Second-ARM' }, [
      { unit: 'Lambda-GB-Second', usd: '0.0000133334', begin: '0', end: '7500000000' },
      { unit: 'Lambda-GB-Second', usd: '0.0000120001', begin: '7500000000', end: '18750000000' },
      { unit: 'Lambda-GB-Second', usd: '0.0000106667', begin: '18750000000', end: 'Inf' },
    ]),
    product('AWSLambda', 'LAMBDAREQ00001', 'Serverless', { group: 'AWS-Lambda-Requests', usagetype: 'Request' }, [{ unit: 'Requests', usd: '0.0000002000' }]),
    product('AWSLambda', 'LAMBDAREQARM01', 'Serverless', { group: 'AWS-Lambda-Requests-ARM', usagetype: 'Request-ARM' }, [{ unit: 'Requests', usd: '0.0000002000' }]),
    product('AWSLambda', 'LAMBDASTORE001', 'Serverless', { group: 'AWS-Lambda-Storage-Duration', usagetype: 'Lambda-Storage-GB-Second' }, [{ unit: 'GB-Seconds', usd: '0.0000000309' }]),
  ],
  AmazonKinesis: [
    product('AmazonKinesis', 'KDSEXTSHARD001', 'Kinesis Streams', { usagetype: 'Extended-ShardHour', operation: 'shardHourExtended' }, [{ unit: 'ShardHour', usd: '0.0200000000' }]),
    product('AmazonKinesis', 'KDSSHARDHOUR01', 'Kinesis Streams', { usagetype: 'Storage-ShardHour', operation: 'shardHourStorage' }, [{ unit: 'ShardHour', usd: '0.0150000000' }]),
    product('AmazonKinesis', 'KDSPUTUNITS001', 'Kinesis Streams', { usagetype: 'PutRequestPayloadUnits', operation: 'PutRequest' }, [{ unit: 'PutRequest', usd: '0.0000000140' }]),
    product('AmazonKinesis', 'KDSODSTREAM001', 'Kinesis Streams', { usagetype: 'OnDemand-StreamHour', operation: 'OnDemandStreamHr' }, [{ unit: 'StreamHour', usd: '0.0400000000' }]),
    product('AmazonKinesis', 'KDSODIN0000001', 'Kinesis Streams', { usagetype: 'OnDemand-BilledIncomingBytes', operation: 'OnDemandDataIngested' }, [{ unit: 'GB', usd: '0.0800000000' }]),
    product('AmazonKinesis', 'KDSODOUT000001', 'Kinesis Streams', { usagetype: 'OnDemand-BilledOutgoingBytes', operation: 'OnDemandDataRetrieval' }, [{ unit: 'GB', usd: '0.0400000000' }]),
  ],
  AmazonS3: [
    product('AmazonS3', 'S3STDSTORE0001', 'Storage', { storageClass: 'General Purpose', volumeType: 'Standard', usagetype: 'TimedStorage-ByteHrs' }, [
      { unit: 'GB-Mo', usd: '0.0210000000', begin: '512000', end: 'Inf' },
      { unit: 'GB-Mo', usd: '0.0230000000', begin: '0', end: '51200' },
      { unit: 'GB-Mo', usd: '0.0220000000', begin: '51200', end: '512000' },
    ]),
    product('AmazonS3', 'S3INTTIER10001', 'API Request', { group: 'S3-API-INT-Tier1', usagetype: 'Requests-INT-Tier1' }, [{ unit: 'Requests', usd: '0.5000000000' }]),
    product('AmazonS3', 'S3TIER1REQ0001', 'API Request', { group: 'S3-API-Tier1', usagetype: 'Requests-Tier1' }, [{ unit: 'Requests', usd: '0.0000050000' }]),
    product('AmazonS3', 'S3TIER2REQ0001', 'API Request', { group: 'S3-API-Tier2', usagetype: 'Requests-Tier2' }, [{ unit: 'Requests', usd: '0.0000004000' }]),
  ],
  AmazonCloudWatch: [
    'this entry is not JSON',
    product('AmazonCloudWatch', 'CWMETRICMON001', 'Metric', { usagetype: 'CW:MetricMonitorUsage' }, [{ unit: 'Metrics', usd: '0.3000000000' }]),
    product('AmazonCloudWatch', 'CWGMDMETRIC001', 'API Request', { usagetype: 'CW:GMD-Metrics', operation: 'GetMetricData' }, [{ unit: 'Metrics', usd: '0.0000100000' }]),
  ],
};

const PAGE = 2;

/** The fake GetProducts: TERM_MATCH on productFamily or an attribute, two products a page. */
function getProducts(input: GetProductsCommandInput): { FormatVersion: string; PriceList: string[]; NextToken?: string } {
  const all = (CATALOG[input.ServiceCode ?? ''] ?? []).filter((text) => {
    let p: { product: { productFamily?: string; attributes: Record<string, string> } };
    try {
      p = JSON.parse(text);
    } catch {
      return true;
    }
    return (input.Filters ?? []).every((f) => (f.Field === 'productFamily' ? p.product.productFamily : p.product.attributes[f.Field!]) === f.Value);
  });
  const from = input.NextToken ? Number(input.NextToken.split(':')[1]) : 0;
  const page = all.slice(from, from + PAGE);
  return { FormatVersion: 'aws_v1', PriceList: page, ...(from + PAGE < all.length ? { NextToken: `${input.ServiceCode}:${from + PAGE}` } : {}) };
}

const pricing = mockClient(PricingClient);
const withCredentials = (): PricingClient => new PricingClient({ region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' } });

function smallBase(): PriceBook {
  const book = loadPriceBook('us-east-1', { home: mkdtempSync(join(tmpdir(), 'ss-home-')) });
  const keep = ['m5.large', 'c6g.xlarge', 'c7g.4xlarge'];
  return { ...book, ec2: { ...book.ec2, instances: Object.fromEntries(keep.map((t) => [t, book.ec2.instances[t]!])) } };
}

beforeEach(() => {
  pricing.reset();
  pricing.on(GetProductsCommand).callsFake(getProducts);
});
afterEach(() => pricing.reset());

describe('refreshPriceBook', () => {
  it('rebuilds the book from GetProducts, following NextToken, and writes it where loadPriceBook looks first', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const r = await refreshPriceBook('us-east-1', { client: withCredentials(), home, base: smallBase(), now: () => new Date('2026-12-01T09:00:00Z') });

    expect(r.path).toBe(join(home, '.streamscore', 'prices', 'us-east-1.json'));
    expect(existsSync(r.path)).toBe(true);
    const located = locatePriceBook('us-east-1', { home });
    expect(located.origin).toBe('user');
    expect(located.book).toEqual(r.book);
    expect(JSON.parse(readFileSync(r.path, 'utf8')).date).toBe('2026-12-01');

    const b = r.book;
    expect(b.ec2.instances['m5.large']).toEqual({ vcpu: 2, memoryGiB: 8, architecture: 'x86_64', hourlyUsd: 0.097 });
    expect(b.ec2.instances['c6g.xlarge']).toEqual({ vcpu: 4, memoryGiB: 8, architecture: 'arm64', hourlyUsd: 0.136 });
    expect(b.sources['ec2.instances.m5.large']).toMatchObject({ basis: 'aws-price-list', asOf: '2026-11-01' });
    expect(b.sources['ec2.instances.m5.large']!.ref).toContain('M5LARGESKU0001');

    // The missing product keeps its old figure and its old source, and is reported.
    expect(r.missing).toEqual(['ec2.instances.c7g.4xlarge']);
    expect(b.ec2.instances['c7g.4xlarge']!.hourlyUsd).toBe(0.58);
    expect(b.sources['ec2.instances.c7g.4xlarge']).toBeUndefined();

    // Units are converted: GiBps-month to MiB/s-month, per-unit prices to the book's units.
    expect(b.ebs.gp3).toMatchObject({ gbMonthUsd: 0.08, iopsMonthUsd: 0.005, throughputMiBpsMonthUsd: 0.04 });
    expect(b.publicIpv4.hourlyUsd).toBe(0.005);
    expect(b.kda).toMatchObject({ kpuHourUsd: 0.11, runningStorageGbMonthUsd: 0.1, durableBackupGbMonthUsd: 0.023 });
    expect(b.lambda.architectures.x86_64.tiers).toEqual([
      { upToGbS: 6e9, gbSecondUsd: 0.0000166667 },
      { upToGbS: 15e9, gbSecondUsd: 0.000015 },
      { upToGbS: null, gbSecondUsd: 0.0000133334 },
    ]);
    expect(b.lambda.architectures.arm64.tiers.map((t) => t.upToGbS)).toEqual([7.5e9, 18.75e9, null]);
    expect(b.sources['lambda.architectures.arm64.tiers.2']).toBeUndefined(); // replaced by the tiers' new source
    expect(b.sources['lambda.architectures.arm64']).toMatchObject({ basis: 'aws-price-list' });
    expect(b.lambda).toMatchObject({ requestUsd: 0.0000002, ephemeralStorageGbSecondUsd: 0.0000000309 });
    expect(b.kinesis).toMatchObject({ shardHourUsd: 0.015, putPayloadUnitsPerMillionUsd: 0.014 });
    expect(b.kinesis.onDemand).toMatchObject({ streamHourUsd: 0.04, ingestGbUsd: 0.08, retrievalGbUsd: 0.04 });
    expect(b.s3).toEqual({ standardGbMonthUsd: 0.023, putPer1000Usd: 0.005, getPer1000Usd: 0.0004 });
    expect(b.cloudwatch.getMetricDataPer1000MetricsUsd).toBe(0.01);
    expect(r.warnings.some((w) => w.includes('AmazonCloudWatch') && w.includes('not JSON'))).toBe(true);
    expect(r.warnings.some((w) => w.includes('far from'))).toBe(false);
    expect(b.source).toContain('AWS Price List API');

    // Pagination: Lambda's six products took three pages, each asking with the previous NextToken.
    const lambdaCalls = pricing.commandCalls(GetProductsCommand).filter((c) => c.args[0].input.ServiceCode === 'AWSLambda');
    expect(lambdaCalls.map((c) => c.args[0].input.NextToken)).toEqual([undefined, 'AWSLambda:2', 'AWSLambda:4']);
    expect(r.requests).toBe(pricing.commandCalls(GetProductsCommand).length);
  });

  it('asks for Linux, shared tenancy, no pre-installed software, used capacity, in the region’s location', async () => {
    await refreshPriceBook('us-east-1', { client: withCredentials(), home: mkdtempSync(join(tmpdir(), 'ss-home-')), base: smallBase() });
    const calls = pricing.commandCalls(GetProductsCommand).map((c) => c.args[0].input);
    const m5 = calls.find((i) => i.Filters?.some((f) => f.Field === 'instanceType' && f.Value === 'm5.large'));
    expect(m5).toMatchObject({ ServiceCode: 'AmazonEC2', FormatVersion: 'aws_v1', MaxResults: 100 });
    expect(Object.fromEntries(m5!.Filters!.map((f) => [f.Field, f.Value]))).toEqual({
      location: 'US East (N. Virginia)',
      instanceType: 'm5.large',
      operatingSystem: 'Linux',
      tenancy: 'Shared',
      preInstalledSw: 'NA',
      capacitystatus: 'Used',
      licenseModel: 'No License required',
    });
    expect(m5!.Filters!.every((f) => f.Type === 'TERM_MATCH')).toBe(true);
    expect([...new Set(calls.map((i) => i.ServiceCode))].sort()).toEqual([
      'AWSLambda',
      'AmazonCloudWatch',
      'AmazonEC2',
      'AmazonKinesis',
      'AmazonKinesisAnalytics',
      'AmazonS3',
      'AmazonVPC',
    ]);
  });

  it('refuses without AWS credentials before any call, naming what to set and the snapshot in use', async () => {
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const client = new PricingClient({ region: 'us-east-1', credentials: () => Promise.reject(new Error('Could not load credentials from any providers')) });
    const err = await refreshPriceBook('us-east-1', { client, home }).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    const msg = String(err);
    expect(msg).toContain('needs AWS credentials');
    expect(msg).toContain('AWS_PROFILE');
    expect(msg).toContain('AWS_ACCESS_KEY_ID');
    expect(msg).toContain('AWS_SECRET_ACCESS_KEY');
    expect(msg).toContain(`shipped snapshot dated ${loadPriceBook('us-east-1', { home }).date}`);
    expect(pricing.commandCalls(GetProductsCommand)).toHaveLength(0);
    expect(existsSync(join(home, '.streamscore', 'prices', 'us-east-1.json'))).toBe(false);
  });

  it('explains a refused request and writes nothing', async () => {
    pricing.on(GetProductsCommand).rejects(Object.assign(new Error('User is not authorized to perform: pricing:GetProducts'), { name: 'AccessDeniedException' }));
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const err = await refreshPriceBook('us-east-1', { client: withCredentials(), home, base: smallBase() }).catch((e: unknown) => e);
    expect(isUserError(err)).toBe(true);
    expect(String(err)).toContain('AccessDeniedException');
    expect(String(err)).toContain('pricing:GetProducts');
    expect(existsSync(join(home, '.streamscore', 'prices', 'us-east-1.json'))).toBe(false);
  });

  it('writes to --out when given', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ss-out-')), 'nested', 'prices.json');
    const r = await refreshPriceBook('us-east-1', { client: withCredentials(), home: mkdtempSync(join(tmpdir(), 'ss-home-')), base: smallBase(), out });
    expect(r.path).toBe(out);
    expect(loadPriceBook('us-east-1', { path: out }).ec2.instances['m5.large']!.hourlyUsd).toBe(0.097);
  });
});
