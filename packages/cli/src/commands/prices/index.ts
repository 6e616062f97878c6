import { Flags } from '@oclif/core';
import { describePriceBook, locatePriceBook, type PriceBookDescription } from '@streamscore/cost';
import { UserError } from '@streamscore/core';
import { StreamscoreCommand } from '../../lib/base-command.js';
import { renderTable } from '../../lib/table.js';

export default class Prices extends StreamscoreCommand {
  static override summary = 'Show the price book runs are costed with.';
  static override description =
    'A dated snapshot per region ships with streamscore; `streamscore prices refresh` rebuilds it from the AWS Price List API. ' +
    'Every figure names its source and date.';
  static override examples = ['<%= config.bin %> prices', '<%= config.bin %> prices --service Lambda', '<%= config.bin %> prices --region us-east-1 --json'];
  static override flags = {
    region: Flags.string({ description: 'AWS region', default: 'us-east-1', env: 'AWS_REGION' }),
    service: Flags.string({ description: 'only this service (EC2, EBS, Lambda, Kinesis, Managed Flink, S3, CloudWatch, VPC)' }),
    file: Flags.string({ description: 'a price book file to read instead' }),
  };

  async run(): Promise<PriceBookDescription & { path: string; origin: string }> {
    const { flags } = await this.parse(Prices);
    const located = locatePriceBook(flags.region, flags.file ? { path: flags.file } : {});
    const d = describePriceBook(located.book);
    const services = [...new Set(d.rows.map((r) => r.service))];
    if (flags.service && !services.some((s) => s.toLowerCase() === flags.service!.toLowerCase())) {
      throw new UserError(`The price book has no service "${flags.service}".`, `Use one of: ${services.join(', ')}.`);
    }
    const rows = flags.service ? d.rows.filter((r) => r.service.toLowerCase() === flags.service!.toLowerCase()) : d.rows;
    if (!this.jsonEnabled()) {
      this.log(`Price book ${d.region} (${d.location}), dated ${d.date}, ${d.currency}: ${located.path} (${located.origin})`);
      this.log(`Source: ${d.source}\n`);
      this.log(renderTable(['service', 'item', 'USD', 'per', 'basis', 'as of'], rows.map((r) => [r.service, r.item, String(r.usd), r.unit, r.basis, r.asOf])));
      if (located.note) this.log(`\nnote: ${located.note}`);
    }
    return { ...d, rows, path: located.path, origin: located.origin };
  }
}
