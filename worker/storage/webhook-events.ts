// The `webhook_events` table: each mapped webhook event stored once, shared by its deliveries
// (the body is built from it at send time: docs/delivery.md). db first; no HTTP here.
import { and, inArray, lt, sql } from "drizzle-orm";
import { getDb, type Db } from "./db.ts";
import { insertJsonRows, jsonList } from "./json-rows.ts";
import { deliveries, webhookEvents } from "./schema.ts";

export type NewWebhookEvent = typeof webhookEvents.$inferInsert;

export function insertWebhookEventsStatements(db: Db, rows: NewWebhookEvent[]) {
  return insertJsonRows(db, webhookEvents, rows);
}

const withoutDeliveries = sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${webhookEvents.id})`;

/** Of `ids` (the events of deliveries just deleted), deletes those no delivery refers to any more. */
export async function deleteEventsWithoutDeliveries(d1: D1Database, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  const result = await getDb(d1).delete(webhookEvents).where(and(inArray(webhookEvents.id, jsonList(ids)), withoutDeliveries)).run();
  return result.meta.changes;
}

/**
 * Up to `limit` of the oldest events below `beforeId` that no delivery refers to (left behind
 * when a prune stopped between its two statements): a range on the primary key, oldest first.
 */
export async function deleteOrphanEvents(d1: D1Database, beforeId: string, limit: number): Promise<number> {
  const db = getDb(d1);
  const orphans = db.select({ id: webhookEvents.id }).from(webhookEvents)
    .where(and(lt(webhookEvents.id, beforeId), withoutDeliveries)).orderBy(webhookEvents.id).limit(limit);
  const result = await db.delete(webhookEvents).where(inArray(webhookEvents.id, orphans)).run();
  return result.meta.changes;
}

/**
 * Which of these id prefixes (one per connector event: delivery/ids.ts) have a stored event:
 * one range probe on the primary key per prefix, whatever the batch size. Ingest's dedup check.
 */
export async function findStoredPrefixes(db: Db, prefixes: string[]): Promise<Set<string>> {
  if (!prefixes.length) return new Set();
  const rows = await db.all<{ prefix: string }>(sql`select p.value as prefix from json_each(${JSON.stringify([...new Set(prefixes)])}) p
    where exists (select 1 from ${webhookEvents} e where e.id >= p.value and e.id < p.value || '~')`);
  return new Set(rows.map((r) => r.prefix));
}
