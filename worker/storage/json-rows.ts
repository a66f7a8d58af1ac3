// Set-based D1 statements over one JSON parameter: `json_each(?)` lists and multi-row inserts,
// so a statement's size does not depend on D1's 100-bound-parameter limit. SQL shaping only.
import { getTableColumns, sql, type SQL } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import type { Db } from "./db.ts";

/**
 * D1 caps a bound string at 2 MB; rows are grouped into JSON params of at most this many
 * characters, and a row that does not fit (a large event) is inserted on its own.
 */
export const MAX_JSON_PARAM_CHARS = 900_000;

/** `(select value from json_each(?))`: an IN-list of any length bound as one parameter. */
export function jsonList(values: readonly (string | number)[]): SQL {
  return sql`(select value from json_each(${JSON.stringify(values)}))`;
}

/** Splits `items` into groups whose JSON stays under `limit` characters; oversized items go alone. */
function groupBySize<T>(items: readonly T[], limit: number): { grouped: string[]; alone: T[] } {
  const grouped: string[] = [];
  const alone: T[] = [];
  let current: string[] = [];
  let size = 2;
  for (const item of items) {
    const json = JSON.stringify(item);
    if (json.length > limit) {
      alone.push(item);
      continue;
    }
    if (current.length && size + json.length + 1 > limit) {
      grouped.push(`[${current.join(",")}]`);
      current = [];
      size = 2;
    }
    current.push(json);
    size += json.length + 1;
  }
  if (current.length) grouped.push(`[${current.join(",")}]`);
  return { grouped, alone };
}

const namesByTable = new WeakMap<SQLiteTable, readonly (readonly [key: string, name: string])[]>();

/** The table's [property, SQL column] pairs, worked out once per table (ingest inserts thousands of rows a second). */
function columnNames(table: SQLiteTable): readonly (readonly [string, string])[] {
  let names = namesByTable.get(table);
  if (!names) {
    names = Object.entries(getTableColumns(table)).map(([key, col]) => [key, col.name] as const);
    namesByTable.set(table, names);
  }
  return names;
}

/** A row keyed by SQL column name, every column present (null when absent), booleans as 0/1. */
function asSqlRow(row: Record<string, unknown>, names: readonly (readonly [string, string])[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, name] of names) {
    const value = row[key];
    out[name] = typeof value === "boolean" ? Number(value) : value ?? null;
  }
  return out;
}

/**
 * `INSERT INTO t SELECT json_extract(value, '$."col"')… FROM json_each(?)` statements for `rows`
 * (drizzle insert shapes). Every column is selected in table order, so a column absent from a
 * row is NULL (an INTEGER PRIMARY KEY then gets its rowid); SQL DEFAULTs and `$defaultFn` do not
 * apply: pass every value. Booleans are stored as 0/1 like drizzle does. `computed` replaces a
 * column's extract with an SQL expression over `value` in the grouped statements (rows inserted
 * alone keep the plain value).
 */
export function insertJsonRows(db: Db, table: SQLiteTable, rows: readonly Record<string, unknown>[], limit = MAX_JSON_PARAM_CHARS, computed: Record<string, SQL> = {}): BatchItem<"sqlite">[] {
  if (!rows.length) return [];
  const names = columnNames(table);
  const asSqlRows = rows.map((row) => asSqlRow(row, names));
  const { grouped, alone } = groupBySize(asSqlRows, limit);
  const extracts = sql.join(names.map(([, name]) => computed[name] ?? sql.raw(`json_extract(value, '$."${name}"')`)), sql`, `);
  const statements: BatchItem<"sqlite">[] = grouped.map((json) => db.insert(table).select(sql`select ${extracts} from json_each(${json})`));
  // A row too large for a shared JSON param (its data near D1's 2 MB row cap) binds its own values.
  const single = alone.map((row) => {
    const original = rows[asSqlRows.indexOf(row)] as Record<string, unknown>;
    return db.insert(table).values(original as never);
  });
  return [...statements, ...single];
}
