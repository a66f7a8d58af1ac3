// The pipeline's multi-table writes, each one D1 transaction (db.batch): an ingest or emit
// batch's rows and a consumer batch's settlement (pruning is retention.ts). Composes the per-table
// statements of worker/storage/; decides nothing (ingest, settle and sweep do).
import { getDb, runBatch } from "../storage/db.ts";
import {
  failPendingStatement, insertDeliveriesStatements, updateStatesStatements,
  type NewDelivery, type SettledAttempt,
} from "../storage/deliveries.ts";
import { insertAttemptsStatements } from "../storage/delivery-attempts.ts";
import { insertIngestedEventsStatements, type NewIngestedEvent } from "../storage/ingested-events.ts";
import { instanceUpdateStatement, type InstanceUpdate } from "../storage/instances.ts";
import { insertWebhookEventsStatements, sequenceStatements, type NewWebhookEvent } from "../storage/webhook-events.ts";
import { numberEvents } from "./sequence.ts";
import { disableWebhooksStatement, type WebhookKey } from "../storage/webhooks.ts";
import { webhookHealthStatement, type WebhookHealthUpdate } from "../storage/webhook-health.ts";

export interface PipelineWrite {
  ingested: NewIngestedEvent[];
  events: NewWebhookEvent[];
  deliveries: NewDelivery[];
  instanceUpdates: InstanceUpdate[];
  now: number;
}

/** Stores everything in one D1 batch (one transaction): all of it or none of it. */
export async function storePipelineWrite(d1: D1Database, write: PipelineWrite): Promise<void> {
  const db = getDb(d1);
  // Sequences are assigned inside this transaction (docs/delivery.md#sequences).
  const numbered = numberEvents(write.events);
  await runBatch(d1, [
    ...insertIngestedEventsStatements(write.ingested),
    ...insertWebhookEventsStatements(numbered.events),
    ...sequenceStatements(db, numbered.counts),
    ...insertDeliveriesStatements(write.deliveries),
    ...write.instanceUpdates.map((u) => instanceUpdateStatement(db, u, write.now)),
  ]);
}

export interface BatchSettlement {
  attempts: SettledAttempt[];
  /** Claimed deliveries that could not be sent at all (target gone, URL refused): failed, no attempt. */
  unsendable: { deliveryId: string; reason: string }[];
  /** Instance webhooks that answered 410 Gone: disabled. */
  disableWebhooksOf: WebhookKey[];
  /** Endpoint health changes of the instance webhooks attempted in this batch (delivery/health.ts). */
  health?: WebhookHealthUpdate[];
  now: number;
}

/**
 * Stores a consumer batch's outcome in one db.batch (one transaction): every attempt, every
 * delivery's new state (lease released), the unsendable ones failed, 410'd webhooks disabled.
 */
export async function recordBatchSettlement(d1: D1Database, settlement: BatchSettlement): Promise<void> {
  const db = getDb(d1);
  const { now, attempts } = settlement;
  const gone = settlement.disableWebhooksOf;
  await runBatch(d1, [
    ...insertAttemptsStatements(attempts.filter((a) => a.keepAttemptRow)),
    ...updateStatesStatements(attempts, now),
    ...settlement.unsendable.map(({ deliveryId, reason }) => failPendingStatement(db, [deliveryId], reason, now)),
    ...(gone.length ? [disableWebhooksStatement(db, gone, now)] : []),
    ...(settlement.health?.length ? [webhookHealthStatement(settlement.health)] : []),
  ]);
}
