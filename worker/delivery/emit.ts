// Worker-originated webhook events (NEW_TOKEN, SEND_MESSAGE, …): stored and enqueued exactly
// like ingested connector events, so they get the same durability, signing and retries.
import type { Config, Env } from "../env.ts";
import type { MappedEvent } from "../events/types.ts";
import { listWebhookRows } from "../storage/webhooks.ts";
import type { InstanceRow } from "../storage/schema.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { planRows } from "./plan.ts";
import { storePipelineWrite } from "./store.ts";

/** Stores the events' deliveries for the instance's webhooks and the global webhook, then enqueues them. */
export async function emitWebhookEvents(env: Env, config: Config, instance: InstanceRow, events: MappedEvent[], now: number): Promise<void> {
  if (!events.length) return;
  const webhooks = await listWebhookRows(env.DB, instance.id);
  const rows = planRows(events, { instanceName: instance.name, instance, webhooks }, config.globalWebhook, now);
  if (!rows.deliveries.length) return;
  await storePipelineWrite(env.DB, { ingested: [], events: rows.events, deliveries: rows.deliveries, instanceUpdates: [], now });
  await enqueueDeliveries(env.DELIVERY_QUEUE, rows.deliveries.map((d) => d.id));
}
