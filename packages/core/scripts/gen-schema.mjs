// Writes schema/result.schema.json from the built zod schema (run after `tsc -b`).
import { writeFileSync } from 'node:fs';
import { resultJsonSchema } from '../dist/result/json-schema.js';

const url = new URL('../schema/result.schema.json', import.meta.url);
writeFileSync(url, JSON.stringify(resultJsonSchema(), null, 2) + '\n');
console.log(`wrote ${url.pathname}`);
