// Webhook rows as the delivery pipeline needs them: the full row (with secrets) for signing,
// disabling after a 410, and secret rotation. Secrets never leave through logs.
import { and, eq } from "drizzle-orm";
import { generateWebhookSecret } from "../../protocol/signing.ts";
import { getDb } from "./db.ts";
import { webhooks, type WebhookRow } from "./schema.ts";

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
