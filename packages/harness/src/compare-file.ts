import { readFileSync } from 'node:fs';
import { parseDataFile } from './file-syntax.js';
import { z } from 'zod';
import { UserError, ShapeSpecSchema } from '@streamscore/core';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

const BackendConfig = z
  .object({
    backend: z.string(),
    target: z.string().optional(),
    knobs: z.record(z.string(), Scalar).default({}),
    /** A label for the report (default: backend, target and knobs). */
    label: z.string().optional(),
  })
  .strict();

/**
 * A comparison: a matrix of backends (each with its configuration) × workloads, run under one
 * load, reported together. What `streamscore compare FILE` reads.
 */
export const CompareFileSchema = z
  .object({
    title: z.string().default('streamscore comparison'),
    workloads: z.array(z.string()).min(1),
    backends: z.array(BackendConfig).min(1),
    params: z.record(z.string(), z.record(z.string(), Scalar)).default({}),
    generator: z.record(z.string(), Scalar).default({}),
    load: z
      .object({
        rate: z.number().positive(),
        shape: ShapeSpecSchema.optional(),
        duration: z.string().default('30s'),
        warmup: z.string().default('0s'),
      })
      .strict(),
    latencySlo: z.string().optional(),
    /** Search each cell's sustainable rate instead of one run at `load.rate`. */
    findMax: z
      .object({ maxRate: z.number().positive().optional(), repeat: z.number().int().min(1).optional(), repetitions: z.number().int().min(1).optional() })
      .strict()
      .optional(),
    /** Also measure each transport alone once. */
    baseline: z.boolean().default(false),
  })
  .strict();
export type CompareFile = z.infer<typeof CompareFileSchema>;

export interface CompareCell {
  workload: string;
  backend: string;
  target?: string;
  knobs: Record<string, string | number | boolean>;
  label?: string;
  params: Record<string, string | number | boolean>;
}

/** The cells of the matrix, in file order: every workload on every backend configuration. */
export function compareCells(f: CompareFile): CompareCell[] {
  const cells: CompareCell[] = [];
  for (const workload of f.workloads) {
    for (const b of f.backends) {
      cells.push({
        workload,
        backend: b.backend,
        ...(b.target ? { target: b.target } : {}),
        knobs: b.knobs,
        ...(b.label ? { label: b.label } : {}),
        params: f.params[workload] ?? {},
      });
    }
  }
  return cells;
}

export function readCompareFile(path: string): CompareFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  const data = parseDataFile(path, text);
  const parsed = CompareFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${i.path.join('.') || '(root)'}: ${i.message}.`, 'See docs/running.md#comparing for the format.');
  }
  return parsed.data;
}
