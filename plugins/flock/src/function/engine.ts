import { createRequire } from 'node:module';
import type { DecodedTable, Schemas } from './payload.js';

/**
 * The vectorized engine inside a function: DuckDB (through @duckdb/node-api), one in-memory
 * database per execution environment, opened on first use and kept warm. Each run loads a
 * window's tables in column-major chunks of 2,048 rows (DuckDB's vector size) through the
 * appender, runs the stage's SQL, and returns the rows as plain JSON values.
 *
 * @duckdb/node-api is a native module: esbuild leaves it out of the bundle. The local Lambda
 * service resolves it from the repository's node_modules (its layer emulation); on AWS it must
 * come from a Lambda layer built for the function's architecture (docs/backends/flock.md).
 */

type DuckApi = typeof import('@duckdb/node-api');
type Connection = import('@duckdb/node-api').DuckDBConnection;

const CHUNK = 2048;
let api: DuckApi | undefined;
let conn: Promise<Connection> | undefined;

function duck(): DuckApi {
  // require(), not import(): the function bundle is CommonJS, and the native module must be
  // resolved at run time from the environment (node_modules of the layer).
  api ??= createRequire(__filenameOrUrl())('@duckdb/node-api') as DuckApi;
  return api;
}

function __filenameOrUrl(): string {
  // In the CommonJS bundle __filename exists; under ESM (tests) fall back to the module URL.
  return typeof __filename === 'string' ? __filename : import.meta.url;
}

/** Loads the native module now (counted in the environment's Init Duration, as Flock decoded its plan at INIT). */
export function preloadEngine(): void {
  duck();
}

async function connection(): Promise<Connection> {
  conn ??= (async () => {
    const d = duck();
    const inst = await d.DuckDBInstance.create(':memory:', { threads: '1' });
    return inst.connect();
  })();
  return conn;
}

function quoteIdent(s: string): string {
  return `"${s.replace(/"/g, '""')}"`;
}

/**
 * Creates every table of `schemas` (empty ones too), fills them from the decoded fragments, runs
 * `sql`, and drops the tables. Returns rows with BIGINT as number and timestamps as ms.
 */
export async function runStage(schemas: Schemas, parts: Record<string, DecodedTable[]>, sql: string): Promise<Record<string, unknown>[]> {
  const d = duck();
  const c = await connection();
  const created: string[] = [];
  try {
    for (const [table, schema] of Object.entries(schemas)) {
      const names = Object.keys(schema);
      const cols = names.map((n) => `${quoteIdent(n)} ${schema[n]}`).join(', ');
      await c.run(`CREATE OR REPLACE TABLE ${quoteIdent(table)} (${cols})`);
      created.push(table);
      const list = parts[table] ?? [];
      if (list.length === 0 || names.length === 0) continue;
      const types = names.map((n) => (schema[n] === 'DOUBLE' ? d.DOUBLE : schema[n] === 'BOOLEAN' ? d.BOOLEAN : d.VARCHAR));
      const app = await c.createAppender(table);
      for (const part of list) {
        for (let off = 0; off < part.rowCount; off += CHUNK) {
          const n = Math.min(CHUNK, part.rowCount - off);
          const chunk = d.DuckDBDataChunk.create(types, n);
          chunk.setColumns(names.map((name) => {
            const col = part.columns[name];
            return (col ? col.slice(off, off + n) : new Array<null>(n).fill(null)) as never[];
          }));
          app.appendDataChunk(chunk);
        }
      }
      app.flushSync();
      app.closeSync();
    }
    const reader = await c.runAndReadAll(sql);
    return reader.getRowObjectsJS().map(plain);
  } finally {
    for (const t of created) await c.run(`DROP TABLE IF EXISTS ${quoteIdent(t)}`).catch(() => undefined);
  }
}

function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) {
    if (typeof v === 'bigint') out[k] = Number(v);
    else if (v instanceof Date) out[k] = v.getTime();
    else if (v !== null && typeof v === 'object') out[k] = JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? Number(x) : x)));
    else out[k] = v;
  }
  return out;
}
