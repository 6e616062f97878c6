import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isUserError } from '@streamscore/core';
import {
  describePriceBook,
  instanceSpec,
  knownRegions,
  listInstanceTypes,
  loadPriceBook,
  locatePriceBook,
  PriceBookSchema,
  shippedPricesDir,
  sourceOf,
  type PriceBook,
} from './price-book.js';

const shipped = (): PriceBook => JSON.parse(readFileSync(join(shippedPricesDir(), 'us-east-1.json'), 'utf8'));

function caught(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected a throw');
}

describe('the shipped us-east-1 snapshot', () => {
  const book = loadPriceBook('us-east-1', { home: mkdtempSync(join(tmpdir(), 'ss-home-')) });

  it('is valid and dated, in USD', () => {
    expect(PriceBookSchema.safeParse(shipped()).success).toBe(true);
    expect(book.date).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(book.currency).toBe('USD');
    expect(book.location).toBe('US East (N. Virginia)');
  });

  it('has large..4xlarge of every family a user would try, with vCPU, memory and architecture', () => {
    for (const fam of ['m5', 'c5', 'r5', 'm6g', 'c6g', 'c7g', 'm7g']) {
      for (const size of ['large', 'xlarge', '2xlarge', '4xlarge']) expect(book.ec2.instances[`${fam}.${size}`], `${fam}.${size}`).toBeDefined();
    }
    for (const size of ['medium', 'large', 'xlarge', '2xlarge']) expect(book.ec2.instances[`t3.${size}`]).toBeDefined();
    expect(instanceSpec(book, 'c6g.xlarge')).toEqual({ vcpu: 4, memoryGiB: 8, architecture: 'arm64', hourlyUsd: 0.136 });
    expect(instanceSpec(book, 'm5.large')).toEqual({ vcpu: 2, memoryGiB: 8, architecture: 'x86_64', hourlyUsd: 0.096 });
    expect(listInstanceTypes(book, 'arm64').every((t) => /^(m6g|m7g|c6g|c7g|r6g|r7g)\./.test(t.type))).toBe(true);
  });

  it('prices scale linearly within a family (a typo check; AWS rounds mediums to 4 decimals)', () => {
    for (const [type, spec] of Object.entries(book.ec2.instances)) {
      const [fam] = type.split('.');
      const large = book.ec2.instances[`${fam}.large`];
      if (!large) continue;
      // Within 0.5%: AWS shows medium sizes rounded to 4 decimals (c7g.medium $0.0363, half of $0.0725).
      expect(Math.abs((spec.hourlyUsd / spec.memoryGiB) / (large.hourlyUsd / large.memoryGiB) - 1), type).toBeLessThan(0.005);
    }
  });

  it('says where every figure comes from', () => {
    for (const row of describePriceBook(book).rows) {
      expect(row.basis, row.path).not.toBe('unknown');
      expect(row.ref.length, row.path).toBeGreaterThan(10);
    }
    expect(sourceOf(book, 'kda.kpuHourUsd')?.basis).toBe('aws-doc');
    expect(sourceOf(book, 'ec2.instances.m5.large')?.basis).toBe('third-party');
    expect(sourceOf(book, 'ec2.instances.r7g.large')?.basis).toBe('memory');
    expect(sourceOf(book, 'lambda.architectures.arm64.tiers.2')?.basis).toBe('memory');
    expect(sourceOf(book, 'lambda.architectures.arm64.tiers.0')?.basis).toBe('third-party');
  });

  it('describes itself as table rows', () => {
    const d = describePriceBook(book);
    expect(d).toMatchObject({ region: 'us-east-1', date: book.date, currency: 'USD' });
    expect(d.rows.find((r) => r.path === 'ec2.instances.m5.large')).toMatchObject({ service: 'EC2', usd: 0.096, unit: 'instance-hour' });
    expect(d.rows.find((r) => r.path === 'lambda.requestUsd')).toMatchObject({ usd: 0.2, unit: 'million requests' });
    expect(d.rows.find((r) => r.path === 'kda.kpuHourUsd')).toMatchObject({ usd: 0.11, unit: 'KPU-hour', basis: 'aws-doc' });
    expect(d.rows.filter((r) => r.service === 'Lambda' && r.item.startsWith('duration'))).toHaveLength(6);
  });
});

describe('loadPriceBook', () => {
  it('uses the shipped snapshot when the user has none', () => {
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const l = locatePriceBook('us-east-1', { home });
    expect(l.origin).toBe('shipped');
    expect(l.path).toBe(join(shippedPricesDir(), 'us-east-1.json'));
  });

  it('prefers ~/.streamscore/prices/<region>.json, then an explicit path', () => {
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const dir = join(home, '.streamscore', 'prices');
    mkdirSync(dir, { recursive: true });
    const mine = { ...shipped(), date: '2027-01-02', publicIpv4: { hourlyUsd: 0.006 } };
    writeFileSync(join(dir, 'us-east-1.json'), JSON.stringify(mine));
    const l = locatePriceBook('us-east-1', { home });
    expect(l.origin).toBe('user');
    expect(l.book.publicIpv4.hourlyUsd).toBe(0.006);
    expect(l.note).toBeUndefined();
    writeFileSync(join(dir, 'us-east-1.json'), JSON.stringify({ ...mine, date: '2020-01-01' }));
    expect(locatePriceBook('us-east-1', { home }).note).toContain('older than the snapshot shipped');

    const other = join(home, 'elsewhere.json');
    writeFileSync(other, JSON.stringify({ ...shipped(), date: '2027-02-03' }));
    expect(locatePriceBook('us-east-1', { home, path: other })).toMatchObject({ origin: 'file', book: { date: '2027-02-03' } });
  });

  it('refuses an unknown region with a UserError listing the known ones', () => {
    const e = caught(() => loadPriceBook('eu-west-9', { home: mkdtempSync(join(tmpdir(), 'ss-home-')) }));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toContain('No price book for region eu-west-9');
    expect(e.message).toContain('us-east-1');
    expect(isUserError(caught(() => loadPriceBook('../../etc/passwd')))).toBe(true);
    expect(knownRegions()).toContain('us-east-1');
  });

  it('refuses a broken file with a UserError that names the field', () => {
    const home = mkdtempSync(join(tmpdir(), 'ss-home-'));
    const bad = join(home, 'bad.json');
    writeFileSync(bad, JSON.stringify({ ...shipped(), kda: { kpuHourUsd: -1 } }));
    const e = caught(() => loadPriceBook('us-east-1', { path: bad }));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toMatch(/not a valid price book: kda\./);
    writeFileSync(bad, '{');
    expect(caught(() => loadPriceBook('us-east-1', { path: bad })).message).toContain('is not JSON');
    writeFileSync(bad, JSON.stringify({ ...shipped(), region: 'eu-west-1' }));
    expect(caught(() => loadPriceBook('us-east-1', { path: bad })).message).toContain('is for region eu-west-1');
  });

  it('names known instance types when one is missing', () => {
    const e = caught(() => instanceSpec(loadPriceBook('us-east-1'), 'z1.mega'));
    expect(isUserError(e)).toBe(true);
    expect(e.message).toContain('c6g.xlarge');
  });
});
