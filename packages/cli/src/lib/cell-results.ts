import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { readResult, UserError, type Result } from '@streamscore/core';
import type { CampaignCell } from '@streamscore/harness';

/**
 * `publish --results DIR`: the campaign's cells matched to a folder of Result files (a published
 * report's results/, a campaign's results/) by their configuration, without a journal — so a
 * report is re-rendered from the Results it carries, with nothing measured.
 */

/** A cell as it ran: its target and its workload's parameters resolved as the harness resolves them. */
export interface ResolvedCellConfig {
  cell: CampaignCell;
  target: string;
  params: Record<string, unknown>;
}

export interface CitedResult {
  file: string;
  r: Result;
}

/** Every Result file of `dir` (`*.json`, and `*.json.gz` as publish copies large ones), by name. */
export function readResultFolder(dir: string): CitedResult[] {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    names = readdirSync(dir);
  } catch (e) {
    throw new UserError(`Cannot read the Results folder ${dir} (--results): ${(e as NodeJS.ErrnoException).code ?? String(e)}.`, 'Give a folder of Result files, e.g. --results docs/reports/first-comparison/results.');
  }
  const files = names.filter((n) => n.endsWith('.json') || n.endsWith('.json.gz')).sort();
  if (files.length === 0) throw new UserError(`${dir} holds no Result file (*.json, *.json.gz) (--results).`, 'Give the results/ folder of a published report or of a campaign.');
  return files.map((n) => {
    const file = join(dir, n);
    if (!n.endsWith('.gz')) return { file, r: readResult(file) };
    // readResult reads plain JSON: a gzipped Result is read through a private copy.
    const tmp = mkdtempSync(join(tmpdir(), 'streamscore-result-'));
    try {
      let text: Buffer;
      try {
        text = gunzipSync(readFileSync(file));
      } catch {
        throw new UserError(`${file} is not a gzipped Result.`, 'Give the results/ folder of a published report or of a campaign.');
      }
      const plain = join(tmp, n.slice(0, -'.gz'.length));
      writeFileSync(plain, text);
      return { file, r: readResult(plain) };
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  });
}

/** JSON with keys sorted at every level: two configurations are equal when these are. */
function canonical(x: unknown): string {
  if (Array.isArray(x)) return `[${x.map(canonical).join(',')}]`;
  if (x && typeof x === 'object') {
    return `{${Object.keys(x)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((x as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(x);
}

/** What a cell's Result must have run: its configuration, and the kind of cell (a search, a day, a run at its rate). */
export function resultFitsCell(c: ResolvedCellConfig, r: Result): boolean {
  const k = r.config;
  if (k.workload !== c.cell.workload || k.backend !== c.cell.backend || k.target !== c.target) return false;
  if (canonical(k.knobs) !== canonical(c.cell.knobs) || canonical(k.params) !== canonical(c.params)) return false;
  const constant = k.load.shape['kind'] === 'constant';
  if (c.cell.kind === 'find-max') return r.findMax !== undefined;
  if (c.cell.kind === 'day') return r.findMax === undefined && !constant;
  return r.findMax === undefined && constant && k.load.rate === c.cell.rate;
}

function describe(c: ResolvedCellConfig): string {
  const kind = c.cell.kind === 'find-max' ? 'a find-max search' : c.cell.kind === 'day' ? 'a day of load' : `a run at ${c.cell.rate} events/s`;
  return `${kind} of ${c.cell.workload} on ${c.cell.backend} (target ${c.target}) with knobs ${canonical(c.cell.knobs)} and params ${canonical(c.params)}`;
}

/**
 * Each cell's one Result, in cell order; and the Results no cell matched. A cell with no Result,
 * or with more than one, or a Result two cells would cite, is one UserError naming the cell.
 */
export function matchCellResults(cells: readonly ResolvedCellConfig[], results: readonly CitedResult[], dir: string): { matched: { cell: CampaignCell; result: CitedResult }[]; unmatched: CitedResult[] } {
  const matched: { cell: CampaignCell; result: CitedResult }[] = [];
  const missing: ResolvedCellConfig[] = [];
  const ambiguous: { c: ResolvedCellConfig; found: CitedResult[] }[] = [];
  for (const c of cells) {
    const found = results.filter((x) => resultFitsCell(c, x.r));
    if (found.length === 1) matched.push({ cell: c.cell, result: found[0]! });
    else if (found.length === 0) missing.push(c);
    else ambiguous.push({ c, found });
  }
  const more = (n: number) => (n > 1 ? ` (and ${n - 1} more cell(s))` : '');
  if (missing.length > 0) {
    const c = missing[0]!;
    throw new UserError(
      `No Result in ${dir} matches the cell "${c.cell.id}": ${describe(c)}${more(missing.length + ambiguous.length)}.`,
      'Add its Result to the folder, or run the campaign (`streamscore campaign FILE --out DIR --yes`) and publish with --from DIR.',
    );
  }
  if (ambiguous.length > 0) {
    const { c, found } = ambiguous[0]!;
    throw new UserError(
      `${found.length} Results in ${dir} match the cell "${c.cell.id}" (${describe(c)}): ${found.map((x) => basename(x.file)).join(', ')}${more(ambiguous.length)}.`,
      'Keep one Result per cell in the folder (move the others out), or publish from the campaign folder with --from.',
    );
  }
  const byFile = new Map<string, CampaignCell[]>();
  for (const m of matched) byFile.set(m.result.file, [...(byFile.get(m.result.file) ?? []), m.cell]);
  for (const [file, cs] of byFile) {
    if (cs.length > 1) {
      throw new UserError(
        `The Result ${file} matches ${cs.length} cells of the campaign: "${cs[0]!.id}" and "${cs[1]!.id}".`,
        'Give each cell a configuration of its own (two backend entries differ only by label), or publish from the campaign folder with --from.',
      );
    }
  }
  const cited = new Set(matched.map((m) => m.result.file));
  return { matched, unmatched: results.filter((x) => !cited.has(x.file)) };
}
