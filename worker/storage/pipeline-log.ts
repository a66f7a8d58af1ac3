// The delivery log as the API reads it: search (newest first, id cursor), one delivery with its
// attempts, and redelivery (back to pending with the same id, so the same webhook-id).
import { and, asc, desc, eq, gte, inArray, lt, ne } from "drizzle-orm";
import { getDb } from "./db.ts";
import {
  deliveries, deliveryAttempts,
  type DeliveryAttemptRow, type DeliveryRow, type DeliveryStatus, type DeliveryTarget,
} from "./schema-pipeline.ts";

export interface DeliveryScope {
  instanceId: string;
  /** Instance tokens see only their own webhook's deliveries; the global key also sees global ones. */
  targets: DeliveryTarget[];
}

export interface DeliverySearch {
  status?: DeliveryStatus;
  event?: string;
  /** Created at or after, ms. */
  since?: number;
  /** Return deliveries older than this id (the previous page's nextCursor). */
  cursor?: string;
  limit: number;
}

function scopeFilter(scope: DeliveryScope) {
  return and(eq(deliveries.instanceId, scope.instanceId), inArray(deliveries.target, scope.targets));
}

/** One page, newest first; `nextCursor` is set when more may follow. */
export async function searchDeliveries(d1: D1Database, scope: DeliveryScope, search: DeliverySearch): Promise<{ items: DeliveryRow[]; nextCursor: string | null }> {
  const rows = await getDb(d1)
    .select()
    .from(deliveries)
    .where(and(
      scopeFilter(scope),
      search.status ? eq(deliveries.status, search.status) : undefined,
      search.event ? eq(deliveries.event, search.event) : undefined,
      search.since !== undefined ? gte(deliveries.createdAt, search.since) : undefined,
      search.cursor ? lt(deliveries.id, search.cursor) : undefined,
    ))
    .orderBy(desc(deliveries.id))
    .limit(search.limit + 1);
  const items = rows.slice(0, search.limit);
  return { items, nextCursor: rows.length > search.limit ? (items.at(-1)?.id ?? null) : null };
}

export async function findDeliveryWithAttempts(
  d1: D1Database,
  scope: DeliveryScope,
  deliveryId: string,
): Promise<{ delivery: DeliveryRow; attempts: DeliveryAttemptRow[] } | undefined> {
  const db = getDb(d1);
  const delivery = await db.select().from(deliveries).where(and(scopeFilter(scope), eq(deliveries.id, deliveryId))).get();
  if (!delivery) return undefined;
  const attempts = await db
    .select()
    .from(deliveryAttempts)
    .where(eq(deliveryAttempts.deliveryId, deliveryId))
    .orderBy(asc(deliveryAttempts.id));
  return { delivery, attempts };
}

export type RequeueResult = "requeued" | "not_found" | "pending";

/** A succeeded or failed delivery goes back to pending with a fresh attempt budget. */
export async function requeueDelivery(d1: D1Database, scope: DeliveryScope, deliveryId: string, now: number): Promise<RequeueResult> {
  const db = getDb(d1);
  const result = await db
    .update(deliveries)
    .set({ status: "pending", attempts: 0, nextAttemptAt: now, lockedUntil: null, completedAt: null, updatedAt: now })
    .where(and(scopeFilter(scope), eq(deliveries.id, deliveryId), ne(deliveries.status, "pending")))
    .run();
  if (result.meta.changes === 1) return "requeued";
  const existing = await db.select({ id: deliveries.id }).from(deliveries).where(and(scopeFilter(scope), eq(deliveries.id, deliveryId))).get();
  return existing ? "pending" : "not_found";
}
