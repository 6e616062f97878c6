import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resultJsonSchema } from './json-schema.js';

describe('the shipped JSON Schema', () => {
  it('is what the zod schema generates (run `npm run schema` after changing the Result)', () => {
    const shipped = JSON.parse(readFileSync(new URL('../../schema/result.schema.json', import.meta.url), 'utf8'));
    expect(shipped).toEqual(resultJsonSchema());
  });

  it('requires the versioned fields', () => {
    const s = resultJsonSchema() as { required: string[]; properties: Record<string, { const?: number }> };
    expect(s.required).toEqual(expect.arrayContaining(['schemaVersion', 'runId', 'summary', 'verdict', 'latency', 'intervals']));
    expect(s.properties['schemaVersion']!.const).toBe(2);
  });
});
