// One drizzle handle per D1 binding, and the one way to run a multi-statement write (D1 rejects BEGIN).
import { sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { meteredD1 } from "./metered-d1.ts";
import * as schema from "./schema.ts";
import type { RawStatement, SqlValue } from "./bulk-sql.ts";

export type Db = DrizzleD1Database<typeof schema>;

const handles = new WeakMap<D1Database, { db: Db; metered: D1Database }>();

function handlesOf(d1: D1Database): { db: Db; metered: D1Database } {
  let h = handles.get(d1);
  if (!h) {
    // Every query's meta (rows read/written, size) goes to the invocation's usage: docs/delivery.md#usage.
    const metered = meteredD1(d1);
    h = { db: drizzle(metered, { schema }), metered };
    handles.set(d1, h);
  }
  return h;
}

export function getDb(d1: D1Database): Db {
  return handlesOf(d1).db;
}

/** A write in a batch: a drizzle query builder, or SQL text and values built by storage/bulk-sql.ts. */
export type BatchStatement = RawStatement | { toSQL(): { sql: string; params: unknown[] } };

/**
 * Runs `statements` as one D1 batch (one transaction: all or none); nothing to do for none.
 * Writes only: their results are not returned.
 */
export async function runBatch(d1: D1Database, statements: readonly BatchStatement[]): Promise<void> {
  if (!statements.length) return;
  const { metered } = handlesOf(d1);
  await metered.batch(statements.map((s) => {
    const { sql: text, params } = "toSQL" in s ? s.toSQL() : s;
    return metered.prepare(text).bind(...params);
  }));
}

/** The rows of a select as arrays, in column order (a positional read: bulk-sql.ts rowFrom); metered like the rest. */
export async function selectRows(d1: D1Database, text: string, params: readonly SqlValue[]): Promise<unknown[][]> {
  return handlesOf(d1).metered.prepare(text).bind(...params).raw<unknown[]>();
}

/** The database size in bytes as D1 reports it after a query (meta.size_after): what the storage budget is checked against. */
export async function databaseSize(d1: D1Database): Promise<number> {
  const result = await getDb(d1).run(sql`select 1`);
  return result.meta.size_after;
}
