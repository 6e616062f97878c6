import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { UserError } from '@streamscore/core';

/**
 * The price book: AWS list prices for one region, with the date they were taken and where each
 * figure comes from. A dated snapshot per region ships in `packages/cost/resources/prices/`;
 * `streamscore prices refresh` rebuilds one from the AWS Price List API into
 * `~/.streamscore/prices/<region>.json`, which then takes precedence. docs/cost.md explains every
 * field and the billing rules that use them.
 */
export const PRICE_BOOK_SCHEMA_VERSION = 1;

const Usd = z.number().nonnegative();
const Positive = z.number().positive();
const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}/, 'an ISO date (YYYY-MM-DD…)');

export const ArchitectureSchema = z.enum(['x86_64', 'arm64']);
export type Architecture = z.infer<typeof ArchitectureSchema>;

export const InstanceTypeSchema = z.object({
  vcpu: z.number().int().positive(),
  memoryGiB: Positive,
  architecture: ArchitectureSchema,
  /** On-demand Linux, shared tenancy, $ per instance-hour. */
  hourlyUsd: Usd,
  /** Burstable (T family): sustained CPU above baseline costs CPU credits, not priced here. */
  burstable: z.boolean().optional(),
});
export type InstanceType = z.infer<typeof InstanceTypeSchema>;

/** One duration tier: applies to the account's monthly GB-seconds up to `upToGbS` (null: no limit). */
export const LambdaTierSchema = z.object({ upToGbS: Positive.nullable(), gbSecondUsd: Usd });
export type LambdaTier = z.infer<typeof LambdaTierSchema>;

const LambdaTiersSchema = z
  .array(LambdaTierSchema)
  .min(1)
  .refine((tiers) => tiers[tiers.length - 1]!.upToGbS === null, 'the last tier must be open-ended (upToGbS: null)')
  .refine(
    (tiers) => tiers.every((t, i) => i === 0 || (tiers[i - 1]!.upToGbS !== null && (t.upToGbS === null || t.upToGbS > tiers[i - 1]!.upToGbS!))),
    'tiers must be in increasing order of upToGbS',
  );

export const PriceSourceSchema = z.object({
  /** aws-price-list: GetProducts; aws-doc: an AWS page read; third-party: a copy of an AWS page; memory: written from knowledge, unchecked. */
  basis: z.enum(['aws-price-list', 'aws-doc', 'third-party', 'memory']),
  ref: z.string(),
  asOf: IsoDate,
  note: z.string().optional(),
});
export type PriceSource = z.infer<typeof PriceSourceSchema>;

export const PriceBookSchema = z.object({
  schemaVersion: z.literal(PRICE_BOOK_SCHEMA_VERSION),
  region: z.string(),
  /** The Price List API's `location` for the region, e.g. "US East (N. Virginia)". */
  location: z.string(),
  currency: z.literal('USD'),
  /** When the figures were taken. */
  date: IsoDate,
  /** One sentence: where the book as a whole comes from. */
  source: z.string(),
  /** Month length used only for projections ($/hour of a GB-month price). Bills use the calendar month. */
  hoursPerMonth: Positive,
  ec2: z.object({
    billing: z.object({ perSecond: z.boolean(), minimumSeconds: z.number().nonnegative() }),
    instances: z.record(z.string(), InstanceTypeSchema),
  }),
  ebs: z.object({
    gp3: z.object({
      gbMonthUsd: Usd,
      /** $ per provisioned IOPS-month above the baseline. */
      iopsMonthUsd: Usd,
      /** $ per provisioned MiB/s-month above the baseline. */
      throughputMiBpsMonthUsd: Usd,
      baselineIops: z.number().nonnegative(),
      baselineThroughputMiBps: z.number().nonnegative(),
      minimumSeconds: z.number().nonnegative(),
    }),
  }),
  publicIpv4: z.object({ hourlyUsd: Usd }),
  kda: z.object({
    kpuHourUsd: Usd,
    /** Extra KPUs billed per Apache Flink application for orchestration. */
    orchestrationKpus: z.number().nonnegative(),
    minimumSeconds: z.number().nonnegative(),
    runningStorageGbMonthUsd: Usd,
    storageGbPerKpu: z.number().nonnegative(),
    durableBackupGbMonthUsd: Usd,
  }),
  lambda: z.object({
    /** $ per request (the page says $0.20 per 1M). */
    requestUsd: Usd,
    /** $ per GB-second of configured ephemeral storage above the free amount. */
    ephemeralStorageGbSecondUsd: Usd,
    freeEphemeralStorageMB: z.number().nonnegative(),
    architectures: z.object({ x86_64: z.object({ tiers: LambdaTiersSchema }), arm64: z.object({ tiers: LambdaTiersSchema }) }),
  }),
  kinesis: z.object({
    shardHourUsd: Usd,
    putPayloadUnitsPerMillionUsd: Usd,
    putPayloadUnitBytes: Positive,
    onDemand: z.object({ streamHourUsd: Usd, ingestGbUsd: Usd, retrievalGbUsd: Usd, recordRoundingBytes: Positive }),
    enhancedFanOut: z.object({ consumerShardHourUsd: Usd, retrievalGbUsd: Usd }),
  }),
  s3: z.object({ standardGbMonthUsd: Usd, putPer1000Usd: Usd, getPer1000Usd: Usd }),
  cloudwatch: z.object({
    getMetricDataPer1000MetricsUsd: Usd,
    /** CloudWatch Logs standard ingestion, $ per GB (Lambda's REPORT lines land here). */
    logsIngestGbUsd: Usd,
    /** CloudWatch Logs storage, $ per GB-month (compressed archive). */
    logsStorageGbMonthUsd: Usd,
  }),
  /** Data transfer between Availability Zones of one region: charged on each side, $ per GB in each direction. */
  dataTransfer: z.object({ interAzGbUsd: Usd }),
  /**
   * Discounts off on-demand for a pricing option, as a fraction (0.3 = 30% off), by service. Savings
   * Plans cover EC2 and Lambda (Compute Savings Plans), never Managed Flink or Kinesis; Spot covers EC2.
   */
  pricingOptions: z.record(z.enum(['savings-1y', 'savings-3y', 'spot']), z.object({ ec2: z.number().min(0).max(1), lambda: z.number().min(0).max(1), kda: z.number().min(0).max(1) })),
  /**
   * Where each figure comes from, keyed by its dotted path in this book. A figure without its own
   * key takes the source of its nearest parent (`ec2.instances.m5.large` → `ec2.instances.m5` →
   * `ec2.instances` → `ec2`).
   */
  sources: z.record(z.string(), PriceSourceSchema),
});
export type PriceBook = z.infer<typeof PriceBookSchema>;

/** The source of a figure: its own entry or its nearest parent's. */
export function sourceOf(book: PriceBook, path: string): PriceSource | undefined {
  let key = path;
  for (;;) {
    const s = book.sources[key];
    if (s) return s;
    const cut = key.lastIndexOf('.');
    if (cut < 0) return undefined;
    key = key.slice(0, cut);
  }
}

// ---------------------------------------------------------------------------------------------
// Loading

const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** Where the snapshots that ship with the package live (works from src/ and from dist/). */
export function shippedPricesDir(): string {
  return fileURLToPath(new URL('../resources/prices/', import.meta.url));
}

/** `~/.streamscore/prices` (or under `home`). */
export function userPricesDir(home: string = homedir()): string {
  return join(home, '.streamscore', 'prices');
}

/** Regions with a price book: the shipped snapshots plus any in the user's prices folder. */
export function knownRegions(home?: string): string[] {
  const regions = new Set<string>();
  for (const dir of [shippedPricesDir(), userPricesDir(home)]) {
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir)) if (f.endsWith('.json')) regions.add(f.slice(0, -'.json'.length));
  }
  return [...regions].sort();
}

export interface LoadPriceBookOptions {
  /** A price book file to use instead of the override and the shipped snapshot. */
  path?: string;
  /** Home folder holding `.streamscore/prices` (tests; default the user's). */
  home?: string;
}

export type PriceBookOrigin = 'file' | 'user' | 'shipped';

export interface LocatedPriceBook {
  book: PriceBook;
  path: string;
  /** file: an explicit path; user: ~/.streamscore/prices; shipped: the package's snapshot. */
  origin: PriceBookOrigin;
  /** Set when the user's book is older than the snapshot shipped with this version. */
  note?: string;
}

/**
 * Finds and reads the price book for a region: an explicit path, else
 * `~/.streamscore/prices/<region>.json` (written by `streamscore prices refresh` or by hand),
 * else the snapshot that ships with the package. Every way it can fail is a UserError.
 */
export function locatePriceBook(region: string, opts: LoadPriceBookOptions = {}): LocatedPriceBook {
  if (opts.path) return { book: readPriceBookFile(opts.path, region), path: opts.path, origin: 'file' };
  if (!REGION_PATTERN.test(region)) {
    throw new UserError(`"${region}" is not an AWS region name.`, `Use one of: ${knownRegions(opts.home).join(', ')}.`);
  }
  const user = join(userPricesDir(opts.home), `${region}.json`);
  const shipped = join(shippedPricesDir(), `${region}.json`);
  if (existsSync(user)) {
    const book = readPriceBookFile(user, region);
    const located: LocatedPriceBook = { book, path: user, origin: 'user' };
    if (existsSync(shipped)) {
      const shippedDate = readPriceBookFile(shipped, region).date;
      if (shippedDate > book.date) located.note = `${user} (${book.date}) is older than the snapshot shipped with this version (${shippedDate}); delete it or run \`streamscore prices refresh\`.`;
    }
    return located;
  }
  if (existsSync(shipped)) return { book: readPriceBookFile(shipped, region), path: shipped, origin: 'shipped' };
  throw new UserError(
    `No price book for region ${region}. Known regions: ${knownRegions(opts.home).join(', ')}.`,
    `Run \`streamscore prices refresh --region ${region}\` with AWS credentials to build one, or pass a price book file.`,
  );
}

/** The price book for a region (see locatePriceBook for where it comes from). */
export function loadPriceBook(region: string, opts: LoadPriceBookOptions = {}): PriceBook {
  return locatePriceBook(region, opts).book;
}

/** Reads and validates a price book file; `region`, when given, must match the book's. */
export function readPriceBookFile(path: string, region?: string): PriceBook {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read price book ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Check the path.');
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UserError(`Price book ${path} is not JSON.`, 'Fix the file, or delete it to fall back to the shipped snapshot.');
  }
  const book = parsePriceBook(json, path);
  if (region && book.region !== region) {
    throw new UserError(`Price book ${path} is for region ${book.region}, not ${region}.`, `Use a price book for ${region}.`);
  }
  return book;
}

/** Validates a price book; `where` names it in the error. */
export function parsePriceBook(json: unknown, where = 'price book'): PriceBook {
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version > PRICE_BOOK_SCHEMA_VERSION) {
    throw new UserError(
      `${where} has price book schemaVersion ${version}; this streamscore reads up to ${PRICE_BOOK_SCHEMA_VERSION}.`,
      'Upgrade streamscore, or refresh the price book with this version.',
    );
  }
  const parsed = PriceBookSchema.safeParse(json);
  if (!parsed.success) {
    const shown = parsed.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
      .join('; ');
    throw new UserError(
      `${where} is not a valid price book: ${shown} (${parsed.error.issues.length} problem(s)).`,
      'See docs/cost.md for the format, or delete the file to fall back to the shipped snapshot.',
    );
  }
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Looking things up

/** The price and shape of an EC2 instance type; a UserError naming the known types if absent. */
export function instanceSpec(book: PriceBook, type: string): InstanceType {
  const spec = book.ec2.instances[type];
  if (!spec) {
    throw new UserError(
      `No price for EC2 instance type ${type} in the ${book.region} price book (${book.date}). Known types: ${Object.keys(book.ec2.instances).join(', ')}.`,
      `Add it to ~/.streamscore/prices/${book.region}.json or run \`streamscore prices refresh\`.`,
    );
  }
  return spec;
}

/** Instance types in the book, optionally one architecture only. */
export function listInstanceTypes(book: PriceBook, architecture?: Architecture): Array<InstanceType & { type: string }> {
  return Object.entries(book.ec2.instances)
    .filter(([, s]) => !architecture || s.architecture === architecture)
    .map(([type, s]) => ({ type, ...s }));
}

// ---------------------------------------------------------------------------------------------
// Describing (for `streamscore prices`)

export interface PriceRow {
  service: string;
  item: string;
  usd: number;
  unit: string;
  /** Dotted path of the figure in the book. */
  path: string;
  basis: PriceSource['basis'] | 'unknown';
  asOf: string;
  ref: string;
}

export interface PriceBookDescription {
  region: string;
  location: string;
  date: string;
  currency: string;
  source: string;
  rows: PriceRow[];
}

/** Every priced figure of a book as table rows, each with its source. */
export function describePriceBook(book: PriceBook): PriceBookDescription {
  const rows: PriceRow[] = [];
  const row = (service: string, item: string, usd: number, unit: string, path: string): void => {
    const s = sourceOf(book, path);
    rows.push({ service, item, usd, unit, path, basis: s?.basis ?? 'unknown', asOf: s?.asOf ?? book.date, ref: s?.ref ?? '' });
  };
  for (const [type, spec] of Object.entries(book.ec2.instances)) {
    const shape = `${spec.vcpu} vCPU, ${spec.memoryGiB} GiB, ${spec.architecture}${spec.burstable ? ', burstable' : ''}`;
    row('EC2', `${type} (${shape})`, spec.hourlyUsd, 'instance-hour', `ec2.instances.${type}`);
  }
  const g = book.ebs.gp3;
  row('EBS', 'gp3 storage', g.gbMonthUsd, 'GB-month', 'ebs.gp3.gbMonthUsd');
  row('EBS', `gp3 IOPS above ${g.baselineIops}`, g.iopsMonthUsd, 'IOPS-month', 'ebs.gp3.iopsMonthUsd');
  row('EBS', `gp3 throughput above ${g.baselineThroughputMiBps} MiB/s`, g.throughputMiBpsMonthUsd, 'MiB/s-month', 'ebs.gp3.throughputMiBpsMonthUsd');
  row('VPC', 'public IPv4 address', book.publicIpv4.hourlyUsd, 'IP-hour', 'publicIpv4.hourlyUsd');
  const k = book.kda;
  row('Managed Flink', `KPU (+${k.orchestrationKpus} orchestration KPU per application)`, k.kpuHourUsd, 'KPU-hour', 'kda.kpuHourUsd');
  row('Managed Flink', `running application storage (${k.storageGbPerKpu} GB per KPU)`, k.runningStorageGbMonthUsd, 'GB-month', 'kda.runningStorageGbMonthUsd');
  row('Managed Flink', 'durable application backups', k.durableBackupGbMonthUsd, 'GB-month', 'kda.durableBackupGbMonthUsd');
  for (const arch of ['x86_64', 'arm64'] as const) {
    let from = 0;
    book.lambda.architectures[arch].tiers.forEach((t, i) => {
      const range = t.upToGbS === null ? `over ${fmtCount(from)}` : `${fmtCount(from)}–${fmtCount(t.upToGbS)}`;
      row('Lambda', `duration ${arch}, ${range} GB-s/month`, t.gbSecondUsd, 'GB-second', `lambda.architectures.${arch}.tiers.${i}`);
      if (t.upToGbS !== null) from = t.upToGbS;
    });
  }
  row('Lambda', 'requests', +(book.lambda.requestUsd * 1e6).toPrecision(12), 'million requests', 'lambda.requestUsd');
  row('Lambda', `ephemeral storage above ${book.lambda.freeEphemeralStorageMB} MB`, book.lambda.ephemeralStorageGbSecondUsd, 'GB-second', 'lambda.ephemeralStorageGbSecondUsd');
  const ks = book.kinesis;
  row('Kinesis', 'provisioned shard', ks.shardHourUsd, 'shard-hour', 'kinesis.shardHourUsd');
  row('Kinesis', `PUT payload units (${ks.putPayloadUnitBytes} bytes each)`, ks.putPayloadUnitsPerMillionUsd, 'million units', 'kinesis.putPayloadUnitsPerMillionUsd');
  row('Kinesis', 'on-demand stream', ks.onDemand.streamHourUsd, 'stream-hour', 'kinesis.onDemand.streamHourUsd');
  row('Kinesis', `on-demand data in (records rounded up to ${ks.onDemand.recordRoundingBytes} bytes)`, ks.onDemand.ingestGbUsd, 'GB', 'kinesis.onDemand.ingestGbUsd');
  row('Kinesis', 'on-demand data out', ks.onDemand.retrievalGbUsd, 'GB', 'kinesis.onDemand.retrievalGbUsd');
  row('Kinesis', 'enhanced fan-out consumer', ks.enhancedFanOut.consumerShardHourUsd, 'consumer-shard-hour', 'kinesis.enhancedFanOut.consumerShardHourUsd');
  row('Kinesis', 'enhanced fan-out data out', ks.enhancedFanOut.retrievalGbUsd, 'GB', 'kinesis.enhancedFanOut.retrievalGbUsd');
  row('S3', 'Standard storage', book.s3.standardGbMonthUsd, 'GB-month', 's3.standardGbMonthUsd');
  row('S3', 'PUT/COPY/POST/LIST requests', book.s3.putPer1000Usd, '1,000 requests', 's3.putPer1000Usd');
  row('S3', 'GET requests', book.s3.getPer1000Usd, '1,000 requests', 's3.getPer1000Usd');
  row('CloudWatch', 'GetMetricData', book.cloudwatch.getMetricDataPer1000MetricsUsd, '1,000 metrics', 'cloudwatch.getMetricDataPer1000MetricsUsd');
  row('CloudWatch', 'Logs ingestion', book.cloudwatch.logsIngestGbUsd, 'GB', 'cloudwatch.logsIngestGbUsd');
  row('CloudWatch', 'Logs storage', book.cloudwatch.logsStorageGbMonthUsd, 'GB-month', 'cloudwatch.logsStorageGbMonthUsd');
  row('Data transfer', 'between Availability Zones (each direction)', book.dataTransfer.interAzGbUsd, 'GB', 'dataTransfer.interAzGbUsd');
  return { region: book.region, location: book.location, date: book.date, currency: book.currency, source: book.source, rows };
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${+(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${+(n / 1e6).toFixed(2)}M`;
  return String(n);
}
