// The `webhook_events` table: each mapped webhook event stored once, shared by its deliveries
// (the body is built from it at send time: docs/delivery.md). db first; no HTTP here.
import { and, inArray, lt, sql } from "drizzle-orm";
import type { Db } from "./db.ts";
import { insertJsonRows } from "./json-rows.ts";
import { deliveries, webhookEvents } from "./schema.ts";

export type NewWebhookEvent = typeof webhookEvents.$inferInsert;

export function insertWebhookEventsStatements(db: Db, rows: NewWebhookEvent[]) {
  return insertJsonRows(db, webhookEvents, rows);
}

/** Events created before `before` that no delivery refers to any more, at most `limit` of them. */
export function pruneOrphanEventsStatement(db: Db, before: number, limit: number) {
  const orphans = db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(
      lt(webhookEvents.createdAt, before),
      sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${webhookEvents.id})`,
    ))
    .limit(limit);
  return db.delete(webhookEvents).where(inArray(webhookEvents.id, orphans));
}
