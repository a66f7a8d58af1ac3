// Reads for a webhook's stats (docs/api.md#endpoint-health): its deliveries by status and its
// attempts' success rate and latency percentiles over a window (first-try successes from their delivery rows). db first; no HTTP here.
import { and, count, eq, gte } from "drizzle-orm";
import { idFloorAt } from "../delivery/ids.ts";
import { getDb } from "./db.ts";
import { deliveries, type DeliveryStatus } from "./schema.ts";

export interface WindowStats {
  deliveries: Record<DeliveryStatus, number>;
  attempts: number;
  succeededAttempts: number;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
}

interface AttemptSummary {
  n: number | null;
  ok: number | null;
  p50: number | null;
  p95: number | null;
}

/** A first-try success is attempted right after it is created; this covers a queue backlog. */
const FIRST_TRY_SLACK_MS = 3_600_000;

/**
 * Deliveries created since `since` by status, and the attempts made since then: how many, how
 * many succeeded, and the nearest-rank p50 / p95 latency (one window-function query). No
 * (webhook, time) index (it would be a row written per delivery): both read the instance's
 * deliveries through (instance_id, id) from the window's first id (ids sort by creation) and
 * filter on the webhook; attempt rows are few (failures only).
 */
export async function webhookWindowStats(d1: D1Database, instanceId: string, webhookId: string, since: number): Promise<WindowStats> {
  const db = getDb(d1);
  const byStatus = await db
    .select({ status: deliveries.status, n: count() })
    .from(deliveries)
    .where(and(eq(deliveries.instanceId, instanceId), gte(deliveries.id, idFloorAt("msg", since)), eq(deliveries.webhookId, webhookId), gte(deliveries.createdAt, since)))
    .groupBy(deliveries.status);
  // A first-try success has no attempt row: its delivery row stands in for it (attemptsOrFirstTry).
  const summary = await d1.prepare(
    `select max(n) as n, sum(ok) as ok,
       max(case when rn = (n * 50 + 99) / 100 then latency_ms end) as p50,
       max(case when rn = (n * 95 + 99) / 100 then latency_ms end) as p95
     from (select latency_ms, ok, row_number() over (order by latency_ms) as rn, count(*) over () as n
           from (select a.latency_ms, a.outcome = 'succeeded' as ok
                 from delivery_attempts a join deliveries d on d.id = a.delivery_id
                 where d.instance_id = ?1 and d.webhook_id = ?2 and a.started_at >= ?3
                 union all
                 select d.last_latency_ms, 1 from deliveries d
                 where d.instance_id = ?1 and d.id >= ?4 and d.webhook_id = ?2 and d.status = 'succeeded' and d.last_latency_ms is not null
                   and d.completed_at - d.last_latency_ms >= ?3
                   and not exists (select 1 from delivery_attempts a where a.delivery_id = d.id)))`,
  ).bind(instanceId, webhookId, since, idFloorAt("msg", since - FIRST_TRY_SLACK_MS)).first<AttemptSummary>();
  const counts: Record<DeliveryStatus, number> = { pending: 0, succeeded: 0, failed: 0 };
  for (const row of byStatus) counts[row.status] = row.n;
  return {
    deliveries: counts, attempts: summary?.n ?? 0, succeededAttempts: summary?.ok ?? 0,
    p50LatencyMs: summary?.p50 ?? null, p95LatencyMs: summary?.p95 ?? null,
  };
}
