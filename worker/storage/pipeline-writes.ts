// Writes of the event pipeline: dedup lookups, routing lookups and the single db.batch that
// stores ingested ids, webhook events, deliveries and instance state together. No HTTP here.
import { eq, inArray } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { SQLiteTable } from "drizzle-orm/sqlite-core";
import { getDb, type Db } from "./db.ts";
import { instances, webhooks, type InstanceRow, type WebhookRow } from "./schema.ts";
import { deliveries, ingestedEvents, webhookEvents } from "./schema-pipeline.ts";
import type { InstanceStatePatch } from "../events/types.ts";

/** D1 binds at most 100 parameters per statement. */
export const D1_MAX_PARAMS = 100;

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

/** Multi-row inserts, chunked so no statement binds more than 100 parameters. */
function chunkedInserts(db: Db, table: SQLiteTable, rows: Record<string, unknown>[]): BatchItem<"sqlite">[] {
  if (!rows.length) return [];
  const widest = Math.max(...rows.map((r) => Object.values(r).filter((v) => v !== undefined).length));
  const perStatement = Math.max(1, Math.floor(D1_MAX_PARAMS / Math.max(1, widest)));
  return chunk(rows, perStatement).map((part) => db.insert(table).values(part as never));
}

/** Which of these connector event ids were accepted before. */
export async function findSeenEventIds(d1: D1Database, ids: string[]): Promise<Set<string>> {
  const db = getDb(d1);
  const seen = new Set<string>();
  for (const part of chunk([...new Set(ids)], D1_MAX_PARAMS)) {
    const rows = await db.select({ id: ingestedEvents.id }).from(ingestedEvents).where(inArray(ingestedEvents.id, part));
    for (const row of rows) seen.add(row.id);
  }
  return seen;
}

/** Instances (and their webhook config, if any) by name; unknown names are absent. */
export async function loadRoutingByName(d1: D1Database, names: string[]): Promise<Map<string, InstanceRouting>> {
  const db = getDb(d1);
  const byName = new Map<string, InstanceRouting>();
  for (const part of chunk([...new Set(names)], D1_MAX_PARAMS)) {
    const rows = await db
      .select({ instance: instances, webhook: webhooks })
      .from(instances)
      .leftJoin(webhooks, eq(webhooks.instanceId, instances.id))
      .where(inArray(instances.name, part));
    for (const row of rows) byName.set(row.instance.name, { instance: row.instance, webhook: row.webhook ?? undefined });
  }
  return byName;
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

/** Stores everything in one db.batch (one transaction): all of it or none of it. */
export async function storePipelineWrite(d1: D1Database, write: PipelineWrite): Promise<void> {
  const db = getDb(d1);
  const statements: BatchItem<"sqlite">[] = [
    ...chunkedInserts(db, ingestedEvents, write.ingested),
    ...chunkedInserts(db, webhookEvents, write.events),
    ...chunkedInserts(db, deliveries, write.deliveries),
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
