// The `delivery_attempts` table: every attempt of a delivery (what was sent where, what came
// back), the history the delivery log shows. db first; no HTTP here.
import { asc, eq } from "drizzle-orm";
import type { Db } from "./db.ts";
import { insertJsonRows } from "./json-rows.ts";
import { deliveryAttempts, type AttemptOutcome, type DeliveryAttemptRow } from "./schema.ts";

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

export function insertAttemptsStatements(db: Db, attempts: { deliveryId: string; attempt: AttemptRecord }[]) {
  return insertJsonRows(db, deliveryAttempts, attempts.map((a) => ({ deliveryId: a.deliveryId, ...a.attempt })));
}

/** A delivery's attempts, oldest first. */
export async function listAttempts(db: Db, deliveryId: string): Promise<DeliveryAttemptRow[]> {
  return db.select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, deliveryId)).orderBy(asc(deliveryAttempts.id));
}
