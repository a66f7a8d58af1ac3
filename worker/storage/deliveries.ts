// The `deliveries` table: one event to one webhook, its id the stable `webhook-id`. The consumer's
// lease (claim + load a whole queue batch), settled states, failing, the sweep's stuck rows,
// pruning, and the delivery log (search, one delivery, redelivery). Set-based statements: a few
// D1 round trips per queue batch (docs/delivery.md#consumer). db first; no HTTP here.
import { and, desc, eq, gte, inArray, isNull, lt, lte, ne, or, sql } from "drizzle-orm";
import { batchRows, getDb, type Db } from "./db.ts";
import { attemptsOrFirstTry, listAttempts, type AttemptRecord } from "./delivery-attempts.ts";
import { notHeldByEarlier } from "./delivery-order.ts";
import { columnCount, insertRows, JSON_LIST, jsonList, jsonListParam, rowFrom, rowSources, selectColumns, type RawStatement } from "./bulk-sql.ts";
import {
  deliveries, instances, webhookEvents, webhooks,
  type DeliveryAttemptRow, type DeliveryRow, type DeliveryStatus, type DeliveryTarget,
  type InstanceRow, type WebhookEventRow, type WebhookRow,
} from "./schema.ts";

export type NewDelivery = typeof deliveries.$inferInsert;

export function insertDeliveriesStatements(rows: NewDelivery[]): RawStatement[] {
  return insertRows(deliveries, rows);
}

export interface DeliveryContext {
  delivery: DeliveryRow;
  event: WebhookEventRow;
  instance: InstanceRow | undefined;
  webhook: WebhookRow | undefined;
}

/** Nobody holds the lease (a consumer sets locked_until while it sends). */
const unleased = (now: number) => or(isNull(deliveries.lockedUntil), lte(deliveries.lockedUntil, now));

/**
 * Every requested delivery that exists, joined with its event only where this claim leased it
 * (`locked_until` is this lease's, param 1): an unclaimed one needs its state, not its data.
 * Read positionally (bulk-sql.ts selectColumns).
 */
const CONTEXTS_SQL = `select ${selectColumns(deliveries, "d")}, ${selectColumns(webhookEvents, "e")}
  from "deliveries" d left join "webhook_events" e on e."id" = d."event_id" and d."locked_until" = ?
  where d."id" in ${JSON_LIST}`;
/** The instances of the deliveries this claim leased (params: the ids, the lease). */
const LEASED_INSTANCE_IDS = `select d."instance_id" from "deliveries" d where d."id" in ${JSON_LIST} and d."locked_until" = ?`;
const INSTANCES_SQL = `select ${selectColumns(instances, "i")} from "instances" i where i."id" in (${LEASED_INSTANCE_IDS})`;
const WEBHOOKS_SQL = `select ${selectColumns(webhooks, "w")} from "webhooks" w where w."instance_id" in (${LEASED_INSTANCE_IDS})`;

/** What an unclaimed delivery's message needs to know: finished, or due later. */
export type UnclaimedState = Pick<DeliveryRow, "status" | "nextAttemptAt">;

export interface ClaimedContexts {
  /** The context of every delivery this call leased, by id. */
  contexts: Map<string, DeliveryContext>;
  /** The ids this call leased: pending, due by `dueBefore`, and not leased by someone else. */
  claimed: Set<string>;
  /** The state of every other requested delivery that still exists (a missing id is gone). */
  unclaimed: Map<string, UnclaimedState>;
}

const webhookKey = (instanceId: string, webhookId: string) => `${instanceId}\n${webhookId}`;

/**
 * The claim's contexts from its reads: each leased delivery with its event, and its instance
 * and webhook, read once each (a batch's hundreds of deliveries mostly share one instance and
 * one webhook: joining them per row made D1 read, marshal and map the same row hundreds of
 * times); the state of the others.
 */
function contextsFrom(claimed: Set<string>, rows: unknown[][], instanceRows: unknown[][], webhookRows: unknown[][]): ClaimedContexts {
  const eventsAt = columnCount(deliveries);
  const instanceById = new Map(instanceRows.map((values) => rowFrom<InstanceRow>(instances, values, 0)).map((i) => [i.id, i]));
  const webhookByKey = new Map(webhookRows.map((values) => rowFrom<WebhookRow>(webhooks, values, 0)).map((w) => [webhookKey(w.instanceId, w.id), w]));
  const contexts = new Map<string, DeliveryContext>();
  const unclaimed = new Map<string, UnclaimedState>();
  for (const values of rows) {
    const delivery = rowFrom<DeliveryRow>(deliveries, values, 0);
    if (!claimed.has(delivery.id)) {
      unclaimed.set(delivery.id, { status: delivery.status, nextAttemptAt: delivery.nextAttemptAt });
      continue;
    }
    if (values[eventsAt] === null) continue; // its event is gone: no context, nothing to send
    const event = rowFrom<WebhookEventRow>(webhookEvents, values, eventsAt);
    const { instanceId, webhookId } = delivery;
    const instance = instanceId ? instanceById.get(instanceId) : undefined;
    const webhook = instanceId && webhookId ? webhookByKey.get(webhookKey(instanceId, webhookId)) : undefined;
    contexts.set(delivery.id, { delivery, event, instance, webhook });
  }
  return { contexts, claimed, unclaimed };
}

/**
 * Leases the due, unleased pending deliveries among `ids` until `lockedUntil` (UPDATE …
 * RETURNING), and reads the context of the leased ones and the state of the others, in one D1
 * batch: one round trip per queue batch. The batch runs in order in one transaction, so the
 * context read after the claim is the state this lease protects.
 */
export async function claimAndLoadDeliveries(d1: D1Database, ids: string[], now: number, dueBefore: number, lockedUntil: number): Promise<ClaimedContexts> {
  const db = getDb(d1);
  const idList = jsonListParam(ids);
  const claim = db
    .update(deliveries)
    .set({ lockedUntil })
    .where(and(inArray(deliveries.id, jsonList(ids)), eq(deliveries.status, "pending"), lte(deliveries.nextAttemptAt, dueBefore), unleased(now), notHeldByEarlier()))
    .returning({ id: deliveries.id });
  const [claimedRows = [], rows = [], instanceRows = [], webhookRows = []] = await batchRows(d1, [
    claim,
    { sql: CONTEXTS_SQL, params: [lockedUntil, idList] },
    { sql: INSTANCES_SQL, params: [idList, lockedUntil] },
    { sql: WEBHOOKS_SQL, params: [idList, lockedUntil] },
  ]);
  return contextsFrom(new Set(claimedRows.map(([id]) => id as string)), rows, instanceRows, webhookRows);
}

/** One attempt of one delivery and the delivery's state after it. */
export interface SettledAttempt {
  deliveryId: string;
  attempt: AttemptRecord;
  status: "pending" | "succeeded" | "failed";
  nextAttemptAt: number;
  lastError: string | null;
  /** False for a first-try success: the delivery row alone records it (docs/delivery.md#delivery-log). */
  keepAttemptRow: boolean;
}

/**
 * Every settled delivery's new state (lease released): `update … from <row source>`, most
 * groups in one statement. A finished one's `completed_at` is when its attempt ended and
 * `last_latency_ms` how long it took: together they are a first-try success's attempt
 * (attemptsOrFirstTry).
 */
export function updateStatesStatements(settled: SettledAttempt[], now: number): RawStatement[] {
  const fields = ["id", "status", "attempts", "next_attempt_at", "last_status_code", "last_latency_ms", "last_error", "completed_at"];
  const rows = settled.map((s) => [
    s.deliveryId, s.status, s.attempt.attempt, s.nextAttemptAt, s.attempt.statusCode, s.attempt.latencyMs, s.lastError,
    s.status === "pending" ? null : s.attempt.startedAt + s.attempt.latencyMs,
  ]);
  return rowSources(fields, rows, 1).map(({ from, params, column: u }) => ({
    sql: `update "deliveries" set "status" = ${u("status")}, "attempts" = ${u("attempts")}, "next_attempt_at" = ${u("next_attempt_at")},
      "locked_until" = null, "last_status_code" = ${u("last_status_code")}, "last_latency_ms" = ${u("last_latency_ms")},
      "last_error" = ${u("last_error")}, "updated_at" = ?, "completed_at" = ${u("completed_at")}
      from ${from} where "deliveries"."id" = ${u("id")}`,
    params: [now, ...params],
  }));
}

export function failPendingStatement(db: Db, ids: string[], reason: string, now: number) {
  return db
    .update(deliveries)
    .set({ status: "failed", lastError: reason, lockedUntil: null, updatedAt: now, completedAt: now })
    .where(and(inArray(deliveries.id, jsonList(ids)), eq(deliveries.status, "pending")));
}

/** Marks still-pending deliveries failed (DLQ, vanished targets); finished ones are left alone. */
export async function failPendingDeliveries(d1: D1Database, ids: string[], reason: string, now: number): Promise<number> {
  if (!ids.length) return 0;
  const result = await failPendingStatement(getDb(d1), ids, reason, now).run();
  return result.meta.changes;
}

/** Pending and never touched since ingest (next_attempt_at still = created_at): in no index. */
const untouched = sql`${deliveries.status} = 'pending' and ${deliveries.nextAttemptAt} = ${deliveries.createdAt}`;
/** Pending and touched since (retried, swept, held by the sweep, redelivered): the partial deliveries_retry_due_idx. */
const touched = sql`${deliveries.status} = 'pending' and ${deliveries.nextAttemptAt} > ${deliveries.createdAt}`;

/** What one sweep took: deliveries to re-enqueue, held ones it only touched, where the next scan starts. */
export interface StuckDeliveries {
  ids: string[];
  /** Untouched deliveries held by an earlier one of their chat: touched (now in the retry index), not re-enqueued. */
  held: number;
  watermark: string;
}

/**
 * Pending deliveries overdue by more than `graceMs` and not leased: their queue message was
 * lost. Touched ones come from the partial index (minus those held by an earlier delivery of
 * their chat); untouched ones from a primary-key range scan starting at `watermark` and ending
 * at ids created `graceMs` ago (`staleBeforeId`). One UPDATE … RETURNING takes them, so a
 * delivery a consumer leases meanwhile is never taken; next_attempt_at moves to `now` (the next
 * sweep waits another grace period). An untouched delivery that is held is touched too, but not
 * returned for sending: it leaves the range (the watermark never stops at it, nor skips it) and
 * the retry index's scan finds it once its chat moves on (docs/delivery.md#sweep). The new
 * watermark: the oldest untouched pending delivery left (leased), else the newest one scanned.
 */
export async function takeStuckDeliveries(d1: D1Database, now: number, graceMs: number, limit: number, watermark: string, staleBeforeId: string): Promise<StuckDeliveries> {
  const db = getDb(d1);
  const range = and(gte(deliveries.id, watermark), lt(deliveries.id, staleBeforeId));
  const retries = db.select({ id: deliveries.id }).from(deliveries)
    .where(and(touched, lt(deliveries.nextAttemptAt, now - graceMs), unleased(now), notHeldByEarlier())).orderBy(deliveries.nextAttemptAt).limit(limit);
  const fresh = db.select({ id: deliveries.id }).from(deliveries)
    .where(and(range, untouched, unleased(now))).orderBy(deliveries.id).limit(limit);
  const rows = await db
    .update(deliveries)
    .set({ nextAttemptAt: now })
    .where(and(or(inArray(deliveries.id, retries), inArray(deliveries.id, fresh)), eq(deliveries.status, "pending"), unleased(now)))
    .returning({ id: deliveries.id, free: sql<number>`${notHeldByEarlier()}` });
  const oldest = await db.select({ id: deliveries.id }).from(deliveries).where(and(range, untouched)).orderBy(deliveries.id).limit(1).get();
  // Else the newest id scanned, never `staleBeforeId` itself: a run on a clock ahead of the
  // ids (a trigger with a future time) must not skip deliveries created later.
  const newest = oldest ? undefined : await db.select({ id: deliveries.id }).from(deliveries).where(range).orderBy(desc(deliveries.id)).limit(1).get();
  const free = rows.filter((r) => Number(r.free) === 1);
  return { ids: free.map((r) => r.id), held: rows.length - free.length, watermark: oldest?.id ?? newest?.id ?? watermark };
}

/**
 * Deletes up to `limit` of the oldest deliveries in `statuses` whose id sorts below `beforeId`
 * (created before then: a range on the primary key, oldest first; `+status` keeps SQLite on
 * that key instead of a status index). Their attempts cascade. Returns how many went and the
 * events they belonged to (docs/delivery.md#retention).
 */
export async function deleteOldestDeliveries(d1: D1Database, statuses: DeliveryStatus[], beforeId: string, limit: number): Promise<{ deleted: number; eventIds: string[] }> {
  const db = getDb(d1);
  const oldest = db
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(lt(deliveries.id, beforeId), inArray(sql`+${deliveries.status}`, statuses)))
    .orderBy(deliveries.id)
    .limit(limit);
  const rows = await db.delete(deliveries).where(inArray(deliveries.id, oldest)).returning({ eventId: deliveries.eventId });
  return { deleted: rows.length, eventIds: [...new Set(rows.map((r) => r.eventId))] };
}

/** Webhook events with a delivery created at or after `sinceId`'s time: a primary-key range. */
export async function countEventsSince(d1: D1Database, sinceId: string): Promise<number> {
  const row = await getDb(d1).select({ n: sql<number>`count(distinct ${deliveries.eventId})` }).from(deliveries).where(gte(deliveries.id, sinceId)).get();
  return Number(row?.n ?? 0);
}

/** Creation time of the oldest delivery kept (the replay horizon): the first row by primary key. */
export async function oldestDeliveryCreatedAt(d1: D1Database): Promise<number | null> {
  const row = await getDb(d1).select({ createdAt: deliveries.createdAt }).from(deliveries).orderBy(deliveries.id).limit(1).get();
  return row?.createdAt ?? null;
}

/**
 * Pending and failed counts without a status index: touched pending ones and failed ones from
 * their partial indexes, untouched pending ones from the primary-key range above the sweep's
 * watermark (none is below it).
 */
export async function openDeliveryCounts(d1: D1Database, watermark: string): Promise<{ pending: number; failed: number }> {
  const db = getDb(d1);
  const count = sql<number>`count(*)`;
  const [retrying, fresh, failed] = await Promise.all([
    db.select({ n: count }).from(deliveries).where(touched).get(),
    db.select({ n: count }).from(deliveries).where(and(gte(deliveries.id, watermark), untouched)).get(),
    db.select({ n: count }).from(deliveries).where(sql`${deliveries.status} = 'failed'`).get(),
  ]);
  return { pending: Number(retrying?.n ?? 0) + Number(fresh?.n ?? 0), failed: Number(failed?.n ?? 0) };
}

// The delivery log as the API reads it (newest first, id cursor); redelivery keeps the id, so the
// receiver sees the same webhook-id.

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

/**
 * One delivery with its attempts (a first-try success's from the delivery row: attemptsOrFirstTry).
 * `globalUrl`: the global webhook's URL, for such an attempt of a global delivery.
 */
export async function findDeliveryWithAttempts(
  d1: D1Database,
  scope: DeliveryScope,
  deliveryId: string,
  globalUrl = "",
): Promise<{ delivery: DeliveryRow; attempts: DeliveryAttemptRow[] } | undefined> {
  const db = getDb(d1);
  const found = await db
    .select({ delivery: deliveries, url: webhooks.url })
    .from(deliveries)
    .leftJoin(webhooks, and(eq(webhooks.instanceId, deliveries.instanceId), eq(webhooks.id, deliveries.webhookId)))
    .where(and(scopeFilter(scope), eq(deliveries.id, deliveryId)))
    .get();
  if (!found) return undefined;
  const url = found.delivery.target === "global" ? globalUrl : (found.url ?? "");
  return { delivery: found.delivery, attempts: attemptsOrFirstTry(found.delivery, await listAttempts(db, deliveryId), url) };
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
