// Set-based D1 statements: `json_each(?)` IN-lists of any length, and multi-row statements over
// bound rows that stay within D1's 100-parameter limit. SQL shaping only, no I/O.
//
// The multi-row statements of the hot paths (ingest's inserts, the consumer's settlement) are
// SQL text written here rather than drizzle query builders: drizzle rebuilt each one's SQL on
// every call, and SQLite parsed a JSON parameter once per column per row; together a fifth of
// the local runtime's time per event (BENCHMARKS.md).
import { getTableColumns, getTableName, sql, type SQL } from "drizzle-orm";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { packBySize } from "../packing.ts";

/** D1 binds at most this many parameters per statement. */
export const MAX_BOUND_PARAMS = 100;
/**
 * Characters of bound text per statement (D1 caps a row, and so one event's data, at 2 MB):
 * rows are grouped under it, and a row over it goes in a statement of its own.
 */
export const MAX_STATEMENT_CHARS = 900_000;

export type SqlValue = string | number | null;

/** A statement as D1 takes it: SQL text and its bound values (storage/db.ts runBatch runs them with drizzle's). */
export interface RawStatement {
  sql: string;
  params: SqlValue[];
}

/** The one parameter of an IN-list: the distinct values as JSON. */
export const jsonListParam = (values: readonly (string | number)[]): string => JSON.stringify([...new Set(values)]);

/** An IN-list of any length in SQL text, bound with `jsonListParam`: `x in ${JSON_LIST}`. */
export const JSON_LIST = "(select value from json_each(?))";

/** `JSON_LIST` for drizzle builders: an IN-list of any length bound as one parameter (`jsonListParam`). */
export function jsonList(values: readonly (string | number)[]): SQL {
  return sql`(select value from json_each(${jsonListParam(values)}))`;
}

/** SQL for one column of the current row (`v.columnN` or `k.sN`), for expressions over a row source. */
export type ColumnRef = (name: string) => string;

/** One statement's rows as a FROM clause: `(values (?, ?), …) as v[, (select ? as s0, …) as k]`. */
export interface RowSource {
  from: string;
  params: SqlValue[];
  column: ColumnRef;
}

const charsOf = (values: readonly SqlValue[]) => values.reduce<number>((n, v) => n + (typeof v === "string" ? v.length : 8), 0);

/** Where each named column is in a row source: `v.columnN` (varying, by position) or `k.sN` (shared). */
function columnRefs(names: readonly string[], varying: readonly number[], shared: readonly number[]): ColumnRef {
  const refs = new Map<string, string>();
  varying.forEach((i, j) => refs.set(names[i] as string, `v.column${j + 1}`));
  shared.forEach((i, j) => refs.set(names[i] as string, `k.s${j}`));
  return (name) => {
    const ref = refs.get(name);
    if (ref === undefined) throw new Error(`no column ${name} in the row source`);
    return ref;
  };
}

/**
 * `rows` (values in `names` order) as FROM clauses, one per statement. A value the same in every
 * row (an ingest batch's instance, event name and time, the nulls) is bound once per statement
 * (`k`), the others per row (`v`), so more rows fit D1's 100 parameters; `otherParams` are the
 * statement's own. Plain bound values: SQLite parses no JSON per column.
 */
export function rowSources(names: readonly string[], rows: readonly SqlValue[][], otherParams = 0): RowSource[] {
  const head = rows[0];
  if (!head) return [];
  const isShared = names.map((_, i) => rows.length > 1 && rows.every((v) => v[i] === head[i]));
  const varying = names.flatMap((_, i) => (isShared[i] ? [] : [i]));
  const shared = names.flatMap((_, i) => (isShared[i] ? [i] : []));
  const perGroup = Math.floor((MAX_BOUND_PARAMS - otherParams - shared.length) / varying.length);
  if (perGroup < 1) throw new Error(`a row binds ${names.length + otherParams} parameters, over D1's ${MAX_BOUND_PARAMS}`);
  const column = columnRefs(names, varying, shared);
  const tuple = `(${varying.map(() => "?").join(", ")})`;
  const sharedFrom = shared.length ? `, (select ${shared.map((_, j) => `? as s${j}`).join(", ")}) as k` : "";
  const sharedParams = shared.map((i) => head[i] as SqlValue);
  const own = rows.map((row) => varying.map((i) => row[i] as SqlValue));
  return packBySize(own, perGroup, MAX_STATEMENT_CHARS, charsOf).map((group) => ({
    from: `(values ${group.map(() => tuple).join(", ")}) as v${sharedFrom}`,
    params: [...group.flat(), ...sharedParams],
    column,
  }));
}

interface TableShape {
  name: string;
  keys: readonly string[];
  columns: readonly string[];
  /** Drizzle's decoding of a stored value (identity for plain text and integers; JSON, booleans). */
  decoders: readonly ((value: unknown) => unknown)[];
}

const shapes = new WeakMap<SQLiteTable, TableShape>();

/** The table's name, properties and SQL columns, worked out once per table. */
function shapeOf(table: SQLiteTable): TableShape {
  let shape = shapes.get(table);
  if (!shape) {
    const entries = Object.entries(getTableColumns(table));
    shape = {
      name: getTableName(table), keys: entries.map(([key]) => key), columns: entries.map(([, col]) => col.name),
      decoders: entries.map(([, col]) => (value: unknown) => (value === null ? null : col.mapFromDriverValue(value))),
    };
    shapes.set(table, shape);
  }
  return shape;
}

/**
 * `alias."col" as "alias0", …` for every column of `table` in table order: a select read
 * positionally (`rowFrom`), for the consumer's join of hundreds of rows per batch, where
 * drizzle's per-row, per-column mapping of nested selections was the hottest JavaScript of the
 * consumer. Each column gets a name of its own, so tables joined under different aliases keep
 * every value when D1 returns rows as objects (a batch: db.ts batchRows).
 */
export function selectColumns(table: SQLiteTable, alias: string): string {
  return shapeOf(table).columns.map((col, i) => `${alias}.${quoted(col)} as ${quoted(`${alias}${i}`)}`).join(", ");
}

/** The `table` row whose columns (selectColumns order) start at `offset` of `values`. */
export function rowFrom<T>(table: SQLiteTable, values: readonly unknown[], offset: number): T {
  const { keys, decoders } = shapeOf(table);
  const row: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i++) row[keys[i] as string] = (decoders[i] as (v: unknown) => unknown)(values[offset + i]);
  return row as T;
}

/** How many columns `table` has (where the next table's columns start in a positional row). */
export const columnCount = (table: SQLiteTable): number => shapeOf(table).columns.length;

/** A row's values in table order: null when absent, booleans as 0/1 (as drizzle stores them). */
function sqlValues(row: Record<string, unknown>, keys: readonly string[]): SqlValue[] {
  return keys.map((key) => {
    const value = row[key];
    return typeof value === "boolean" ? Number(value) : ((value ?? null) as SqlValue);
  });
}

/** Column name → the SQL inserted for it, an expression over the row's columns. */
export type ComputedColumns = Record<string, (column: ColumnRef) => string>;

export const quoted = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * `INSERT INTO t (…every column…) SELECT … FROM <row source>` statements for `rows` (drizzle
 * insert shapes). Every column is inserted in table order, so an absent one is NULL (an INTEGER
 * PRIMARY KEY then gets its rowid); SQL DEFAULTs and `$defaultFn` do not apply: pass every value.
 * `computed` replaces a column's value with an SQL expression over the row's columns.
 */
export function insertRows(table: SQLiteTable, rows: readonly Record<string, unknown>[], computed: ComputedColumns = {}): RawStatement[] {
  const { name, keys, columns } = shapeOf(table);
  const into = `insert into ${quoted(name)} (${columns.map(quoted).join(", ")}) select `;
  return rowSources(columns, rows.map((row) => sqlValues(row, keys))).map((source) => {
    const select = columns.map((col) => computed[col]?.(source.column) ?? source.column(col)).join(", ");
    return { sql: `${into}${select} from ${source.from}`, params: source.params };
  });
}
