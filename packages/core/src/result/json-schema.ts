import { z } from 'zod';
import { ResultSchema, RESULT_SCHEMA_VERSION } from './schema.js';

/** The Result's JSON Schema, generated from the zod schema (the one source of truth). */
export function resultJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ResultSchema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  return {
    ...schema,
    $id: `https://streamscore.dev/schema/result-v${RESULT_SCHEMA_VERSION}.json`,
    title: `streamscore Result (schemaVersion ${RESULT_SCHEMA_VERSION})`,
  };
}
