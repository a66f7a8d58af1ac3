// The `webhooks` table: an instance's webhook config as the API sets and finds it (the signing
// secret is generated on the first set, kept on later sets, never returned by those), the full
// row with secrets for signing, secret rotation, and disabling after a 410. Secrets never reach logs.
import { and, eq, inArray } from "drizzle-orm";
import { generateWebhookSecret } from "../../protocol/signing.ts";
import { canonicalSubscription, type SubscriptionName } from "../events/names.ts";
import type { WebhookSettings } from "../schemas/webhook.ts";
import { getDb, type Db } from "./db.ts";
import { jsonList } from "./json-rows.ts";
import { webhooks, type WebhookRow } from "./schema.ts";

export function settingsFromRow(row: WebhookRow): WebhookSettings {
  return {
    enabled: row.enabled,
    url: row.url,
    events: row.events.map(canonicalSubscription).filter((e): e is SubscriptionName => e !== undefined),
    byEvents: row.byEvents,
    base64: row.base64,
    headers: row.headers,
  };
}

/** Insert-or-update statement (not yet run) so callers can put it in a db.batch. */
export function upsertWebhookStatement(db: Db, instanceId: string, settings: WebhookSettings, now: number) {
  const fields = {
    url: settings.url,
    enabled: settings.enabled,
    events: settings.events,
    byEvents: settings.byEvents,
    base64: settings.base64,
    headers: settings.headers,
    updatedAt: now,
  };
  return db
    .insert(webhooks)
    .values({ instanceId, ...fields, secret: generateWebhookSecret(), createdAt: now })
    .onConflictDoUpdate({ target: webhooks.instanceId, set: fields });
}

export async function setWebhook(d1: D1Database, instanceId: string, settings: WebhookSettings, now = Date.now()): Promise<WebhookSettings> {
  const db = getDb(d1);
  await upsertWebhookStatement(db, instanceId, settings, now).run();
  return settings;
}

/** The instance's webhook settings, or undefined when none was ever set. */
export async function findWebhook(d1: D1Database, instanceId: string): Promise<WebhookSettings | undefined> {
  const row = await getDb(d1).select().from(webhooks).where(eq(webhooks.instanceId, instanceId)).get();
  return row ? settingsFromRow(row) : undefined;
}


/** How long the previous secret stays valid after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

export async function loadWebhookRow(d1: D1Database, instanceId: string): Promise<WebhookRow | undefined> {
  return getDb(d1).select().from(webhooks).where(eq(webhooks.instanceId, instanceId)).get();
}

/** Turns the instance webhook off (after 410 Gone); `/webhook/set` turns it back on. */
export async function disableWebhook(d1: D1Database, instanceId: string, now: number): Promise<void> {
  await getDb(d1).update(webhooks).set({ enabled: false, updatedAt: now }).where(eq(webhooks.instanceId, instanceId)).run();
}

export interface RotatedSecret {
  secret: string;
  previousSecretExpiresAt: number;
}

/** New secret; the old one keeps signing (second signature) until the overlap ends. Undefined without a webhook. */
export async function rotateWebhookSecret(d1: D1Database, instanceId: string, now: number): Promise<RotatedSecret | undefined> {
  const current = await loadWebhookRow(d1, instanceId);
  if (!current) return undefined;
  const rotated = { secret: generateWebhookSecret(), previousSecretExpiresAt: now + SECRET_OVERLAP_MS };
  const result = await getDb(d1)
    .update(webhooks)
    .set({ secret: rotated.secret, previousSecret: current.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt, updatedAt: now })
    // Compare-and-set: two concurrent rotations must not both keep the same "previous" secret.
    .where(and(eq(webhooks.instanceId, instanceId), eq(webhooks.secret, current.secret)))
    .run();
  return result.meta.changes === 1 ? rotated : rotateWebhookSecret(d1, instanceId, now);
}

/** Disables the webhooks of these instances (410 Gone), for the consumer's settlement batch. */
export function disableWebhooksStatement(db: Db, instanceIds: string[], now: number) {
  return db.update(webhooks).set({ enabled: false, updatedAt: now }).where(inArray(webhooks.instanceId, jsonList(instanceIds)));
}
