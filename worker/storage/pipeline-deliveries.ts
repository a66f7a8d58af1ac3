// Delivery state for the queue consumer, the DLQ and the cron sweep: load, claim (a short lease
// so duplicate queue messages never send twice at once), record attempts, fail, sweep, prune.
import { and, eq, inArray, isNull, lt, lte, or, sql } from "drizzle-orm";
import { getDb } from "./db.ts";
import { instances, webhooks, type InstanceRow, type WebhookRow } from "./schema.ts";
import {
  deliveries, deliveryAttempts, ingestedEvents, webhookEvents,
  type DeliveryRow, type WebhookEventRow,
} from "./schema-pipeline.ts";
import { chunk, D1_MAX_PARAMS } from "./pipeline-writes.ts";

export interface DeliveryContext {
  delivery: DeliveryRow;
  event: WebhookEventRow;
  instance: InstanceRow | undefined;
  webhook: WebhookRow | undefined;
}

export async function loadDeliveryContext(d1: D1Database, deliveryId: string): Promise<DeliveryContext | undefined> {
  const row = await getDb(d1)
    .select({ delivery: deliveries, event: webhookEvents, instance: instances, webhook: webhooks })
    .from(deliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, deliveries.eventId))
    .leftJoin(instances, eq(instances.id, deliveries.instanceId))
    .leftJoin(webhooks, eq(webhooks.instanceId, deliveries.instanceId))
    .where(eq(deliveries.id, deliveryId))
    .get();
  if (!row) return undefined;
  return { delivery: row.delivery, event: row.event, instance: row.instance ?? undefined, webhook: row.webhook ?? undefined };
}

/** Takes the lease on a pending delivery; false when it is done or another consumer holds it. */
export async function claimDelivery(d1: D1Database, deliveryId: string, now: number, leaseMs: number): Promise<boolean> {
  const result = await getDb(d1)
    .update(deliveries)
    .set({ lockedUntil: now + leaseMs })
    .where(and(
      eq(deliveries.id, deliveryId),
      eq(deliveries.status, "pending"),
      or(isNull(deliveries.lockedUntil), lte(deliveries.lockedUntil, now)),
    ))
    .run();
  return result.meta.changes === 1;
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

export interface DeliveryUpdate {
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: number;
  lastError: string | null;
  now: number;
}

/** Stores the attempt and the delivery's new state together and releases the lease. */
export async function recordAttempt(d1: D1Database, deliveryId: string, attempt: AttemptRecord, update: DeliveryUpdate): Promise<void> {
  const db = getDb(d1);
  await db.batch([
    db.insert(deliveryAttempts).values({ deliveryId, ...attempt }),
    db
      .update(deliveries)
      .set({
        status: update.status,
        attempts: attempt.attempt,
        nextAttemptAt: update.nextAttemptAt,
        lockedUntil: null,
        lastStatusCode: attempt.statusCode,
        lastError: update.lastError,
        updatedAt: update.now,
        completedAt: update.status === "pending" ? null : update.now,
      })
      .where(eq(deliveries.id, deliveryId)),
  ]);
}

/** Marks still-pending deliveries failed (DLQ, vanished targets); finished ones are left alone. */
export async function failPendingDeliveries(d1: D1Database, ids: string[], reason: string, now: number): Promise<number> {
  const db = getDb(d1);
  let changed = 0;
  for (const part of chunk([...new Set(ids)], D1_MAX_PARAMS - 5)) {
    const result = await db
      .update(deliveries)
      .set({ status: "failed", lastError: reason, lockedUntil: null, updatedAt: now, completedAt: now })
      .where(and(inArray(deliveries.id, part), eq(deliveries.status, "pending")))
      .run();
    changed += result.meta.changes;
  }
  return changed;
}

/**
 * Pending deliveries overdue by more than `graceMs` and not leased: their queue message was
 * lost. Their next_attempt_at is moved to `now` so the next sweep waits another grace period.
 */
export async function takeStuckDeliveries(d1: D1Database, now: number, graceMs: number, limit: number): Promise<string[]> {
  const db = getDb(d1);
  const rows = await db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(
      eq(deliveries.status, "pending"),
      lt(deliveries.nextAttemptAt, now - graceMs),
      or(isNull(deliveries.lockedUntil), lte(deliveries.lockedUntil, now)),
    ))
    .orderBy(deliveries.nextAttemptAt)
    .limit(limit);
  const ids = rows.map((r) => r.id);
  for (const part of chunk(ids, D1_MAX_PARAMS - 5)) {
    await db.update(deliveries).set({ nextAttemptAt: now }).where(and(inArray(deliveries.id, part), eq(deliveries.status, "pending"))).run();
  }
  return ids;
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
