// Routing: which webhooks (the instance's, the global one) get a webhook event.
// Pure: no I/O, no clock.
import type { GlobalWebhookConfig } from "../env.ts";
import { canonicalSubscription, subscriptionForEvent, type WebhookEventName } from "../events/names.ts";
import type { DeliveryTarget } from "../storage/schema.ts";

/** The parts of an instance webhook row routing looks at. */
export interface InstanceWebhookRouting {
  enabled: boolean;
  /** Subscription names; empty = all events. */
  events: string[];
}

/** Whether a subscription list (empty = all, aliases accepted) includes the event. */
export function isSubscribed(events: readonly string[], event: WebhookEventName): boolean {
  if (events.length === 0) return true;
  const wanted = subscriptionForEvent(event);
  return events.some((name) => canonicalSubscription(name) === wanted);
}

/**
 * Targets for one event: the instance webhook when it exists, is enabled and subscribed;
 * the global webhook when enabled and its WEBHOOK_EVENTS_<NAME> is true. Events of an
 * instance the worker does not know have no instance webhook and can only go global.
 */
export function routeEvent(
  event: WebhookEventName,
  instanceWebhook: InstanceWebhookRouting | undefined,
  global: GlobalWebhookConfig,
): DeliveryTarget[] {
  const targets: DeliveryTarget[] = [];
  if (instanceWebhook?.enabled && isSubscribed(instanceWebhook.events, event)) targets.push("instance");
  if (global.enabled && global.url && global.events.has(subscriptionForEvent(event))) targets.push("global");
  return targets;
}
