import { readFileSync } from 'node:fs';
import { parseDataFile } from './file-syntax.js';
import { z } from 'zod';
import { UserError, ShapeSpecSchema } from '@streamscore/core';

const Scalar = z.union([z.string(), z.number(), z.boolean()]);

/**
 * A run described by one file (YAML or JSON), so it is reproducible: what `streamscore run
 * --file` reads. Flags given on the command line override it.
 */
export const RunFileSchema = z
  .object({
    workload: z.string().optional(),
    backend: z.string().optional(),
    target: z.string().optional(),
    knobs: z.record(z.string(), Scalar).default({}),
    params: z.record(z.string(), Scalar).default({}),
    generator: z.record(z.string(), Scalar).default({}),
    load: z
      .object({
        shape: ShapeSpecSchema.optional(),
        rate: z.number().positive().optional(),
        duration: z.string().optional(),
        warmup: z.string().optional(),
      })
      .strict()
      .default({}),
    latencySlo: z.string().optional(),
    /** Faults fired during the run: `KIND@TIME[:options]` or `{ kind, at, for, options }` (docs/faults.md). */
    faults: z
      .array(
        z.union([
          z.string(),
          z
            .object({ kind: z.string(), at: z.union([z.string(), z.number()]), for: z.union([z.string(), z.number()]).optional(), options: z.record(z.string(), Scalar).optional() })
            .strict(),
        ]),
      )
      .default([]),
    findMax: z
      .object({
        maxRate: z.number().positive().optional(),
        /** Searches to repeat; the median rate is reported with its spread. */
        repeat: z.number().int().min(1).optional(),
        /** Older name of `repeat`. */
        repetitions: z.number().int().min(1).optional(),
        startRate: z.number().positive().optional(),
      })
      .strict()
      .optional(),
  })
  .strict();
export type RunFile = z.infer<typeof RunFileSchema>;

export function readRunFile(path: string): RunFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserError(`Cannot read run file ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
  const data = parseDataFile(path, text);
  const parsed = RunFileSchema.safeParse(data ?? {});
  if (!parsed.success) {
    const i = parsed.error.issues[0]!;
    throw new UserError(`${path}: ${i.path.join('.') || '(root)'}: ${i.message}.`, 'See docs/running.md for the run file format.');
  }
  return parsed.data;
}
