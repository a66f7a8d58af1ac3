// A D1 binding that reports each query's meta (rows read and written, size after) to the running
// invocation's usage (worker/usage.ts), so what D1 bills is measured, not estimated
// (docs/delivery.md#usage). Pass-through otherwise: same SQL, same results.
import { recordD1Meta } from "../usage.ts";

const WRITE_SQL = /^\s*(insert|update|delete|replace|with)\b/i;

/**
 * D1's `raw()` (drizzle's array mode, used for selects with fields and for RETURNING) drops the
 * meta. Writes go through `all()` instead (their RETURNING columns have distinct names, so the
 * row objects keep every value, in order); selects keep `raw()`, which can return duplicate
 * column names from joins, and count the rows returned as read: a lower bound.
 */
class MeteredStatement {
  constructor(readonly inner: D1PreparedStatement, private readonly sql: string) {}

  bind(...values: unknown[]): MeteredStatement {
    return new MeteredStatement(this.inner.bind(...values), this.sql);
  }

  async run<T>(): Promise<D1Result<T>> {
    const result = await this.inner.run<T>();
    recordD1Meta(result.meta);
    return result;
  }

  async all<T>(): Promise<D1Result<T>> {
    const result = await this.inner.all<T>();
    recordD1Meta(result.meta);
    return result;
  }

  async first<T>(column?: string): Promise<T | null> {
    const { results } = await this.all<Record<string, unknown>>();
    const row = results[0];
    if (!row) return null;
    return (column === undefined ? row : row[column]) as T;
  }

  async raw<T extends unknown[]>(options?: { columnNames?: boolean }): Promise<T[]> {
    if (WRITE_SQL.test(this.sql) && !options?.columnNames) {
      const { results } = await this.all<Record<string, unknown>>();
      return results.map((row) => Object.values(row)) as T[];
    }
    const rows = await this.inner.raw<T>(options as { columnNames: false });
    recordD1Meta(undefined, rows.length);
    return rows;
  }
}

const unwrap = (s: D1PreparedStatement) => (s instanceof MeteredStatement ? s.inner : s);

/** `d1` with every query's meta recorded; the wrapper is what drizzle gets (storage/db.ts). */
export function meteredD1(d1: D1Database): D1Database {
  const metered = {
    prepare: (query: string) => new MeteredStatement(d1.prepare(query), query),
    async batch<T>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
      const results = await d1.batch<T>(statements.map(unwrap));
      for (const result of results) recordD1Meta(result.meta);
      return results;
    },
    exec: (query: string) => d1.exec(query),
    dump: () => (d1 as unknown as { dump(): Promise<ArrayBuffer> }).dump(),
    withSession: (constraint?: string) => d1.withSession(constraint),
  };
  return metered as unknown as D1Database;
}
