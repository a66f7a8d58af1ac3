// Instance webhook config queries. db first, domain settings out; the signing secret is
// generated on the first set, kept on later sets, and never returned by these functions.
import { eq } from "drizzle-orm";
import { generateWebhookSecret } from "../../protocol/signing.ts";
import { canonicalSubscription, type SubscriptionName } from "../events/names.ts";
import type { WebhookSettings } from "../schemas/webhook.ts";
import { getDb, type Db } from "./db.ts";
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
