// The `webhook_events` table: each mapped webhook event stored once, shared by its deliveries
// (the body is built from it at send time: docs/delivery.md). db first; no HTTP here.
import { and, asc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { getDb, type Db } from "./db.ts";
import { insertJsonRows, jsonList } from "./json-rows.ts";
import { deliveries, instances, webhookEvents, type WebhookEventRow } from "./schema.ts";

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

/**
 * Turns the provisional sequences (-1, -2, … per instance, from numberEvents) into the instance's
 * next ones, then moves each instance's counter past them. Run in the same db.batch as the insert:
 * D1 runs one transaction at a time, so concurrent ingests of one instance never interleave and
 * the numbers have no gaps (docs/decisions.md#sequences-from-a-counter-on-the-instance-row).
 */
export function sequenceStatements(db: Db, counts: Map<string, number>) {
  if (!counts.size) return [];
  const ids = [...counts.keys()];
  const assign = db
    .update(webhookEvents)
    .set({ sequence: sql`(select ${instances.lastSequence} from ${instances} where ${instances.id} = ${webhookEvents.instanceId}) - ${webhookEvents.sequence}` })
    .where(and(inArray(webhookEvents.instanceId, jsonList(ids)), lt(webhookEvents.sequence, 0)));
  const bumps = JSON.stringify([...counts].map(([id, n]) => ({ id, n })));
  const bump = db
    .update(instances)
    .set({ lastSequence: sql`${instances.lastSequence} + b.n` })
    .from(sql`(select json_extract(value, '$.id') as id, json_extract(value, '$.n') as n from json_each(${bumps})) as b`)
    .where(eq(instances.id, sql`b.id`));
  return [assign, bump];
}

/** The instance's stored events after sequence `after`, in order, at most `limit`. */
export async function listEventsAfter(d1: D1Database, instanceId: string, after: number, limit: number): Promise<WebhookEventRow[]> {
  return getDb(d1)
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.instanceId, instanceId), gt(webhookEvents.sequence, after)))
    .orderBy(asc(webhookEvents.sequence))
    .limit(limit);
}

/** The instance's stored events about WhatsApp message `messageId` (upsert, updates, receipts, deletes, sends), in sequence order. */
export async function findEventsByMessageId(d1: D1Database, instanceId: string, messageId: string): Promise<WebhookEventRow[]> {
  return getDb(d1)
    .select()
    .from(webhookEvents)
    .where(and(eq(webhookEvents.instanceId, instanceId), eq(webhookEvents.messageId, messageId)))
    .orderBy(asc(webhookEvents.sequence), asc(webhookEvents.id));
}
