// The `webhooks` table: an instance's webhooks (docs/api.md#webhooks). `default` is the one
// /webhook/set and /webhook/find manage; others are created with /webhooks. The signing secret is
// generated on creation, kept on later sets, never returned by config answers or logged.
import { and, count, eq, inArray, sql } from "drizzle-orm";
import { generateWebhookSecret } from "../../protocol/signing.ts";
import { canonicalSubscription, type SubscriptionName } from "../events/names.ts";
import type { WebhookSettings } from "../schemas/webhook.ts";
import { getDb, type Db } from "./db.ts";
import { jsonList } from "./bulk-sql.ts";
import { webhooks, type WebhookFilters, type WebhookRow } from "./schema.ts";

/** The id of the webhook /webhook/set manages. */
export const DEFAULT_WEBHOOK_ID = "default";
/** Webhooks per instance, the default one included (docs/api.md#webhooks). */
export const MAX_WEBHOOKS_PER_INSTANCE = 10;

/** A webhook as the /webhooks routes set it: the Evolution settings plus filters and order. */
export interface WebhookDefinition extends WebhookSettings {
  filters: WebhookFilters;
  ordered: boolean;
}

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

export function definitionFromRow(row: WebhookRow): WebhookDefinition & { id: string } {
  return { id: row.id, ...settingsFromRow(row), filters: row.filters ?? {}, ordered: row.ordered };
}

/**
 * The columns a set writes. Setting a webhook (enabled or not) clears an automatic disable and
 * the failure streak, so a re-enabled webhook is not disabled again at once (docs/delivery.md#auto-disable).
 */
function configFields(settings: WebhookSettings, now: number) {
  return {
    url: settings.url, enabled: settings.enabled, events: settings.events, byEvents: settings.byEvents,
    base64: settings.base64, headers: settings.headers, updatedAt: now,
    disabledAt: null, disabledReason: null, failingSince: null, lastFailureAt: null, consecutiveFailures: 0,
  };
}

/**
 * Insert-or-update of the default webhook (not yet run) so callers can put it in a db.batch.
 * Filters and order are not part of the Evolution body and are left as they are.
 */
export function upsertWebhookStatement(db: Db, instanceId: string, settings: WebhookSettings, now: number) {
  const fields = configFields(settings, now);
  return db
    .insert(webhooks)
    .values({ instanceId, id: DEFAULT_WEBHOOK_ID, ...fields, secret: generateWebhookSecret(), createdAt: now })
    .onConflictDoUpdate({ target: [webhooks.instanceId, webhooks.id], set: fields });
}

export async function setWebhook(d1: D1Database, instanceId: string, settings: WebhookSettings, now = Date.now()): Promise<WebhookSettings> {
  const db = getDb(d1);
  await upsertWebhookStatement(db, instanceId, settings, now).run();
  return settings;
}

/** The instance's default webhook settings, or undefined when none was ever set. */
export async function findWebhook(d1: D1Database, instanceId: string): Promise<WebhookSettings | undefined> {
  const row = await loadWebhookRow(d1, instanceId);
  return row ? settingsFromRow(row) : undefined;
}

/** How long the previous secret stays valid after a rotation. */
export const SECRET_OVERLAP_MS = 24 * 60 * 60 * 1000;

const byKey = (instanceId: string, webhookId: string) => and(eq(webhooks.instanceId, instanceId), eq(webhooks.id, webhookId));

export async function loadWebhookRow(d1: D1Database, instanceId: string, webhookId = DEFAULT_WEBHOOK_ID): Promise<WebhookRow | undefined> {
  return getDb(d1).select().from(webhooks).where(byKey(instanceId, webhookId)).get();
}

/** True when an enabled webhook of the instance wants `message.base64` (the connector's `mediaBase64`). */
export async function wantsMediaBase64(d1: D1Database, instanceId: string): Promise<boolean> {
  const row = await getDb(d1)
    .select({ id: webhooks.id })
    .from(webhooks)
    .where(and(eq(webhooks.instanceId, instanceId), eq(webhooks.enabled, true), eq(webhooks.base64, true)))
    .limit(1)
    .get();
  return row !== undefined;
}

/** Every webhook of the instance, the default one first, then by creation. */
export async function listWebhookRows(d1: D1Database, instanceId: string): Promise<WebhookRow[]> {
  return getDb(d1)
    .select()
    .from(webhooks)
    .where(eq(webhooks.instanceId, instanceId))
    .orderBy(sql`${webhooks.id} <> ${DEFAULT_WEBHOOK_ID}`, webhooks.createdAt, webhooks.id);
}

export interface RotatedSecret {
  secret: string;
  previousSecretExpiresAt: number;
}

/** New secret; the old one keeps signing (second signature) until the overlap ends. Undefined without that webhook. */
export async function rotateWebhookSecret(d1: D1Database, instanceId: string, now: number, webhookId = DEFAULT_WEBHOOK_ID): Promise<RotatedSecret | undefined> {
  const current = await loadWebhookRow(d1, instanceId, webhookId);
  if (!current) return undefined;
  const rotated = { secret: generateWebhookSecret(), previousSecretExpiresAt: now + SECRET_OVERLAP_MS };
  const result = await getDb(d1)
    .update(webhooks)
    .set({ secret: rotated.secret, previousSecret: current.secret, previousSecretExpiresAt: rotated.previousSecretExpiresAt, updatedAt: now })
    // Compare-and-set: two concurrent rotations must not both keep the same "previous" secret.
    .where(and(byKey(instanceId, webhookId), eq(webhooks.secret, current.secret)))
    .run();
  return result.meta.changes === 1 ? rotated : rotateWebhookSecret(d1, instanceId, now, webhookId);
}

export interface WebhookKey {
  instanceId: string;
  webhookId: string;
}

/** Disables these webhooks (410 Gone), for the consumer's settlement batch. */
export function disableWebhooksStatement(db: Db, keys: WebhookKey[], now: number) {
  const list = jsonList(keys.map((k) => `${k.instanceId}\n${k.webhookId}`));
  return db
    .update(webhooks)
    .set({ enabled: false, disabledAt: now, disabledReason: "410 Gone", updatedAt: now })
    .where(inArray(sql`${webhooks.instanceId} || char(10) || ${webhooks.id}`, list));
}

/** A webhook id for POST /webhooks: `wh_` and 16 random hex digits. */
export function newWebhookId(): string {
  return `wh_${Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, "0")).join("")}`;
}

function definitionFields(definition: WebhookDefinition, now: number) {
  return { ...configFields(definition, now), filters: definition.filters, ordered: definition.ordered };
}

/**
 * Adds a webhook unless the instance already has MAX_WEBHOOKS_PER_INSTANCE. The count and the
 * insert are one statement, so concurrent creates cannot pass the limit together.
 */
export async function createWebhook(d1: D1Database, instanceId: string, definition: WebhookDefinition, now: number): Promise<WebhookRow | undefined> {
  const db = getDb(d1);
  const row: WebhookRow = {
    instanceId, id: newWebhookId(), ...definitionFields(definition, now), secret: generateWebhookSecret(),
    previousSecret: null, previousSecretExpiresAt: null, lastSuccessAt: null, lastError: null, createdAt: now,
  };
  const room = db.select({ n: count() }).from(webhooks).where(eq(webhooks.instanceId, instanceId));
  const result = await db.run(sql`insert into ${webhooks} (instance_id, id, url, enabled, events, by_events, base64, headers, filters, ordered, secret, created_at, updated_at)
    select ${row.instanceId}, ${row.id}, ${row.url}, ${Number(row.enabled)}, ${JSON.stringify(row.events)}, ${Number(row.byEvents)}, ${Number(row.base64)},
      ${JSON.stringify(row.headers)}, ${JSON.stringify(row.filters)}, ${Number(row.ordered)}, ${row.secret}, ${now}, ${now}
    where (${room}) < ${MAX_WEBHOOKS_PER_INSTANCE}`);
  return result.meta.changes === 1 ? row : undefined;
}

/** Replaces a webhook's whole config (PUT). The default webhook is created if missing; others must exist. */
export async function replaceWebhook(d1: D1Database, instanceId: string, webhookId: string, definition: WebhookDefinition, now: number): Promise<WebhookRow | undefined> {
  const db = getDb(d1);
  const fields = definitionFields(definition, now);
  if (webhookId === DEFAULT_WEBHOOK_ID) {
    await db.insert(webhooks)
      .values({ instanceId, id: webhookId, ...fields, secret: generateWebhookSecret(), createdAt: now })
      .onConflictDoUpdate({ target: [webhooks.instanceId, webhooks.id], set: fields }).run();
  } else {
    await db.update(webhooks).set(fields).where(byKey(instanceId, webhookId)).run();
  }
  return loadWebhookRow(d1, instanceId, webhookId);
}

/** Removes one webhook; its deliveries stay in the log and fail if still pending (the target is gone). */
export async function deleteWebhook(d1: D1Database, instanceId: string, webhookId: string): Promise<boolean> {
  const result = await getDb(d1).delete(webhooks).where(byKey(instanceId, webhookId)).run();
  return result.meta.changes === 1;
}
