// Instance queries. db first, domain rows out; no HTTP here.
import { eq } from "drizzle-orm";
import { timingSafeEqual } from "../../protocol/signing.ts";
import type { WebhookSettings } from "../schemas/webhook.ts";
import { getDb } from "./db.ts";
import { instances, webhooks, type InstanceRow } from "./schema.ts";
import { upsertWebhookStatement } from "./webhooks.ts";

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
    ownerJid: null, profileName: null, profilePictureUrl: null, connectorId: null, createdAt: now, updatedAt: now,
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
