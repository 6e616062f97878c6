import { Args, Flags } from '@oclif/core';
import { readResult, UserError } from '@streamscore/core';
import { exportHdr, renderReport } from '@streamscore/report';
import { StreamscoreCommand } from '../lib/base-command.js';
import { ensureWritableFolder } from '../lib/output-path.js';

export default class Report extends StreamscoreCommand {
  static override summary = 'Make a report (Markdown + self-contained HTML, with charts) from Result files.';
  static override description =
    'A summary table (backend, configuration, workload, sustained rate, p50/p99/p99.9, cost per hour and per million events, verdict) ' +
    'and charts: latency percentile distribution, p50/p99 over time, throughput over time, cost against sustained throughput with the Pareto front. ' +
    'With --hdr, each Result’s histograms are also exported as an HdrHistogram log (.hlog) and percentile distribution (.hgrm).';
  static override examples = [
    '<%= config.bin %> report results/*.json --out report/',
    '<%= config.bin %> report results/q5-local.json results/q5-flink.json --out report/ --title "q5: local vs Flink" --hdr',
  ];
  static override strict = false;
  static override args = { results: Args.string({ description: 'Result files', required: true }) };
  static override flags = {
    out: Flags.string({ char: 'o', description: 'output folder', required: true }),
    title: Flags.string({ description: 'report title' }),
    hdr: Flags.boolean({ description: 'also write .hlog and .hgrm files per Result' }),
  };

  async run(): Promise<{ markdown: string; html: string; charts: string[]; hdr: { hlog: string; hgrm: string }[] }> {
    const { argv, flags } = await this.parse(Report);
    const paths = argv as string[];
    if (paths.length === 0) throw new UserError('Give at least one Result file.', 'For example: streamscore report results/*.json --out report/');
    ensureWritableFolder(flags.out, '--out', 'the report', (m) => this.note(m));
    const results = paths.map((p) => readResult(p));
    const r = await renderReport(results, { outDir: flags.out, ...(flags.title ? { title: flags.title } : {}) });
    const hdr = flags.hdr ? results.map((x) => exportHdr(x, flags.out)) : [];
    if (!this.jsonEnabled()) {
      this.log(`report: ${r.markdownPath}\n        ${r.htmlPath}\ncharts: ${r.charts.length}`);
      for (const h of hdr) this.log(`hdr:    ${h.hlog}\n        ${h.hgrm}`);
    }
    return { markdown: r.markdownPath, html: r.htmlPath, charts: r.charts, hdr };
  }
}
