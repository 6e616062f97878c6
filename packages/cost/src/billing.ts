import type { CostBreakdown, LedgerEntry } from '@streamscore/core';
import type { Architecture, PriceBook } from './price-book.js';
import { lambdaUsageLines, tierOffsetFor, type TierOffset } from './lambda.js';

/**
 * Cost = ledger × price book, with each service's billing rules (minimums, granularity, tiers).
 * Every rule is applied by the ledger entry's `kind`; docs/cost.md lists them with worked
 * examples. Nothing here throws on an unknown kind or a missing price: such an entry becomes a
 * $0 line whose rule starts with "no price", so a report shows what was not costed.
 */

export type CostLine = CostBreakdown['lines'][number];

export interface CostOptions {
  /** Events the run processed; perMillionEventsUsd divides by it (0 events → 0). */
  events: number;
  /** When the run ended (ms since epoch): resources with no end are billed up to here. */
  runEndMs: number;
  /** Lambda GB-seconds the account already used this month (one figure, or per architecture). Default 0: first tier. */
  tierOffsetGbS?: TierOffset;
  /**
   * Month length for GB-month prices. Default: the calendar month (UTC) each second falls in, as
   * AWS prorates (e.g. EBS: GB × seconds / seconds in the month). Projections pass book.hoursPerMonth.
   */
  monthHours?: number;
}

/** A $0 line that marks something not costed; reports can pick these out. */
export function isUnpricedLine(line: CostLine): boolean {
  return line.rule.startsWith('no price');
}

/** Kinds that run on this machine and cost nothing. */
export function isLocalKind(kind: string): boolean {
  return kind === 'process' || kind === 'local' || kind.startsWith('local-');
}

/** Kinds AWS does not charge for by themselves; their usage is billed under another kind. */
export const FREE_KINDS: Readonly<Record<string, string>> = {
  'lambda-function': 'no charge for a function itself; its invocations are billed under lambda-invocations',
  'lambda-event-source-mapping': 'no charge for an event source mapping; the invocations it makes are billed under lambda-invocations',
  'iam-role': 'IAM is free',
  'iam-policy': 'IAM is free',
  'iam-instance-profile': 'IAM is free',
  'security-group': 'no charge for a security group',
  'key-pair': 'no charge for a key pair',
  's3-bucket': 'no charge for a bucket; its objects and requests are billed under s3-object / s3-requests',
};

const HOUR_MS = 3_600_000;
const GIB = 1024 ** 3;

/** Months (as a fraction) between two instants: per calendar month (UTC), or a fixed month length. */
export function monthsBetween(startMs: number, endMs: number, monthHours?: number): number {
  if (!(endMs > startMs)) return 0;
  if (monthHours) return (endMs - startMs) / (monthHours * HOUR_MS);
  let total = 0;
  let t = startMs;
  while (t < endMs) {
    const d = new Date(t);
    const monthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    const next = Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    const segEnd = Math.min(endMs, next);
    total += (segEnd - t) / (next - monthStart);
    t = segEnd;
  }
  return total;
}

export interface BillingContext {
  book: PriceBook;
  opts: CostOptions;
  lambdaUsed: Record<Architecture, number>;
}

interface Span {
  startMs: number;
  endMs: number;
  /** Whole seconds the resource existed (rounded up; 0 if end ≤ start). */
  seconds: number;
  /** Text appended to rules: how the span was found. */
  note: string;
}

function spanOf(e: LedgerEntry, runEndMs: number): Span {
  const open = e.end === undefined;
  const endMs = e.end ?? runEndMs;
  const seconds = endMs > e.start ? Math.ceil((endMs - e.start) / 1000) : 0;
  const notes: string[] = [];
  if (open) notes.push('no end recorded: billed to the end of the run');
  if (e.state === 'failed') notes.push('state failed: billed as if it existed');
  if (e.state === 'intended') notes.push('state intended: billed as if it existed');
  return { startMs: e.start, endMs, seconds, note: notes.length ? ` (${notes.join('; ')})` : '' };
}

function num(e: LedgerEntry, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = e.attributes?.[n];
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

function str(e: LedgerEntry, name: string): string | undefined {
  const v = e.attributes?.[name];
  return typeof v === 'string' ? v : undefined;
}

function line(e: LedgerEntry, quantity: number, unit: string, unitPriceUsd: number, rule: string): CostLine {
  return { resource: e.id, kind: e.kind, quantity, unit, unitPriceUsd, costUsd: quantity * unitPriceUsd, rule };
}

function unpriced(e: LedgerEntry, why: string): CostLine {
  return { resource: e.id, kind: e.kind, quantity: e.count, unit: 'unit', unitPriceUsd: 0, costUsd: 0, rule: `no price ${why}` };
}

const usd = (n: number): string => `$${n}`;

// ---------------------------------------------------------------------------------------------
// The rules, one per kind

function ec2Instance(e: LedgerEntry, c: BillingContext): CostLine[] {
  const type = e.size;
  const spec = type ? c.book.ec2.instances[type] : undefined;
  if (!type || !spec) return [unpriced(e, `for EC2 instance type ${type ?? '(no size given)'} in the ${c.book.region} price book (${c.book.date})`)];
  const span = spanOf(e, c.opts.runEndMs);
  const min = c.book.ec2.billing.minimumSeconds;
  const billed = Math.max(span.seconds, min);
  const ran = billed !== span.seconds ? ` (ran ${span.seconds} s)` : '';
  return [
    line(
      e,
      (e.count * billed) / 3600,
      'instance-hour',
      spec.hourlyUsd,
      `EC2 ${type} on-demand Linux ${usd(spec.hourlyUsd)}/h, billed per second with a ${min} s minimum per instance: ${e.count} × ${billed} s${ran}${span.note}`,
    ),
  ];
}

function ebsGp3(e: LedgerEntry, c: BillingContext): CostLine[] {
  const gb = e.size !== undefined && e.size.trim() !== '' && Number.isFinite(Number(e.size)) ? Number(e.size) : num(e, 'sizeGB', 'gb');
  if (gb === undefined) return [unpriced(e, `for an EBS gp3 volume without its size in GB (ledger size "${e.size ?? ''}")`)];
  const g = c.book.ebs.gp3;
  const span = spanOf(e, c.opts.runEndMs);
  const billed = Math.max(span.seconds, g.minimumSeconds);
  const months = monthsBetween(span.startMs, span.startMs + billed * 1000, c.opts.monthHours);
  const per = c.opts.monthHours ? `${c.opts.monthHours} h months` : 'the seconds of the calendar month';
  const time = `${billed} s${billed !== span.seconds ? ` (ran ${span.seconds} s, ${g.minimumSeconds} s minimum)` : ''} prorated over ${per}${span.note}`;
  const lines = [line(e, e.count * gb * months, 'GB-month', g.gbMonthUsd, `EBS gp3 storage ${usd(g.gbMonthUsd)}/GB-month: ${e.count} × ${gb} GB × ${time}`)];
  const iops = num(e, 'iops');
  if (iops !== undefined && iops > g.baselineIops) {
    const extra = iops - g.baselineIops;
    lines.push(line(e, e.count * extra * months, 'IOPS-month', g.iopsMonthUsd, `EBS gp3 IOPS above the ${g.baselineIops} included: ${e.count} × ${extra} IOPS × ${time}`));
  }
  const tp = num(e, 'throughput', 'throughputMiBps');
  if (tp !== undefined && tp > g.baselineThroughputMiBps) {
    const extra = tp - g.baselineThroughputMiBps;
    lines.push(
      line(e, e.count * extra * months, 'MiB/s-month', g.throughputMiBpsMonthUsd, `EBS gp3 throughput above the ${g.baselineThroughputMiBps} MiB/s included: ${e.count} × ${extra} MiB/s × ${time}`),
    );
  }
  return lines;
}

function publicIpv4(e: LedgerEntry, c: BillingContext): CostLine[] {
  const span = spanOf(e, c.opts.runEndMs);
  const p = c.book.publicIpv4.hourlyUsd;
  return [
    line(
      e,
      (e.count * span.seconds) / 3600,
      'IP-hour',
      p,
      `public IPv4 ${usd(p)} per address-hour, prorated per second here (AWS quotes an hourly rate; partial-hour metering is not documented in our sources): ${e.count} × ${span.seconds} s${span.note}`,
    ),
  ];
}

function kdaApplication(e: LedgerEntry, c: BillingContext): CostLine[] {
  const k = c.book.kda;
  const parallelism = num(e, 'parallelism') ?? 1;
  const perKpu = num(e, 'parallelismPerKpu', 'parallelismPerKPU') ?? 1;
  const given = num(e, 'kpus');
  const appKpus = given ?? Math.ceil(parallelism / Math.max(1, perKpu));
  const how = given !== undefined ? `${appKpus} KPUs (as recorded)` : `⌈${parallelism} / ${perKpu}⌉ = ${appKpus} KPUs`;
  const span = spanOf(e, c.opts.runEndMs);
  const billed = Math.max(span.seconds, k.minimumSeconds);
  const ran = billed !== span.seconds ? ` (ran ${span.seconds} s)` : '';
  const total = appKpus + k.orchestrationKpus;
  const lines = [
    line(
      e,
      (e.count * total * billed) / 3600,
      'KPU-hour',
      k.kpuHourUsd,
      `Managed Flink ${usd(k.kpuHourUsd)}/KPU-hour, per second with a ${k.minimumSeconds / 60}-minute minimum per application: ` +
        `${e.count} × (${how} + ${k.orchestrationKpus} orchestration KPU, billed for every Apache Flink application per AWS's how-pricing page) × ${billed} s${ran}${span.note}`,
    ),
  ];
  const months = monthsBetween(span.startMs, span.startMs + billed * 1000, c.opts.monthHours);
  const gb = appKpus * k.storageGbPerKpu;
  lines.push(
    line(
      e,
      e.count * gb * months,
      'GB-month',
      k.runningStorageGbMonthUsd,
      `Managed Flink running application storage ${usd(k.runningStorageGbMonthUsd)}/GB-month, ${k.storageGbPerKpu} GB per application KPU (not on the orchestration KPU, as in AWS's examples): ` +
        `${e.count} × ${appKpus} × ${k.storageGbPerKpu} GB × ${billed} s prorated over ${c.opts.monthHours ? `${c.opts.monthHours} h months` : 'the calendar month'}`,
    ),
  );
  const backupGb = num(e, 'durableBackupGB');
  if (backupGb !== undefined && backupGb > 0) {
    const bm = monthsBetween(span.startMs, span.endMs, c.opts.monthHours);
    lines.push(line(e, e.count * backupGb * bm, 'GB-month', k.durableBackupGbMonthUsd, `Managed Flink durable application backups: ${backupGb} GB × ${span.seconds} s prorated`));
  }
  return lines;
}

function lambdaInvocations(e: LedgerEntry, c: BillingContext): CostLine[] {
  const billedMs = num(e, 'billedMs');
  const memoryMB = num(e, 'memoryMB') ?? (e.size !== undefined && Number.isFinite(Number(e.size)) ? Number(e.size) : undefined);
  const arch = str(e, 'architecture') ?? 'x86_64';
  if (billedMs === undefined || memoryMB === undefined) {
    return [unpriced(e, 'for lambda-invocations without billedMs and memoryMB attributes (totals from the REPORT lines)')];
  }
  if (arch !== 'x86_64' && arch !== 'arm64') return [unpriced(e, `for Lambda architecture ${arch}`)];
  const requests = num(e, 'requests', 'invocations') ?? 0;
  const eph = num(e, 'ephemeralStorageMB');
  const lines = lambdaUsageLines(e.id, e.kind, { billedMs, memoryMB, architecture: arch, requests, ...(eph !== undefined ? { ephemeralStorageMB: eph } : {}) }, c.book, c.lambdaUsed);
  const assumed = str(e, 'architecture') === undefined ? ' (architecture not recorded: x86_64 assumed)' : '';
  return assumed ? lines.map((l) => ({ ...l, rule: l.rule + assumed })) : lines;
}

/**
 * PUT payload units from totals: each record rounds up to whole units. With only a record count
 * and a byte total, records are taken as equal in size (exact for equal records; a backend that
 * knows each record's size passes `putPayloadUnits` instead, e.g. from kinesis/framing's putPayloadUnits).
 */
export function putUnitsFromTotals(records: number, bytes: number, unitBytes: number): number {
  if (!(records > 0)) return 0;
  return records * Math.max(1, Math.ceil(bytes / records / unitBytes));
}

function kinesisShard(e: LedgerEntry, c: BillingContext): CostLine[] {
  const k = c.book.kinesis;
  const span = spanOf(e, c.opts.runEndMs);
  const lines = [
    line(
      e,
      (e.count * span.seconds) / 3600,
      'shard-hour',
      k.shardHourUsd,
      `Kinesis provisioned ${usd(k.shardHourUsd)}/shard-hour, prorated per second here (AWS quotes an hourly rate per shard; its partial-hour metering is not documented in our sources): ${e.count} shards × ${span.seconds} s${span.note}`,
    ),
  ];
  const perUnit = k.putPayloadUnitsPerMillionUsd / 1e6;
  const given = num(e, 'putPayloadUnits');
  const records = num(e, 'records');
  const bytes = num(e, 'bytes', 'bytesIn');
  if (given !== undefined) {
    lines.push(line(e, given, 'PUT payload unit', perUnit, `Kinesis PUT payload units ${usd(k.putPayloadUnitsPerMillionUsd)} per million: ${given} units as recorded (each record rounded up to ${k.putPayloadUnitBytes} bytes)`));
  } else if (records !== undefined && bytes !== undefined) {
    const units = putUnitsFromTotals(records, bytes, k.putPayloadUnitBytes);
    lines.push(
      line(
        e,
        units,
        'PUT payload unit',
        perUnit,
        `Kinesis PUT payload units ${usd(k.putPayloadUnitsPerMillionUsd)} per million: ${records} records of ${bytes} bytes in all, each rounded up to ${k.putPayloadUnitBytes}-byte units (records taken as equal in size) = ${units} units`,
      ),
    );
  } else {
    lines.push(line(e, 0, 'PUT payload unit', perUnit, 'Kinesis PUT payload units: none recorded (no putPayloadUnits, or records and bytes, attributes)'));
  }
  return lines;
}

function kinesisOnDemand(e: LedgerEntry, c: BillingContext): CostLine[] {
  const o = c.book.kinesis.onDemand;
  const span = spanOf(e, c.opts.runEndMs);
  const lines = [
    line(e, (e.count * span.seconds) / 3600, 'stream-hour', o.streamHourUsd, `Kinesis on-demand ${usd(o.streamHourUsd)}/stream-hour, prorated per second: ${e.count} × ${span.seconds} s${span.note}`),
  ];
  const records = num(e, 'records');
  const bytesIn = num(e, 'bytesIn', 'bytes');
  const billedIn = num(e, 'billedBytesIn');
  let inBytes: number | undefined;
  let how = '';
  if (billedIn !== undefined) {
    inBytes = billedIn;
    how = 'as recorded';
  } else if (records !== undefined && bytesIn !== undefined) {
    inBytes = putUnitsFromTotals(records, bytesIn, o.recordRoundingBytes) * o.recordRoundingBytes;
    how = `${records} records, each rounded up to ${o.recordRoundingBytes} bytes (records taken as equal in size)`;
  } else if (bytesIn !== undefined) {
    inBytes = bytesIn;
    how = 'bytes as recorded, without per-record rounding (no record count)';
  }
  if (inBytes !== undefined) lines.push(line(e, inBytes / GIB, 'GB', o.ingestGbUsd, `Kinesis on-demand data in ${usd(o.ingestGbUsd)}/GB (GB = 2^30 bytes): ${inBytes} bytes, ${how}`));
  const out = num(e, 'bytesOut');
  if (out !== undefined) lines.push(line(e, out / GIB, 'GB', o.retrievalGbUsd, `Kinesis on-demand data out ${usd(o.retrievalGbUsd)}/GB (GB = 2^30 bytes): ${out} bytes`));
  return lines;
}

function kinesisEfoConsumer(e: LedgerEntry, c: BillingContext): CostLine[] {
  const f = c.book.kinesis.enhancedFanOut;
  const span = spanOf(e, c.opts.runEndMs);
  const lines = [
    line(e, (e.count * span.seconds) / 3600, 'consumer-shard-hour', f.consumerShardHourUsd, `Kinesis enhanced fan-out ${usd(f.consumerShardHourUsd)}/consumer-shard-hour, prorated per second: ${e.count} consumer-shards × ${span.seconds} s${span.note}`),
  ];
  const out = num(e, 'bytesOut', 'bytes');
  if (out !== undefined) lines.push(line(e, out / GIB, 'GB', f.retrievalGbUsd, `Kinesis enhanced fan-out data out ${usd(f.retrievalGbUsd)}/GB: ${out} bytes`));
  return lines;
}

function s3(e: LedgerEntry, c: BillingContext): CostLine[] {
  const p = c.book.s3;
  const lines: CostLine[] = [];
  const bytes = num(e, 'bytes');
  if (bytes !== undefined) {
    const span = spanOf(e, c.opts.runEndMs);
    const months = monthsBetween(span.startMs, span.endMs, c.opts.monthHours);
    lines.push(line(e, (e.count * bytes * months) / GIB, 'GB-month', p.standardGbMonthUsd, `S3 Standard storage ${usd(p.standardGbMonthUsd)}/GB-month (first 50 TB): ${e.count} × ${bytes} bytes × ${span.seconds} s prorated${span.note}`));
  }
  const puts = num(e, 'puts', 'putRequests');
  if (puts !== undefined) lines.push(line(e, puts / 1000, '1,000 requests', p.putPer1000Usd, `S3 PUT/COPY/POST/LIST ${usd(p.putPer1000Usd)} per 1,000: ${puts} requests`));
  const gets = num(e, 'gets', 'getRequests');
  if (gets !== undefined) lines.push(line(e, gets / 1000, '1,000 requests', p.getPer1000Usd, `S3 GET ${usd(p.getPer1000Usd)} per 1,000: ${gets} requests`));
  if (lines.length === 0) lines.push(line(e, 0, '1,000 requests', p.putPer1000Usd, 'S3: no bytes, puts or gets recorded'));
  return lines;
}

function cloudwatchMetrics(e: LedgerEntry, c: BillingContext): CostLine[] {
  const p = c.book.cloudwatch.getMetricDataPer1000MetricsUsd;
  const metrics = num(e, 'metricsRequested', 'metrics') ?? e.count;
  return [line(e, metrics / 1000, '1,000 metrics', p, `CloudWatch GetMetricData ${usd(p)} per 1,000 metrics requested (each metric in each call counts): ${metrics} metrics`)];
}

/** CloudWatch Logs: ingestion of `bytes` (e.g. Lambda's START/END/REPORT lines), and their storage while the entry lasts. */
function cloudwatchLogs(e: LedgerEntry, c: BillingContext): CostLine[] {
  const p = c.book.cloudwatch;
  const bytes = num(e, 'bytes', 'bytesIngested');
  if (bytes === undefined) return [unpriced(e, 'for cloudwatch-logs without a bytes attribute')];
  const lines = [line(e, bytes / GIB, 'GB', p.logsIngestGbUsd, `CloudWatch Logs ingestion ${usd(p.logsIngestGbUsd)}/GB (GB = 2^30 bytes): ${bytes} bytes`)];
  const storedBytes = num(e, 'storedBytes');
  if (storedBytes !== undefined && storedBytes > 0) {
    const span = spanOf(e, c.opts.runEndMs);
    const months = monthsBetween(span.startMs, span.endMs, c.opts.monthHours);
    lines.push(line(e, (storedBytes / GIB) * months, 'GB-month', p.logsStorageGbMonthUsd, `CloudWatch Logs storage ${usd(p.logsStorageGbMonthUsd)}/GB-month: ${storedBytes} bytes × ${span.seconds} s prorated`));
  }
  return lines;
}

/**
 * Data between Availability Zones: AWS charges the sending side and the receiving side, so each
 * GB crossing costs twice the per-direction price.
 */
function interAzTransfer(e: LedgerEntry, c: BillingContext): CostLine[] {
  const p = c.book.dataTransfer.interAzGbUsd;
  const bytes = num(e, 'bytes');
  if (bytes === undefined) return [unpriced(e, 'for data-transfer-inter-az without a bytes attribute')];
  return [line(e, (2 * bytes) / GIB, 'GB', p, `data between Availability Zones ${usd(p)}/GB out of one AZ and ${usd(p)}/GB into the other: ${bytes} bytes crossing, billed on both sides`)];
}

export type BillingRule = (e: LedgerEntry, c: BillingContext) => CostLine[];

/** The billing rule for each ledger kind. */
export const BILLING_RULES: Readonly<Record<string, BillingRule>> = {
  'ec2-instance': ec2Instance,
  'ebs-gp3': ebsGp3,
  'public-ipv4': publicIpv4,
  'kda-application': kdaApplication,
  'lambda-invocations': lambdaInvocations,
  'kinesis-shard': kinesisShard,
  'kinesis-on-demand': kinesisOnDemand,
  'kinesis-efo-consumer': kinesisEfoConsumer,
  's3-object': s3,
  's3-requests': s3,
  'cloudwatch-metrics': cloudwatchMetrics,
  'cloudwatch-logs': cloudwatchLogs,
  'data-transfer-inter-az': interAzTransfer,
};

/** Lines for one ledger entry. */
export function costOfEntry(e: LedgerEntry, c: BillingContext): CostLine[] {
  // A cloud kind served by a local stand-in (kinesalite, the local Lambda service) costs nothing.
  if (isLocalKind(e.kind) || e.attributes?.['local'] === true) return [{ resource: e.id, kind: e.kind, quantity: e.count, unit: 'resource', unitPriceUsd: 0, costUsd: 0, rule: 'runs on this machine' }];
  const free = FREE_KINDS[e.kind];
  if (free) return [{ resource: e.id, kind: e.kind, quantity: e.count, unit: 'resource', unitPriceUsd: 0, costUsd: 0, rule: free }];
  const rule = BILLING_RULES[e.kind];
  if (!rule) return [unpriced(e, `for kind ${e.kind}`)];
  return rule(e, c);
}

/** The cost of a run: every ledger entry priced by its kind's rule, with totals per hour and per million events. */
export function costOfLedger(entries: LedgerEntry[], book: PriceBook, opts: CostOptions): CostBreakdown {
  const ctx: BillingContext = {
    book,
    opts,
    lambdaUsed: { x86_64: tierOffsetFor(opts.tierOffsetGbS, 'x86_64'), arm64: tierOffsetFor(opts.tierOffsetGbS, 'arm64') },
  };
  const lines = entries.flatMap((e) => costOfEntry(e, ctx));
  const totalUsd = lines.reduce((s, l) => s + l.costUsd, 0);
  let first = Infinity;
  let last = -Infinity;
  for (const e of entries) {
    first = Math.min(first, e.start);
    last = Math.max(last, e.end ?? opts.runEndMs);
  }
  const hours = last > first ? (last - first) / HOUR_MS : 0;
  const events = Number.isFinite(opts.events) && opts.events > 0 ? opts.events : 0;
  return {
    priceBook: { region: book.region, date: book.date, source: book.source },
    lines,
    totalUsd,
    perHourUsd: hours > 0 ? totalUsd / hours : 0,
    perMillionEventsUsd: events > 0 ? (totalUsd / events) * 1e6 : 0,
  };
}
