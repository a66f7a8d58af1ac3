// The health columns of the `webhooks` table (docs/delivery.md#endpoint-health): updated with every
// recorded batch, read by the stats route, and the automatic disable after failing too long
// (docs/delivery.md#auto-disable). db first; no HTTP here.
import { and, eq, isNotNull, sql } from "drizzle-orm";
import { getDb } from "./db.ts";
import type { RawStatement } from "./bulk-sql.ts";
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

const HEALTH_FIELDS = ["i", "w", "s", "r", "n", "f", "l", "e"].map((f) => `json_extract(value, '$.${f}') as ${f}`).join(", ");
/** Written once: the consumer runs it with every recorded group (SQL text, not a drizzle builder: bulk-sql.ts). */
const HEALTH_SQL = `update "webhooks" set
  "last_success_at" = coalesce(h.s, "last_success_at"),
  "consecutive_failures" = case when h.r = 1 then h.n else "consecutive_failures" + h.n end,
  "failing_since" = case when h.n = 0 then (case when h.r = 1 then null else "failing_since" end)
    when h.r = 1 then h.f else coalesce("failing_since", h.f) end,
  "last_failure_at" = coalesce(h.l, "last_failure_at"),
  "last_error" = coalesce(h.e, "last_error")
  from (select ${HEALTH_FIELDS} from json_each(?)) as h
  where "webhooks"."instance_id" = h.i and "webhooks"."id" = h.w`;

/** One `update … from json_each(?)` for every webhook of a settled batch. */
export function webhookHealthStatement(updates: WebhookHealthUpdate[]): RawStatement {
  const json = JSON.stringify(updates.map((u) => ({
    i: u.instanceId, w: u.webhookId, s: u.lastSuccessAt, r: u.reset ? 1 : 0, n: u.failures, f: u.firstFailureAt, l: u.lastFailureAt, e: u.lastError,
  })));
  return { sql: HEALTH_SQL, params: [json] };
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
