// Reads and bulk updates of the `deliveries` table for the engine v2 routes: deliveries of given
// events with their attempts (trace), bulk redelivery. db first; no HTTP here.
import { and, asc, eq, gte, inArray, lte, ne } from "drizzle-orm";
import { getDb } from "./db.ts";
import { jsonList } from "./bulk-sql.ts";
import { attemptsOrFirstTry } from "./delivery-attempts.ts";
import { deliveries, deliveryAttempts, webhooks, type DeliveryAttemptRow, type DeliveryRow, type DeliveryStatus, type DeliveryTarget } from "./schema.ts";

export interface DeliveryWithAttempts {
  delivery: DeliveryRow;
  attempts: DeliveryAttemptRow[];
}

/**
 * The deliveries of these events to the allowed targets, oldest first, each with its attempts
 * (a first-try success's from the delivery row: attemptsOrFirstTry; `globalUrl` for global ones).
 */
export async function deliveriesOfEvents(d1: D1Database, instanceId: string, eventIds: string[], targets: DeliveryTarget[], globalUrl = ""): Promise<DeliveryWithAttempts[]> {
  if (!eventIds.length) return [];
  const db = getDb(d1);
  const rows = await db
    .select({ delivery: deliveries, url: webhooks.url })
    .from(deliveries)
    .leftJoin(webhooks, and(eq(webhooks.instanceId, deliveries.instanceId), eq(webhooks.id, deliveries.webhookId)))
    .where(and(eq(deliveries.instanceId, instanceId), inArray(deliveries.eventId, jsonList(eventIds)), inArray(deliveries.target, targets)))
    .orderBy(asc(deliveries.id));
  if (!rows.length) return [];
  const attempts = await db
    .select()
    .from(deliveryAttempts)
    .where(inArray(deliveryAttempts.deliveryId, jsonList(rows.map((r) => r.delivery.id))))
    .orderBy(asc(deliveryAttempts.id));
  return rows.map(({ delivery, url }) => ({
    delivery,
    attempts: attemptsOrFirstTry(delivery, attempts.filter((a) => a.deliveryId === delivery.id), delivery.target === "global" ? globalUrl : (url ?? "")),
  }));
}

export interface BulkRedelivery {
  instanceId: string;
  targets: DeliveryTarget[];
  /** Only deliveries in this state; both finished states when absent. */
  status?: Exclude<DeliveryStatus, "pending">;
  event?: string;
  webhookId?: string;
  /** Created at or after / at or before, ms. */
  since?: number;
  until?: number;
  limit: number;
}

/**
 * Puts the matching succeeded / failed deliveries back to pending with a fresh attempt budget
 * and the same ids (one UPDATE … RETURNING, oldest first, at most `limit`). Pending ones are never touched.
 */
export async function requeueMatching(d1: D1Database, query: BulkRedelivery, now: number): Promise<string[]> {
  const db = getDb(d1);
  const matching = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(
      eq(deliveries.instanceId, query.instanceId),
      inArray(deliveries.target, query.targets),
      query.status ? eq(deliveries.status, query.status) : ne(deliveries.status, "pending"),
      query.event ? eq(deliveries.event, query.event) : undefined,
      query.webhookId ? eq(deliveries.webhookId, query.webhookId) : undefined,
      query.since !== undefined ? gte(deliveries.createdAt, query.since) : undefined,
      query.until !== undefined ? lte(deliveries.createdAt, query.until) : undefined,
    ))
    .orderBy(asc(deliveries.id))
    .limit(query.limit);
  const rows = await db
    .update(deliveries)
    .set({ status: "pending", attempts: 0, nextAttemptAt: now, lockedUntil: null, completedAt: null, updatedAt: now })
    .where(and(inArray(deliveries.id, matching), ne(deliveries.status, "pending")))
    .returning({ id: deliveries.id });
  return rows.map((r) => r.id);
}

