// Writes of the event pipeline: the dedup + routing lookup (one round trip) and the single db.batch
// that stores ingested ids, webhook events, deliveries (one INSERT per table) and instance state.
import { eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { getDb, type Db } from "./db.ts";
import { insertJsonRows, jsonList } from "./json-rows.ts";
import { instances, webhooks, type InstanceRow, type WebhookRow } from "./schema.ts";
import { deliveries, ingestedEvents, webhookEvents } from "./schema-pipeline.ts";
import type { InstanceStatePatch } from "../events/types.ts";

export type NewIngestedEvent = typeof ingestedEvents.$inferInsert;
export type NewWebhookEvent = typeof webhookEvents.$inferInsert;
export type NewDelivery = typeof deliveries.$inferInsert;

export interface InstanceRouting {
  instance: InstanceRow;
  webhook: WebhookRow | undefined;
}

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

export interface IngestLookups {
  /** Connector event ids accepted before. */
  seen: Set<string>;
  /** Instances (and their webhook config, if any) by name; unknown names are absent. */
  routingByName: Map<string, InstanceRouting>;
}

/**
 * The dedup check and the routing lookup of one ingest request: one select each, whatever the
 * batch size, sent together. (Not one db.batch: drizzle maps a joined select in a D1 batch by
 * column name, and instances and webhooks share names.)
 */
export async function loadIngestLookups(d1: D1Database, eventIds: string[], instanceNames: string[]): Promise<IngestLookups> {
  const db = getDb(d1);
  const [seenRows, routingRows] = await Promise.all([
    db.select({ id: ingestedEvents.id }).from(ingestedEvents).where(inArray(ingestedEvents.id, jsonList([...new Set(eventIds)]))),
    db
      .select({ instance: instances, webhook: webhooks })
      .from(instances)
      .leftJoin(webhooks, eq(webhooks.instanceId, instances.id))
      .where(inArray(instances.name, jsonList([...new Set(instanceNames)]))),
  ]);
  const routingByName = new Map<string, InstanceRouting>();
  for (const row of routingRows) routingByName.set(row.instance.name, { instance: row.instance, webhook: row.webhook ?? undefined });
  return { seen: new Set(seenRows.map((r) => r.id)), routingByName };
}

export interface InstanceUpdate {
  instanceId: string;
  connectorId?: string;
  patch: InstanceStatePatch;
}

export interface PipelineWrite {
  ingested: NewIngestedEvent[];
  events: NewWebhookEvent[];
  deliveries: NewDelivery[];
  instanceUpdates: InstanceUpdate[];
  now: number;
}

function instanceUpdateStatement(db: Db, update: InstanceUpdate, now: number): BatchItem<"sqlite"> {
  const { patch } = update;
  return db
    .update(instances)
    .set({
      status: patch.status,
      statusReason: patch.statusReason,
      ownerJid: patch.ownerJid,
      profileName: patch.profileName,
      profilePictureUrl: patch.profilePictureUrl,
      connectorId: update.connectorId,
      updatedAt: now,
    })
    .where(eq(instances.id, update.instanceId));
}

/** Stores everything in one db.batch (one transaction): all of it or none of it. Rows go in as JSON params. */
export async function storePipelineWrite(d1: D1Database, write: PipelineWrite): Promise<void> {
  const db = getDb(d1);
  const statements: BatchItem<"sqlite">[] = [
    ...insertJsonRows(db, ingestedEvents, write.ingested),
    ...insertJsonRows(db, webhookEvents, write.events),
    ...insertJsonRows(db, deliveries, write.deliveries),
    ...write.instanceUpdates.map((u) => instanceUpdateStatement(db, u, write.now)),
  ];
  const [first, ...rest] = statements;
  if (!first) return;
  await db.batch([first, ...rest]);
}

/** True for the error D1 raises when a concurrent request stored the same event id first. */
export function isUniqueViolation(error: unknown): boolean {
  const text = error instanceof Error ? `${error.message} ${String((error as { cause?: unknown }).cause ?? "")}` : String(error);
  return /UNIQUE constraint failed/i.test(text);
}
