// Routing: which webhooks (the instance's, the global one) get a webhook event (docs/delivery.md#targets).
// Pure: no I/O, no clock.
import type { GlobalWebhookConfig } from "../env.ts";
import { canonicalSubscription, subscriptionForEvent, type WebhookEventName } from "../events/names.ts";
import type { DeliveryTarget, WebhookFilters } from "../storage/schema.ts";
import { passesFilters, type MessageRef } from "./message-ref.ts";

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

/** The parts of one of an instance's webhooks that routing looks at. */
export interface WebhookRouting extends InstanceWebhookRouting {
  id: string;
  filters?: WebhookFilters;
  ordered?: boolean;
}

/** One delivery to plan: the instance webhook `webhookId`, or the global webhook (webhookId null). */
export interface PlannedTarget {
  target: DeliveryTarget;
  webhookId: string | null;
  /** The chat, when the webhook delivers in order per chat and the event is about one. */
  orderKey: string | null;
}

/**
 * Every target of one event: each enabled, subscribed webhook of the instance whose filters let
 * the message through (`ref`, for message events), then the global webhook under the same rule
 * as `routeEvent` (it has no filters).
 */
export function routeToTargets(event: WebhookEventName, webhooks: readonly WebhookRouting[], global: GlobalWebhookConfig, ref?: MessageRef): PlannedTarget[] {
  const targets: PlannedTarget[] = [];
  for (const webhook of webhooks) {
    if (webhook.enabled && isSubscribed(webhook.events, event) && passesFilters(webhook.filters, ref)) {
      targets.push({ target: "instance", webhookId: webhook.id, orderKey: webhook.ordered && ref ? ref.remoteJid : null });
    }
  }
  if (routeEvent(event, undefined, global).includes("global")) targets.push({ target: "global", webhookId: null, orderKey: null });
  return targets;
}
