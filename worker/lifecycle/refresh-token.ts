// Instance token rotation plus its NEW_TOKEN (`new.jwt`) webhook — the one webhook that
// carries a token, as in Evolution. The rotation stands even if queueing the webhook fails.
import type { Config, Env } from "../env.ts";
import { emitWebhookEvents } from "../delivery/emit.ts";
import { newTokenEvent } from "../events/map.ts";
import { log } from "../log.ts";
import { rotateInstanceToken } from "../storage/instances.ts";
import type { InstanceRow } from "../storage/schema.ts";

export async function refreshInstanceToken(env: Env, config: Config, instance: InstanceRow, now: number): Promise<InstanceRow> {
  const updated = await rotateInstanceToken(env.DB, instance, now);
  try {
    await emitWebhookEvents(env, config, updated, [newTokenEvent(updated.name, updated.token, now)], now);
  } catch (err) {
    log.error("new_token_webhook_failed", { instance: updated.name, error: err instanceof Error ? err.message : String(err) });
  }
  return updated;
}
