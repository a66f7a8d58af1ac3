// "Send a test event" (the console's button, POST /webhook/test/{instance}): one event stored and
// queued through the normal pipeline, so it is signed, retried and logged like any other. It goes
// to the instance webhook only, whatever its subscription list says; the global webhook never gets it.
import type { Env } from "../env.ts";
import { WEBHOOK_EVENTS } from "../events/names.ts";
import type { MappedEvent } from "../events/types.ts";
import { storePipelineWrite } from "./store.ts";
import type { InstanceRow, WebhookRow } from "../storage/schema.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { planRows } from "./plan.ts";

/** `application.startup` is harmless to every receiver we know of and exists in every Evolution version. */
export const TEST_EVENT = WEBHOOK_EVENTS.APPLICATION_STARTUP;

export function testEvent(instanceName: string, now: number): MappedEvent {
  return {
    event: TEST_EVENT,
    data: { instance: instanceName, test: true, message: "Test event sent from l2msg (POST /webhook/test)" },
    dateTime: new Date(now).toISOString(),
  };
}

/** A global webhook that routes nothing: the test is about the instance's own webhook. */
const NO_GLOBAL = { enabled: false, url: undefined, byEvents: false, secret: undefined, events: new Set<never>() };

/** Stores and enqueues one test delivery to `webhook` (which must be enabled); returns its id. */
export async function sendTestEvent(env: Env, instance: InstanceRow, webhook: WebhookRow, now: number): Promise<string> {
  // Subscribed to everything for routing only: the stored webhook row is not changed.
  const routing = { ...webhook, events: [] };
  const rows = planRows([testEvent(instance.name, now)], { instanceName: instance.name, instance, webhooks: [routing] }, NO_GLOBAL, now);
  const delivery = rows.deliveries[0];
  if (!delivery) throw new Error("test event planned no delivery for an enabled webhook");
  await storePipelineWrite(env.DB, { ingested: [], events: rows.events, deliveries: rows.deliveries, instanceUpdates: [], now });
  await enqueueDeliveries(env.DELIVERY_QUEUE, [delivery.id]);
  return delivery.id;
}
