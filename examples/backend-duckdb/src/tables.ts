import type { DuckDBAppender, DuckDBConnection } from '@duckdb/node-api';
import type { OutputSpec, Row, Scalar } from '@streamscore/core';

/**
 * Loads a batch of events into DuckDB tables and reads query results back as streamscore rows.
 *
 * Events are plain JSON objects. Those with a string `type` field go to the table of that name
 * (NEXMark: `person`, `auction`, `bid`); the others to `events`. A table's columns are the fields
 * of the events seen, typed from their values (whole numbers BIGINT, other numbers DOUBLE,
 * strings VARCHAR, booleans BOOLEAN), so nothing here knows a workload's event model.
 */
type ColumnType = 'BIGINT' | 'DOUBLE' | 'VARCHAR' | 'BOOLEAN';

interface Table {
  name: string;
  columns: { name: string; type: ColumnType }[];
}

function typeOf(v: unknown): ColumnType | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? 'BIGINT' : 'DOUBLE';
  if (typeof v === 'string') return 'VARCHAR';
  if (typeof v === 'boolean') return 'BOOLEAN';
  return undefined;
}

function widen(prior: ColumnType | undefined, ty: ColumnType): ColumnType {
  if (!prior || prior === ty) return ty;
  if ((prior === 'BIGINT' && ty === 'DOUBLE') || (prior === 'DOUBLE' && ty === 'BIGINT')) return 'DOUBLE';
  return 'VARCHAR';
}

const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export class EventTables {
  private readonly tables = new Map<string, Table>();

  constructor(private readonly conn: DuckDBConnection) {}

  /** Replaces the contents of every known table with this batch (tables without events become empty). */
  async load(events: readonly unknown[]): Promise<void> {
    const byTable = new Map<string, Record<string, unknown>[]>();
    for (const e of events) {
      const rec = e as Record<string, unknown>;
      const name = typeof rec['type'] === 'string' ? rec['type'] : 'events';
      let list = byTable.get(name);
      if (!list) byTable.set(name, (list = []));
      list.push(rec);
    }
    for (const [name, rows] of byTable) await this.ensure(name, rows);
    for (const t of this.tables.values()) {
      await this.conn.run(`DELETE FROM ${quote(t.name)}`);
      const rows = byTable.get(t.name);
      if (rows?.length) await this.append(t, rows);
    }
  }

  /** Creates the table on first sight, and adds columns for fields it has not seen before. */
  private async ensure(name: string, rows: Record<string, unknown>[]): Promise<void> {
    let t = this.tables.get(name);
    const seen = new Map<string, ColumnType>();
    for (const r of rows) {
      for (const [k, v] of Object.entries(r)) {
        const ty = typeOf(v);
        if (!ty) continue;
        seen.set(k, widen(seen.get(k), ty));
      }
    }
    if (!t) {
      t = { name, columns: [...seen].map(([n, ty]) => ({ name: n, type: ty })) };
      await this.conn.run(`CREATE OR REPLACE TABLE ${quote(name)} (${t.columns.map((c) => `${quote(c.name)} ${c.type}`).join(', ')})`);
      this.tables.set(name, t);
      return;
    }
    for (const [n, ty] of seen) {
      if (t.columns.some((c) => c.name === n)) continue;
      await this.conn.run(`ALTER TABLE ${quote(name)} ADD COLUMN ${quote(n)} ${ty}`);
      t.columns.push({ name: n, type: ty });
    }
  }

  /** Runs a query over the loaded tables; a table no event has created yet reads as empty. */
  async query(sql: string): Promise<Record<string, unknown>[]> {
    try {
      const reader = await this.conn.runAndReadAll(sql);
      return reader.getRowObjectsJS() as Record<string, unknown>[];
    } catch (e) {
      const missing = /Table with name (\w+) does not exist/.exec((e as Error).message);
      if (missing && !this.tables.has(missing[1]!)) return [];
      throw e;
    }
  }

  private async append(t: Table, rows: Record<string, unknown>[]): Promise<void> {
    const a: DuckDBAppender = await this.conn.createAppender(t.name);
    try {
      for (const r of rows) {
        for (const c of t.columns) {
          const v = r[c.name];
          if (v === undefined || v === null) a.appendNull();
          else if (c.type === 'BIGINT') a.appendBigInt(BigInt(v as number));
          else if (c.type === 'DOUBLE') a.appendDouble(Number(v));
          else if (c.type === 'BOOLEAN') a.appendBoolean(Boolean(v));
          else a.appendVarchar(String(v));
        }
        a.endRow();
      }
      a.flushSync();
    } finally {
      a.closeSync();
    }
  }
}

/** A DuckDB value as a row scalar of the workload's output column type: BIGINT and DECIMAL become numbers. */
function scalar(v: unknown): Scalar {
  if (v === null || v === undefined) return null;
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  if (v instanceof Date) return v.getTime();
  return String(v);
}

export function toRow(record: Record<string, unknown>, spec: OutputSpec): Row {
  const row: Row = {};
  for (const c of spec.columns) {
    const v = scalar(record[c.name]);
    row[c.name] = (c.type === 'bigint' || c.type === 'decimal' || c.type === 'timestamp') && typeof v === 'string' && v !== '' ? Number(v) : v;
  }
  return row;
}
