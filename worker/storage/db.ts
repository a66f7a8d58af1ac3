// One drizzle handle per D1 binding, and the one way to run a multi-statement write (D1 rejects BEGIN).
import { sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { drizzle, type DrizzleD1Database } from "drizzle-orm/d1";
import { meteredD1 } from "./metered-d1.ts";
import * as schema from "./schema.ts";

export type Db = DrizzleD1Database<typeof schema>;

const handles = new WeakMap<D1Database, Db>();

export function getDb(d1: D1Database): Db {
  let db = handles.get(d1);
  if (!db) {
    // Every query's meta (rows read/written, size) goes to the invocation's usage: docs/delivery.md#usage.
    db = drizzle(meteredD1(d1), { schema });
    handles.set(d1, db);
  }
  return db;
}

/** Runs `statements` as one db.batch (one D1 transaction: all or none); nothing to do for none. */
export async function runBatch(db: Db, statements: BatchItem<"sqlite">[]): Promise<void> {
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

/** The database size in bytes as D1 reports it after a query (meta.size_after): what the storage budget is checked against. */
export async function databaseSize(d1: D1Database): Promise<number> {
  const result = await getDb(d1).run(sql`select 1`);
  return result.meta.size_after;
}
