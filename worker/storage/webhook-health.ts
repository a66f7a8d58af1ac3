// The health columns of the `webhooks` table (docs/delivery.md#endpoint-health): updated with every
// recorded batch, read by the stats route, and the automatic disable after failing too long
// (docs/delivery.md#auto-disable). db first; no HTTP here.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { getDb, type Db } from "./db.ts";
import { deliveries, webhooks } from "./schema.ts";

export interface WebhookHealthUpdate {
  instanceId: string;
  webhookId: string;
  /** The last success in the batch, if any (it resets the streak). */
  lastSuccessAt: number | null;
  reset: boolean;
  /** Failures after the batch's last success (or all of them without one). */
  failures: number;
  firstFailureAt: number | null;
  lastFailureAt: number | null;
  lastError: string | null;
}

/** One `update … from json_each(?)` for every webhook of a settled batch. */
export function webhookHealthStatement(db: Db, updates: WebhookHealthUpdate[]) {
  const json = JSON.stringify(updates.map((u) => ({
    i: u.instanceId, w: u.webhookId, s: u.lastSuccessAt, r: u.reset ? 1 : 0, n: u.failures, f: u.firstFailureAt, l: u.lastFailureAt, e: u.lastError,
  })));
  const fields = ["i", "w", "s", "r", "n", "f", "l", "e"].map((f) => `json_extract(value, '$.${f}') as ${f}`).join(", ");
  return db
    .update(webhooks)
    .set({
      lastSuccessAt: sql`coalesce(h.s, ${webhooks.lastSuccessAt})`,
      consecutiveFailures: sql`case when h.r = 1 then h.n else ${webhooks.consecutiveFailures} + h.n end`,
      failingSince: sql`case when h.n = 0 then (case when h.r = 1 then null else ${webhooks.failingSince} end)
        when h.r = 1 then h.f else coalesce(${webhooks.failingSince}, h.f) end`,
      lastFailureAt: sql`coalesce(h.l, ${webhooks.lastFailureAt})`,
      lastError: sql`coalesce(h.e, ${webhooks.lastError})`,
    })
    .from(sql`(select ${sql.raw(fields)} from json_each(${json})) as h`)
    .where(and(eq(webhooks.instanceId, sql`h.i`), eq(webhooks.id, sql`h.w`)));
}

export interface DisabledWebhook {
  instanceId: string;
  webhookId: string;
  url: string;
  failingSince: number;
  lastFailureAt: number;
  lastError: string | null;
}

/**
 * Disables the enabled webhooks whose failures, without a single success, span at least
 * `afterMs` (one UPDATE … RETURNING), and fails their pending deliveries (kept, redeliverable).
 */
export async function disableFailingWebhooks(d1: D1Database, afterMs: number, now: number, reason: string): Promise<DisabledWebhook[]> {
  const db = getDb(d1);
  const rows = await db
    .update(webhooks)
    .set({ enabled: false, disabledAt: now, disabledReason: reason, updatedAt: now })
    .where(and(
      eq(webhooks.enabled, true),
      isNotNull(webhooks.failingSince),
      sql`${webhooks.lastFailureAt} - ${webhooks.failingSince} >= ${afterMs}`,
    ))
    .returning({
      instanceId: webhooks.instanceId, webhookId: webhooks.id, url: webhooks.url,
      failingSince: webhooks.failingSince, lastFailureAt: webhooks.lastFailureAt, lastError: webhooks.lastError,
    });
  for (const row of rows) {
    await db
      .update(deliveries)
      .set({ status: "failed", lastError: "the instance webhook is disabled", lockedUntil: null, updatedAt: now, completedAt: now })
      .where(and(eq(deliveries.instanceId, row.instanceId), eq(deliveries.webhookId, row.webhookId), eq(deliveries.status, "pending")))
      .run();
  }
  return rows.map((r) => ({ ...r, failingSince: r.failingSince ?? now, lastFailureAt: r.lastFailureAt ?? now }));
}
