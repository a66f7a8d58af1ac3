// Delivery state for the queue consumer, the DLQ and the cron sweep: claim + load a whole queue
// batch (a lease so duplicate queue messages never send twice at once), record a batch's attempts
// in one transaction, fail, sweep, prune. Set-based statements: a few D1 round trips per batch.
import { and, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { getDb, type Db } from "./db.ts";
import { insertJsonRows, jsonList } from "./json-rows.ts";
import { instances, webhooks, type InstanceRow, type WebhookRow } from "./schema.ts";
import {
  deliveries, deliveryAttempts, ingestedEvents, webhookEvents,
  type DeliveryRow, type WebhookEventRow,
} from "./schema-pipeline.ts";

export interface DeliveryContext {
  delivery: DeliveryRow;
  event: WebhookEventRow;
  instance: InstanceRow | undefined;
  webhook: WebhookRow | undefined;
}

/** Nobody holds the lease (a consumer sets locked_until while it sends). */
const unleased = (now: number) => or(isNull(deliveries.lockedUntil), lte(deliveries.lockedUntil, now));

export interface ClaimedContexts {
  /** Every requested delivery that still exists, by id. */
  contexts: Map<string, DeliveryContext>;
  /** The ids this call leased: pending, due by `dueBefore`, and not leased by someone else. */
  claimed: Set<string>;
}

/**
 * Leases the due, unleased pending deliveries among `ids` until `lockedUntil` (one UPDATE …
 * RETURNING), then loads the context of every id (one join): two statements per queue batch.
 */
export async function claimAndLoadDeliveries(d1: D1Database, ids: string[], now: number, dueBefore: number, lockedUntil: number): Promise<ClaimedContexts> {
  const db = getDb(d1);
  const list = jsonList([...new Set(ids)]);
  // Claim first, then load: the context read after the claim is the state this lease protects.
  // (Not one db.batch: drizzle maps a joined select in a D1 batch by column name, and the
  // joined tables share names like `id`.)
  const claimedRows = await db
    .update(deliveries)
    .set({ lockedUntil })
    .where(and(inArray(deliveries.id, list), eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, dueBefore), unleased(now)))
    .returning({ id: deliveries.id });
  const rows = await db
    .select({ delivery: deliveries, event: webhookEvents, instance: instances, webhook: webhooks })
    .from(deliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, deliveries.eventId))
    .leftJoin(instances, eq(instances.id, deliveries.instanceId))
    .leftJoin(webhooks, eq(webhooks.instanceId, deliveries.instanceId))
    .where(inArray(deliveries.id, list));
  const contexts = new Map<string, DeliveryContext>();
  for (const row of rows) {
    contexts.set(row.delivery.id, { delivery: row.delivery, event: row.event, instance: row.instance ?? undefined, webhook: row.webhook ?? undefined });
  }
  return { contexts, claimed: new Set(claimedRows.map((r) => r.id)) };
}

export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  url: string;
  statusCode: number | null;
  latencyMs: number;
  outcome: "succeeded" | "retry" | "failed" | "gone";
  error: string | null;
  responseBody: string | null;
}

/** One attempt of one delivery and the delivery's state after it. */
export interface SettledAttempt {
  deliveryId: string;
  attempt: AttemptRecord;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: number;
  lastError: string | null;
}

export interface BatchSettlement {
  attempts: SettledAttempt[];
  /** Claimed deliveries that could not be sent at all (target gone, URL refused): failed, no attempt. */
  unsendable: { deliveryId: string; reason: string }[];
  /** Instance webhooks that answered 410 Gone: disabled. */
  disableWebhooksOf: string[];
  now: number;
}

/** Every settled delivery's new state (lease released) in one `update … from json_each(?)`. */
function updateStatesStatement(db: Db, settled: SettledAttempt[], now: number) {
  const state = JSON.stringify(settled.map((s) => ({
    id: s.deliveryId, status: s.status, attempts: s.attempt.attempt, next_attempt_at: s.nextAttemptAt,
    last_status_code: s.attempt.statusCode, last_error: s.lastError, completed_at: s.status === "pending" ? null : now,
  })));
  const fields = ["id", "status", "attempts", "next_attempt_at", "last_status_code", "last_error", "completed_at"];
  const source = sql.raw(fields.map((f) => `json_extract(value, '$.${f}') as ${f}`).join(", "));
  return db
    .update(deliveries)
    .set({
      status: sql`u.status`, attempts: sql`u.attempts`, nextAttemptAt: sql`u.next_attempt_at`, lockedUntil: null,
      lastStatusCode: sql`u.last_status_code`, lastError: sql`u.last_error`, updatedAt: now, completedAt: sql`u.completed_at`,
    })
    .from(sql`(select ${source} from json_each(${state})) as u`)
    .where(eq(deliveries.id, sql`u.id`));
}

/**
 * Stores a consumer batch's outcome in one db.batch (one transaction): every attempt, every
 * delivery's new state (lease released), the unsendable ones failed, 410'd webhooks disabled.
 */
export async function recordBatchSettlement(d1: D1Database, settlement: BatchSettlement): Promise<void> {
  const db = getDb(d1);
  const { now } = settlement;
  const statements: BatchItem<"sqlite">[] = insertJsonRows(db, deliveryAttempts, settlement.attempts.map((s) => ({ deliveryId: s.deliveryId, ...s.attempt })));
  if (settlement.attempts.length) statements.push(updateStatesStatement(db, settlement.attempts, now));
  for (const { deliveryId, reason } of settlement.unsendable) statements.push(failPendingStatement(db, [deliveryId], reason, now));
  const gone = [...new Set(settlement.disableWebhooksOf)];
  if (gone.length) statements.push(db.update(webhooks).set({ enabled: false, updatedAt: now }).where(inArray(webhooks.instanceId, jsonList(gone))));
  const [first, ...rest] = statements;
  if (first) await db.batch([first, ...rest]);
}

function failPendingStatement(db: Db, ids: string[], reason: string, now: number) {
  return db
    .update(deliveries)
    .set({ status: "failed", lastError: reason, lockedUntil: null, updatedAt: now, completedAt: now })
    .where(and(inArray(deliveries.id, jsonList([...new Set(ids)])), eq(deliveries.status, "pending")));
}

/** Marks still-pending deliveries failed (DLQ, vanished targets); finished ones are left alone. */
export async function failPendingDeliveries(d1: D1Database, ids: string[], reason: string, now: number): Promise<number> {
  if (!ids.length) return 0;
  const result = await failPendingStatement(getDb(d1), ids, reason, now).run();
  return result.meta.changes;
}

/**
 * Pending deliveries overdue by more than `graceMs` and not leased: their queue message was
 * lost. One UPDATE … RETURNING, so a delivery a consumer leases meanwhile is never taken. Their
 * next_attempt_at is moved to `now` so the next sweep waits another grace period.
 */
export async function takeStuckDeliveries(d1: D1Database, now: number, graceMs: number, limit: number): Promise<string[]> {
  const db = getDb(d1);
  const stuck = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "pending"), lt(deliveries.nextAttemptAt, now - graceMs), unleased(now)))
    .orderBy(deliveries.nextAttemptAt)
    .limit(limit);
  const rows = await db
    .update(deliveries)
    .set({ nextAttemptAt: now })
    .where(and(
      inArray(deliveries.id, stuck),
      eq(deliveries.status, "pending"),
      unleased(now),
    ))
    .returning({ id: deliveries.id });
  return rows.map((r) => r.id);
}

/**
 * Retention: succeeded deliveries completed before `before` (with their attempts), events left
 * without deliveries, and dedup ids older than `dedupBefore`. Bounded by `limit` per run.
 */
export async function pruneOldRows(d1: D1Database, before: number, dedupBefore: number, limit: number): Promise<void> {
  const db = getDb(d1);
  const old = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(eq(deliveries.status, "succeeded"), lt(deliveries.completedAt, before)))
    .limit(limit);
  const oldDedup = db.select({ id: ingestedEvents.id }).from(ingestedEvents).where(lt(ingestedEvents.receivedAt, dedupBefore)).limit(limit);
  const orphans = db
    .select({ id: webhookEvents.id })
    .from(webhookEvents)
    .where(and(
      lt(webhookEvents.createdAt, before),
      sql`not exists (select 1 from ${deliveries} where ${deliveries.eventId} = ${webhookEvents.id})`,
    ))
    .limit(limit);
  await db.batch([
    db.delete(deliveries).where(inArray(deliveries.id, old)),
    db.delete(webhookEvents).where(inArray(webhookEvents.id, orphans)),
    db.delete(ingestedEvents).where(inArray(ingestedEvents.id, oldDedup)),
  ]);
}
