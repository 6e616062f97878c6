process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
/**
 * `npm run bench [-- SECTION...]`: every performance figure the project quotes comes from here,
 * printed as a table. Sections: generator, hdr, local, oracle, verify, engines, flock, kinesis, planner, faults (default: all but faults).
 * `BENCH_CHECK_RESULTS=DIR` gives the planner section the find-max Results `plan --check` is measured on.
 * `BENCH_QUERIES=q0,q5` picks the local section's queries.
 */
import type { BenchRow } from './types.js';

type Section = { name: string; run: () => Promise<BenchRow[]> };

const sections: Section[] = [
  { name: 'generator', run: async () => (await import('../workloads/nexmark/src/generator/bench.js')).benchGenerator() },
  { name: 'hdr', run: async () => (await import('./hdr.js')).benchHdr() },
  { name: 'local', run: async () => (await import('./local.js')).benchLocal() },
  { name: 'oracle', run: async () => (await import('./oracle.js')).benchOracle() },
  { name: 'verify', run: async () => (await import('./verify.js')).benchVerify() },
  { name: 'engines', run: async () => (await import('./engines.js')).benchEngines() },
  { name: 'flock', run: async () => (await import('./flock.js')).benchFlock() },
  { name: 'kinesis', run: async () => (await import('../packages/kinesis/src/bench.js')).benchKinesis() },
  { name: 'drivers', run: async () => (await import('./drivers.js')).benchDrivers() },
  { name: 'producer', run: async () => (await import('./producer.js')).benchProducer() },
  { name: 'driver-ceiling', run: async () => (await import('./driver-ceiling.js')).benchDriverCeiling() },
  { name: 'kinesis-ceiling', run: async () => (await import('./kinesis-ceiling.js')).benchKinesisCeiling() },
  { name: 'planner', run: async () => (await import('./planner.js')).benchPlanner() },
  { name: 'faults', run: async () => (await import('./faults.js')).benchFaults() },
];

function fmt(v: number): string {
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(3);
}

const wanted = process.argv.slice(2);
const rows: (BenchRow & { section: string })[] = [];
for (const s of sections) {
  if (wanted.length > 0 && !wanted.includes(s.name)) continue;
  if (wanted.length === 0 && s.name === 'faults') continue; // ~15 minutes of real clusters: only when asked
  process.stderr.write(`bench ${s.name}…\n`);
  try {
    for (const r of await s.run()) rows.push({ ...r, section: s.name });
  } catch (e) {
    rows.push({ section: s.name, name: `(section failed: ${(e as Error).message.split('\n')[0]})`, value: Number.NaN, unit: '' });
  }
}
const head = ['section', 'benchmark', 'value', 'unit', 'note'];
const cells = rows.map((r) => [r.section, r.name, Number.isNaN(r.value) ? '-' : fmt(r.value), r.unit, r.note ?? '']);
const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
const line = (c: string[]) => c.map((x, i) => (i === 2 ? x.padStart(w[i]!) : x.padEnd(w[i]!))).join('  ').trimEnd();
console.log([line(head), w.map((n) => '-'.repeat(n)).join('  '), ...cells.map(line)].join('\n'));
