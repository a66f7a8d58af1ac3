// Auto-disable (docs/delivery.md#auto-disable): from the cron, a webhook whose deliveries have
// failed without a single success for WEBHOOK_DISABLE_AFTER_HOURS is disabled, its pending
// deliveries fail (kept, redeliverable), a log line is written and a `webhook.disabled` event goes
// to the global webhook if one is set, and the owning connector gets the instance's settings again
// (it stops downloading media if no webhook wants base64 any more). Setting the webhook again re-enables it.
import type { Config, Env } from "../env.ts";
import { WEBHOOK_EVENTS } from "../events/names.ts";
import type { MappedEvent } from "../events/types.ts";
import { syncInstancesById } from "../lifecycle/connector-settings.ts";
import { log } from "../log.ts";
import { findInstanceById } from "../storage/instances.ts";
import { disableFailingWebhooks, type DisabledWebhook } from "../storage/webhook-health.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { planRows } from "./plan.ts";
import { storePipelineWrite } from "./store.ts";

const HOUR_MS = 3_600_000;

/** The `webhook.disabled` event; only the global webhook gets it. Pure. */
export function disabledEvent(instanceName: string, webhook: DisabledWebhook, now: number, hours: number): MappedEvent {
  return {
    event: WEBHOOK_EVENTS.WEBHOOK_DISABLED,
    dateTime: new Date(now).toISOString(),
    data: {
      instanceName, webhookId: webhook.webhookId, url: webhook.url, reason: `no successful delivery for ${hours} hours`,
      failingSince: new Date(webhook.failingSince).toISOString(), lastFailureAt: new Date(webhook.lastFailureAt).toISOString(),
      lastError: webhook.lastError, disabledAt: new Date(now).toISOString(),
    },
  };
}

/** Sends `webhook.disabled` to the global webhook (whatever its WEBHOOK_EVENTS_* say: "if one is set"). */
async function notifyGlobal(env: Env, config: Config, webhook: DisabledWebhook, now: number): Promise<void> {
  const global = config.globalWebhook;
  if (!global.enabled || !global.url) return;
  const instance = await findInstanceById(env.DB, webhook.instanceId);
  if (!instance) return;
  const forced = { ...global, events: new Set([...global.events, "WEBHOOK_DISABLED" as const]) };
  const rows = planRows([disabledEvent(instance.name, webhook, now, config.disableAfterHours)], { instanceName: instance.name, instance, webhooks: [] }, forced, now);
  await storePipelineWrite(env.DB, { ingested: [], events: rows.events, deliveries: rows.deliveries, instanceUpdates: [], now });
  await enqueueDeliveries(env.DELIVERY_QUEUE, rows.deliveries.map((d) => d.id));
}

/** Disables the webhooks that failed too long; returns how many. */
export async function autoDisableFailingWebhooks(env: Env, config: Config, now: number): Promise<number> {
  if (config.disableAfterHours <= 0) return 0;
  const hours = config.disableAfterHours;
  const disabled = await disableFailingWebhooks(env.DB, hours * HOUR_MS, now, `no successful delivery for ${hours} hours`);
  for (const webhook of disabled) {
    log.warn("webhook_auto_disabled", { instanceId: webhook.instanceId, webhookId: webhook.webhookId, failingSince: webhook.failingSince, lastError: webhook.lastError });
    await notifyGlobal(env, config, webhook, now);
  }
  await syncInstancesById({ config, env }, env.DB, disabled.map((w) => w.instanceId), "webhook auto-disabled");
  return disabled.length;
}
