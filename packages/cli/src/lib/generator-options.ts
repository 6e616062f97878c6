import { UserError, type AnyWorkload } from '@streamscore/core';

/**
 * `--gen key=value` (and a run file's `generator:`) checked against the workload's own options
 * before anything starts: an unknown key or a bad value is refused in one line with the valid
 * options, instead of being dropped by the generator's parser.
 */
export function checkGeneratorOptions(workload: AnyWorkload, options: Record<string, unknown>): void {
  const keys = Object.keys(options);
  if (keys.length === 0) return;
  const schema = workload.generatorOptions;
  if (!schema) throw new UserError(`The generator of ${workload.id} takes no options (got --gen ${keys.join(', ')}).`, 'Drop --gen.');
  const valid = Object.keys(schema.shape);
  const unknown = keys.filter((k) => !valid.includes(k));
  if (unknown.length) {
    throw new UserError(`The generator of ${workload.id} has no option ${unknown.map((k) => `"${k}"`).join(', ')}.`, `Its options: ${valid.join(', ')}.`);
  }
  const parsed = schema.safeParse(options);
  if (!parsed.success) {
    throw new UserError(
      `Invalid generator option for ${workload.id}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}.`,
      `Its options: ${valid.join(', ')}.`,
    );
  }
}
