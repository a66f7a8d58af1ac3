// One drizzle handle per D1 binding, and the one way to run a multi-statement write (D1 rejects BEGIN).
import { sql } from "drizzle-orm";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { meteredD1 } from "./metered-d1.ts";
import * as schema from "./schema.ts";
import type { RawStatement } from "./bulk-sql.ts";

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

/** A statement of a batch: a drizzle query builder, or SQL text and values built by storage/bulk-sql.ts. */
export type BatchStatement = RawStatement | { toSQL(): { sql: string; params: unknown[] } };

const prepared = (metered: D1Database) => (s: BatchStatement) => {
  const { sql: text, params } = "toSQL" in s ? s.toSQL() : s;
  return metered.prepare(text).bind(...params);
};

/**
 * Runs `statements` as one D1 batch (one transaction: all or none); nothing to do for none.
 * Writes only: their results are not returned.
 */
export async function runBatch(d1: D1Database, statements: readonly BatchStatement[]): Promise<void> {
  if (!statements.length) return;
  const { metered } = handlesOf(d1);
  await metered.batch(statements.map(prepared(metered)));
}

/**
 * Runs `statements` as one D1 batch (one round trip, one transaction, in order) and returns each
 * one's rows as arrays in column order. Locally every D1 round trip costs the one workerd thread
 * about a millisecond whatever the statement (BENCHMARKS.md), so a hot path sends its reads, and
 * the claim they depend on, together. D1 returns a batch's rows as objects keyed by column name:
 * every column of a statement read here needs a distinct name (selectColumns aliases them).
 */
export async function batchRows(d1: D1Database, statements: readonly BatchStatement[]): Promise<unknown[][][]> {
  if (!statements.length) return [];
  const { metered } = handlesOf(d1);
  const results = await metered.batch<Record<string, unknown>>(statements.map(prepared(metered)));
  return results.map((result) => result.results.map((row) => Object.values(row)));
}

/** The database size in bytes as D1 reports it after a query (meta.size_after): what the storage budget is checked against. */
export async function databaseSize(d1: D1Database): Promise<number> {
  const result = await getDb(d1).run(sql`select 1`);
  return result.meta.size_after;
}
