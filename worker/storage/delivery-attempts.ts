// The `delivery_attempts` table: every attempt of a delivery (what was sent where, what came
// back), the history the delivery log shows. db first; no HTTP here.
import { asc, eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { insertRows, type RawStatement } from "./bulk-sql.ts";
import { deliveryAttempts, type AttemptOutcome, type DeliveryAttemptRow, type DeliveryRow } from "./schema.ts";

export interface AttemptRecord {
  attempt: number;
  startedAt: number;
  url: string;
  statusCode: number | null;
  latencyMs: number;
  outcome: AttemptOutcome;
  error: string | null;
  responseBody: string | null;
}

export function insertAttemptsStatements(attempts: { deliveryId: string; attempt: AttemptRecord }[]): RawStatement[] {
  return insertRows(deliveryAttempts, attempts.map((a) => ({ deliveryId: a.deliveryId, ...a.attempt })));
}

/** A delivery's attempts, oldest first. */
export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptRow[]> {
  return db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).orderBy(asc(deliveryAttempts.id));
}

/**
 * A first-try success writes no attempt row (docs/delivery.md#delivery-log): the delivery row
 * stands in for it (status code, `completed_at` = when the call ended, `last_latency_ms`). Where
 * attempts are read, a delivery with no rows but such a record gets the attempt it stands for.
 * `url` is the webhook's current URL: the delivery row keeps none. Pure.
 */
export function attemptsOrFirstTry(delivery: DeliveryRow, attempts: DeliveryAttemptRow[], url: string): DeliveryAttemptRow[] {
  const { lastStatusCode, lastLatencyMs, completedAt } = delivery;
  if (attempts.length || delivery.status !== "succeeded" || lastStatusCode === null || lastLatencyMs === null || completedAt === null) return attempts;
  return [{
    id: 0, deliveryId: delivery.id, attempt: 1, startedAt: completedAt - lastLatencyMs, url, statusCode: lastStatusCode,
    latencyMs: lastLatencyMs, outcome: "succeeded", error: null, responseBody: null,
  }];
}
