import { readFileSync } from 'node:fs';
import { parseDataFile } from '../file-syntax.js';
import { z } from 'zod';
import { UserError } from '@streamscore/core';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const BackendConfig = z
  .object({
    backend: z.string(),
    target: z.string().optional(),
    knobs: z.record(z.string(), Scalar).default({}),
    label: z.string().optional(),
    /** This configuration's own search bounds: engines a hundredfold apart need not double up from one start. */
    findMax: z.object({ startRate: z.number().positive().optional(), maxRate: z.number().positive().optional() }).strict().optional(),
  })
  .strict();

/**
 * A campaign: the compare matrix (workloads × backend configurations × rates), sustainable-rate
 * searches and day-of-load runs, under one hard cost cap. What `streamscore campaign FILE` reads.
 */
export const CampaignFileSchema = z
  .object({
    title: z.string().default('streamscore campaign'),
    /** Markdown that `publish` prints under the title: what the figures are, what changed since the last edition and why. */
    notes: z.string().optional(),
    /** Hard cap on the campaign's bill, projected before and measured during. */
    maxCostUsd: z.number().positive(),
    workloads: z.array(z.string()).min(1),
    backends: z.array(BackendConfig).min(1),
    /** Events/s; every workload × backend runs once at each. */
    rates: z.array(z.number().positive()).default([]),
    params: z.record(z.string(), z.record(z.string(), Scalar)).default({}),
    duration: z.string().default('60s'),
    warmup: z.string().default('0s'),
    latencySlo: z.string().optional(),
    /** Also search each workload × backend's sustainable rate (needs latencySlo). */
    findMax: z
      .object({
        startRate: z.number().positive(),
        maxRate: z.number().positive(),
        repeat: z.number().int().min(1).default(1),
        /** The search stops when its bracket is narrower than this fraction of the rate. */
        precision: z.number().gt(0).lt(1).default(0.1),
      })
      .strict()
      .optional(),
    /** Also run each workload × backend under a day of varying load: a `--shape` text such as file:day.csv/1s. */
    day: z.object({ shape: z.string(), rate: z.number().positive() }).strict().optional(),
  })
  .strict()
  .refine((f) => f.rates.length > 0 || f.findMax || f.day, { message: 'give rates, findMax or day: a campaign with nothing to run' })
  .refine((f) => !f.findMax || f.latencySlo, { message: 'findMax needs latencySlo', path: ['latencySlo'] });
export type CampaignFile = z.infer<typeof CampaignFileSchema>;

export type CellKind = 'rate' | 'find-max' | 'day';

/** One run (or search) of the campaign; `id` is stable across invocations, so a journal can name it. */
export interface CampaignCell {
  id: string;
  kind: CellKind;
  workload: string;
  backend: string;
  target?: string;
  knobs: Record<string, string | number | boolean>;
  label: string;
  params: Record<string, string | number | boolean>;
  /** The rate of a `rate` cell, the start of a search, the peak of a day. */
  rate: number;
  maxRate?: number;
  shape?: string;
}

function labelOf(b: z.infer<typeof BackendConfig>): string {
  if (b.label) return b.label;
  const knobs = Object.entries(b.knobs).map(([k, v]) => `${k}=${String(v)}`);
  return [b.backend, b.target, ...knobs].filter(Boolean).join(' ');
}

/** Every cell, in run order: for each workload and backend configuration, its rates, then its search, then its day. */
export function campaignCells(f: CampaignFile): CampaignCell[] {
  const cells: CampaignCell[] = [];
  for (const workload of f.workloads) {
    for (const b of f.backends) {
      const base = { workload, backend: b.backend, ...(b.target ? { target: b.target } : {}), knobs: b.knobs, label: labelOf(b), params: f.params[workload] ?? {} };
      const id = (suffix: string) => `${workload} | ${base.label} | ${suffix}`;
      for (const rate of f.rates) cells.push({ ...base, id: id(`rate ${rate}`), kind: 'rate', rate });
      if (f.findMax) {
        const startRate = b.findMax?.startRate ?? f.findMax.startRate;
        const maxRate = b.findMax?.maxRate ?? f.findMax.maxRate;
        if (startRate > maxRate) throw new UserError(`${base.label}: the search starts at ${startRate} events/s, above its maxRate ${maxRate}.`, 'Give a findMax.startRate no larger than findMax.maxRate.');
        cells.push({ ...base, id: id(`find-max ${startRate}..${maxRate}`), kind: 'find-max', rate: startRate, maxRate });
      }
      if (f.day) cells.push({ ...base, id: id(`day ${f.day.shape}`), kind: 'day', rate: f.day.rate, shape: f.day.shape });
    }
  }
  const ids = new Set<string>();
  for (const c of cells) {
    if (ids.has(c.id)) throw new UserError(`The campaign lists "${c.id}" twice.`, 'Give the repeated backend configurations different labels.');
    ids.add(c.id);
  }
  return cells;
}

export function readCampaignFile(path: string): CampaignFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  const data = parseDataFile(path, text);
  const parsed = CampaignFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${i.path.join('.') || '(root)'}: ${i.message}.`, 'See docs/aws.md#4-a-first-campaign-under-1 for the format.');
  }
  return parsed.data;
}
