// The `ingested_events` table: connector event ids already accepted, so ingest is idempotent by
// id. Kept for the dedup window only (docs/delivery.md#retention). db first; no HTTP here.
import { inArray, lt } from "drizzle-orm";
import { getDb } from "./db.ts";
import { insertRows, JSON_LIST, jsonListParam, type RawStatement } from "./bulk-sql.ts";
import { ingestedEvents } from "./schema.ts";

export type NewIngestedEvent = typeof ingestedEvents.$inferInsert;

/** The ids among `ids` accepted before (one column: the id): one select, whatever the batch size. */
export function seenEventIdsStatement(ids: string[]): RawStatement {
  return { sql: `select "id" from "ingested_events" where "id" in ${JSON_LIST}`, params: [jsonListParam(ids)] };
}

export function insertIngestedEventsStatements(rows: NewIngestedEvent[]): RawStatement[] {
  return insertRows(ingestedEvents, rows);
}

/** True for the error D1 raises when a concurrent request stored the same event id first. */
export function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /UNIQUE constraint failed/i.test(text);
}

/** Dedup ids received before `before`, at most `limit` of them; returns how many went. */
export async function deleteIngestedEventsBefore(d1: D1Database, before: number, limit: number): Promise<number> {
  const db = getDb(d1);
  const old = db.select({ id: ingestedEvents.id }).from(ingestedEvents).where(lt(ingestedEvents.receivedAt, before)).limit(limit);
  const result = await db.delete(ingestedEvents).where(inArray(ingestedEvents.id, old)).run();
  return result.meta.changes;
}
