// The `instances` table: lookups (by name, by token in constant time), create/delete, token
// rotation and the state patches ingest applies. db first, domain rows out; no HTTP here.
import { eq } from "drizzle-orm";
import { timingSafeEqual } from "../../protocol/signing.ts";
import type { WebhookSettings } from "../schemas/webhook.ts";
import type { InstanceStatePatch } from "../events/types.ts";
import { getDb, type Db } from "./db.ts";
import { columnCount, JSON_LIST, jsonListParam, rowFrom, selectColumns, type RawStatement } from "./bulk-sql.ts";
import { instances, webhooks, type InstanceRow, type WebhookRow } from "./schema.ts";
import { upsertWebhookStatement } from "./webhooks.ts";

export async function findInstanceById(d1: D1Database, id: string): Promise<InstanceRow | undefined> {
  return getDb(d1).select().from(instances).where(eq(instances.id, id)).get();
}

export async function findInstanceByName(d1: D1Database, name: string): Promise<InstanceRow | undefined> {
  if (!name) return undefined;
  return getDb(d1).select().from(instances).where(eq(instances.name, name)).get();
}

/**
 * The instance whose token is `token`. Compares every token in constant time instead of
 * querying by token, so response time does not depend on how much of a guess matched.
 */
export async function findInstanceByToken(d1: D1Database, token: string): Promise<InstanceRow | undefined> {
  if (!token) return undefined;
  const rows = await getDb(d1).select({ id: instances.id, token: instances.token }).from(instances).all();
  let matchId: string | undefined;
  for (const row of rows) if (timingSafeEqual(token, row.token)) matchId = row.id;
  if (!matchId) return undefined;
  return getDb(d1).select().from(instances).where(eq(instances.id, matchId)).get();
}

export async function listInstances(d1: D1Database): Promise<InstanceRow[]> {
  return getDb(d1).select().from(instances).orderBy(instances.createdAt, instances.name).all();
}

/** Random instance token (Evolution's `hash.apikey`): 32 hex characters, upper case like Evolution's. */
export function generateInstanceToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("").toUpperCase();
}

export interface NewInstance {
  name: string;
  token: string;
  webhook?: WebhookSettings;
}

export type CreateInstanceResult =
  | { ok: true; instance: InstanceRow }
  | { ok: false; reason: "name_taken" | "token_taken" };

const isUniqueNameViolation = (err: unknown) => err instanceof Error && /UNIQUE constraint failed: instances\.name/i.test(`${err.message} ${String(err.cause ?? "")}`);

/** Inserts the instance and, when given, its webhook config in one batch. */
export async function createInstance(d1: D1Database, input: NewInstance, now = Date.now()): Promise<CreateInstanceResult> {
  if (await findInstanceByName(d1, input.name)) return { ok: false, reason: "name_taken" };
  if (await findInstanceByToken(d1, input.token)) return { ok: false, reason: "token_taken" };
  const db = getDb(d1);
  const row: InstanceRow = {
    id: crypto.randomUUID(), name: input.name, token: input.token, status: "created", statusReason: null,
    ownerJid: null, profileName: null, profilePictureUrl: null, connectorId: null, lastSequence: 0, createdAt: now, updatedAt: now,
  };
  const insert = db.insert(instances).values(row);
  try {
    if (input.webhook) await db.batch([insert, upsertWebhookStatement(db, row.id, input.webhook, now)]);
    else await insert.run();
  } catch (err) {
    if (isUniqueNameViolation(err)) return { ok: false, reason: "name_taken" };
    throw err;
  }
  return { ok: true, instance: row };
}

/**
 * Deletes an instance and everything that belongs to it, in one batch. Tables that reference
 * instances add their delete statement here (children first); FKs also cascade.
 */
export async function deleteInstance(d1: D1Database, instanceId: string): Promise<void> {
  const db = getDb(d1);
  await db.batch([
    db.delete(webhooks).where(eq(webhooks.instanceId, instanceId)),
    db.delete(instances).where(eq(instances.id, instanceId)),
  ]);
}

/** Stores a fresh random token; the old one stops authenticating as soon as this returns. */
export async function rotateInstanceToken(d1: D1Database, instance: InstanceRow, now: number): Promise<InstanceRow> {
  const token = generateInstanceToken();
  await getDb(d1).update(instances).set({ token, updatedAt: now }).where(eq(instances.id, instance.id)).run();
  return { ...instance, token, updatedAt: now };
}

export interface InstanceUpdate {
  instanceId: string;
  connectorId?: string;
  patch: InstanceStatePatch;
}

/** The state a connector event reports (connection, profile), for ingest's batch. */
export function instanceUpdateStatement(db: Db, update: InstanceUpdate, now: number) {
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

export interface InstanceRouting {
  instance: InstanceRow;
  /** Every webhook of the instance (the default one and those created with /webhooks). */
  webhooks: WebhookRow[];
}

/** Instances by name with every webhook of each (a left join: an instance without webhooks is one row). */
const ROUTING_SQL = `select ${selectColumns(instances, "i")}, ${selectColumns(webhooks, "w")}
  from "instances" i left join "webhooks" w on w."instance_id" = i."id"
  where i."name" in ${JSON_LIST} order by i."name", w."created_at", w."id"`;

/** The select behind `routingFromRows`: instances named in `names`, with their webhooks; unknown names are absent. */
export function routingByNamesStatement(names: string[]): RawStatement {
  return { sql: ROUTING_SQL, params: [jsonListParam(names)] };
}

/** `routingByNamesStatement`'s rows (positional) by instance name. */
export function routingFromRows(rows: readonly unknown[][]): Map<string, InstanceRouting> {
  const webhooksAt = columnCount(instances);
  const routing = new Map<string, InstanceRouting>();
  for (const values of rows) {
    const instance = rowFrom<InstanceRow>(instances, values, 0);
    const entry = routing.get(instance.name) ?? { instance, webhooks: [] };
    // A left join's row without a webhook has null in every webhook column, its key included.
    if (values[webhooksAt] !== null) entry.webhooks.push(rowFrom<WebhookRow>(webhooks, values, webhooksAt));
    routing.set(instance.name, entry);
  }
  return routing;
}
