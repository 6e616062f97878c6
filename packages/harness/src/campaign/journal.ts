import { appendFileSync, existsSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import { z } from 'zod';
import { UserError } from '@streamscore/core';

/**
 * The campaign's journal: one JSON line per step, appended and flushed before the step's effect,
 * so a campaign killed at any instant (even by SIGKILL) is resumed from it. A cell `started` but
 * never `done` or `failed` was interrupted: its run's leftovers are cleaned up before it runs again.
 */
export const JournalLineSchema = z.discriminatedUnion('state', [
  z.object({ state: z.literal('started'), cell: z.string(), runId: z.string(), backend: z.string(), projectedUsd: z.number(), at: z.string() }),
  z.object({ state: z.literal('done'), cell: z.string(), runId: z.string(), result: z.string(), costUsd: z.number(), verdict: z.string(), leftovers: z.number().int(), at: z.string() }),
  z.object({ state: z.literal('failed'), cell: z.string(), runId: z.string(), reason: z.string(), costUsd: z.number(), at: z.string() }),
  /** A run inside a cell under its own run id (a search's trial), journaled before it starts. */
  z.object({ state: z.literal('run'), cell: z.string(), runId: z.string(), parent: z.string(), at: z.string() }),
  z.object({ state: z.literal('cleaned'), cell: z.string(), runId: z.string(), found: z.number().int(), deleted: z.number().int(), at: z.string() }),
  z.object({ state: z.literal('stopped'), reason: z.string(), spentUsd: z.number(), at: z.string() }),
]);
export type JournalLine = z.infer<typeof JournalLineSchema>;

export class CampaignJournal {
  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // A kill mid-write can leave the last line cut: drop it, so the next line starts clean.
    if (existsSync(path)) {
      const text = readFileSync(path);
      const end = text.lastIndexOf(0x0a) + 1;
      if (end < text.length) truncateSync(path, end);
    }
  }

  read(): JournalLine[] {
    if (!existsSync(this.path)) return [];
    const lines: JournalLine[] = [];
    const text = readFileSync(this.path, 'utf8').split('\n');
    for (let i = 0; i < text.length; i++) {
      const t = text[i]!.trim();
      if (!t) continue;
      let parsed;
      try {
        parsed = JournalLineSchema.safeParse(JSON.parse(t));
      } catch {
        parsed = undefined;
      }
      if (!parsed?.success) {
        throw new UserError(`${this.path} line ${i + 1} is not a campaign journal line.`, 'Give another --out folder, or remove the journal to start the campaign over.');
      }
      lines.push(parsed.data);
    }
    return lines;
  }

  append(line: JournalLine): void {
    // appendFileSync is one write(2) of the whole line: a kill leaves it whole or absent.
    appendFileSync(this.path, JSON.stringify(JournalLineSchema.parse(line)) + '\n');
  }
}

/** What the journal says about each cell and the money spent so far. */
export interface JournalState {
  done: Map<string, Extract<JournalLine, { state: 'done' }>>;
  /** Started, never finished: killed mid-cell; with the run ids of the runs inside it (a search's trials). */
  interrupted: Map<string, Extract<JournalLine, { state: 'started' }> & { runs: string[] }>;
  failed: Map<string, Extract<JournalLine, { state: 'failed' }>>;
  /** Measured cost of finished cells, plus the projection of interrupted ones (their bill is unknown: counted whole). */
  spentUsd: number;
}

export function journalState(lines: readonly JournalLine[]): JournalState {
  const done = new Map<string, Extract<JournalLine, { state: 'done' }>>();
  const failed = new Map<string, Extract<JournalLine, { state: 'failed' }>>();
  const started = new Map<string, Extract<JournalLine, { state: 'started' }>>();
  const cleaned = new Set<string>();
  const runs = new Map<string, string[]>();
  let spent = 0;
  for (const l of lines) {
    if (l.state === 'run') runs.set(l.parent, [...(runs.get(l.parent) ?? []), l.runId]);
    else if (l.state === 'started') started.set(l.runId, l);
    else if (l.state === 'done') {
      done.set(l.cell, l);
      started.delete(l.runId);
      spent += l.costUsd;
    } else if (l.state === 'failed') {
      failed.set(l.cell, l);
      started.delete(l.runId);
      spent += l.costUsd;
    } else if (l.state === 'cleaned') cleaned.add(l.runId);
  }
  const interrupted = new Map<string, Extract<JournalLine, { state: 'started' }> & { runs: string[] }>();
  for (const s of started.values()) {
    spent += s.projectedUsd;
    if (!cleaned.has(s.runId)) interrupted.set(s.runId, { ...s, runs: runs.get(s.runId) ?? [] });
  }
  return { done, interrupted, failed, spentUsd: spent };
}
