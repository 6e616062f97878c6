import { Args, Flags } from '@oclif/core';
import { createWriteStream, type WriteStream } from 'node:fs';
import { UserError } from '@streamscore/core';
import { StreamscoreCommand } from '../lib/base-command.js';
import { naturalOrder } from '../lib/registry.js';
import { parseKeyValues } from '../lib/kv.js';
import { ensureWritable } from '../lib/output-path.js';

export default class Generate extends StreamscoreCommand {
  static override summary = 'Write a deterministic event stream of a suite (nexmark, ysb) as JSON lines or CSV.';
  static override description =
    'Event n is the same on every machine. For NEXMark the events are identical to Apache Beam’s Nexmark generator ' +
    'for the same configuration (event time from 2015-07-15T00:00:00Z at the configured rate).';
  static override examples = [
    '<%= config.bin %> generate nexmark --events 1000 --format jsonl',
    '<%= config.bin %> generate nexmark --events 100000 --format csv --out events.csv --gen outOfOrderGroupSize=4',
    '<%= config.bin %> generate nexmark --events 10 --gen withChannelAndUrl=true',
  ];
  static override args = { suite: Args.string({ description: 'suite whose generator to use (nexmark, ysb)', required: true }) };
  static override flags = {
    events: Flags.integer({ char: 'n', description: 'number of events', required: true, min: 1 }),
    format: Flags.string({ char: 'f', description: 'output format', options: ['jsonl', 'csv'], default: 'jsonl' }),
    out: Flags.string({ char: 'o', description: 'output file (default: standard output)' }),
    gen: Flags.string({ description: 'generator option key=value, e.g. firstEventRate=10000 (repeatable)', multiple: true }),
    first: Flags.integer({ description: 'first event number', default: 0, min: 0 }),
  };

  async run(): Promise<{ suite: string; events: number; out: string | null }> {
    const { args, flags } = await this.parse(Generate);
    const registry = await this.registry();
    const candidates = [...registry.workloads.values()].map((r) => r.item).filter((w) => w.suite === args.suite);
    const workload = candidates.sort((a, b) => naturalOrder(a.id, b.id))[0];
    if (!workload) {
      const suites = [...new Set([...registry.workloads.values()].map((r) => r.item.suite))].sort().join(', ');
      throw new UserError(`Unknown suite "${args.suite}". Suites: ${suites || '(none)'}.`);
    }
    const serializer = workload.serialize;
    if (!serializer) throw new UserError(`Suite ${args.suite} cannot write its events.`);
    let source;
    try {
      source = workload.generator({ firstEventNumber: flags.first, maxEvents: flags.events, options: parseKeyValues(flags.gen, 'gen') });
    } catch (e) {
      throw new UserError(`Invalid generator options: ${(e as Error).message}`, 'See docs/workloads/ for the generator options.');
    }
    const path = flags.out ? ensureWritable(flags.out, (m) => this.note(m), 'the events') : null;
    const sink: WriteStream | NodeJS.WriteStream = path ? createWriteStream(path) : process.stdout;
    const write = (text: string) => (sink.write(text) ? Promise.resolve() : new Promise<void>((r) => sink.once('drain', () => r())));
    const lines: string[] = [];
    if (flags.format === 'csv') lines.push(serializer.csvHeader());
    let n = 0;
    while (n < flags.events && source.hasNext()) {
      const e = source.next();
      lines.push(flags.format === 'csv' ? serializer.csvRow(e) : serializer.jsonLine(e));
      n++;
      if (lines.length >= 4096) {
        await write(lines.join('\n') + '\n');
        lines.length = 0;
      }
    }
    if (lines.length) await write(lines.join('\n') + '\n');
    if (path) await new Promise<void>((r) => (sink as WriteStream).end(() => r()));
    if (path) this.note(`wrote ${n} ${args.suite} events to ${path}`);
    return { suite: args.suite, events: n, out: path };
  }
}
