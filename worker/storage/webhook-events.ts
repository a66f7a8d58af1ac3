// The `webhook_events` table: each mapped webhook event stored once, shared by its deliveries
// (the body is built from it at send time: docs/delivery.md). db first; no HTTP here.
import { and, asc, eq, gt, inArray, lt, sql } from "drizzle-orm";
import { getDb, type Db } from "./db.ts";
import { insertRows, jsonList, jsonListParam, type ColumnRef, type RawStatement } from "./bulk-sql.ts";
import { deliveries, instances, webhookEvents, type WebhookEventRow } from "./schema.ts";

export type NewWebhookEvent = typeof webhookEvents.$inferInsert;

/**
 * A provisional sequence (-n, from numberEvents) becomes the instance's counter + n as the row
 * is inserted: no second write of the row and its sequence index entry. The counter moves in
 * the same transaction afterwards (sequenceStatements).
 */
const sequenceOnInsert = (column: ColumnRef) => `case when ${column("sequence")} < 0
  then (select last_sequence from instances where id = ${column("instance_id")}) - ${column("sequence")}
  else ${column("sequence")} end`;

export function insertWebhookEventsStatements(rows: NewWebhookEvent[]): RawStatement[] {
  return insertRows(webhookEvents, rows, { sequence: sequenceOnInsert });
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
export function storedPrefixesStatement(prefixes: string[]): RawStatement {
  return {
    sql: `select p.value as prefix from json_each(?) p
      where exists (select 1 from "webhook_events" e where e."id" >= p.value and e."id" < p.value || '~')`,
    params: [jsonListParam(prefixes)],
  };
}

/**
 * Moves each instance's counter past the provisional sequences (-1, -2, … per instance, from
 * numberEvents) its new events were numbered with on insert (sequenceOnInsert). Run in the same
 * db.batch as the insert: D1 runs one transaction at a time, so concurrent ingests of one
 * instance never interleave and the numbers have no gaps
 * (docs/decisions.md#sequences-from-a-counter-on-the-instance-row).
 */
export function sequenceStatements(db: Db, counts: Map<string, number>) {
  if (!counts.size) return [];
  const bumps = JSON.stringify([...counts].map(([id, n]) => ({ id, n })));
  return [db
    .update(instances)
    .set({ lastSequence: sql`${instances.lastSequence} + b.n` })
    .from(sql`(select json_extract(value, '$.id') as id, json_extract(value, '$.n') as n from json_each(${bumps})) as b`)
    .where(eq(instances.id, sql`b.id`))];
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
