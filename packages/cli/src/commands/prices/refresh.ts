import { Flags } from '@oclif/core';
import { refreshPriceBook } from '@streamscore/cost';
import { StreamscoreCommand } from '../../lib/base-command.js';

export default class PricesRefresh extends StreamscoreCommand {
  static override summary = 'Rebuild the price book from the AWS Price List API (needs AWS credentials).';
  static override description =
    'Calls Pricing GetProducts for EC2, EBS, Lambda, Kinesis, Managed Service for Apache Flink, S3 and CloudWatch and writes ' +
    '~/.streamscore/prices/<region>.json (or --out), which then takes precedence over the shipped snapshot. Figures it cannot find are kept from the current book and listed.';
  static override examples = ['<%= config.bin %> prices refresh', '<%= config.bin %> prices refresh --region eu-west-1 --out prices-eu.json'];
  static override flags = {
    region: Flags.string({ description: 'AWS region to price', default: 'us-east-1', env: 'AWS_REGION' }),
    out: Flags.string({ description: 'where to write the book' }),
  };

  async run(): Promise<{ path: string; updated: number; missing: string[]; warnings: string[]; requests: number }> {
    const { flags } = await this.parse(PricesRefresh);
    const report = await refreshPriceBook(flags.region, { ...(flags.out ? { out: flags.out } : {}), log: (m) => this.note(m) });
    if (!this.jsonEnabled()) {
      this.log(`wrote ${report.path}: ${report.updated.length} figures from the Price List (${report.requests} requests)`);
      if (report.missing.length) this.log(`not found, kept from the previous book: ${report.missing.join(', ')}`);
      for (const w of report.warnings) this.log(`warning: ${w}`);
    }
    return { path: report.path, updated: report.updated.length, missing: report.missing, warnings: report.warnings, requests: report.requests };
  }
}
