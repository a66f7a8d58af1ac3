// The webhook event catalogue (docs/events.md#subscription-names): subscription names, `event` values, by-events paths
// and accepted aliases. Pure data; every other module derives from it.

export const WEBHOOK_EVENTS = {
  APPLICATION_STARTUP: "application.startup",
  QRCODE_UPDATED: "qrcode.updated",
  CONNECTION_UPDATE: "connection.update",
  MESSAGES_SET: "messages.set",
  MESSAGES_UPSERT: "messages.upsert",
  MESSAGES_UPDATE: "messages.update",
  MESSAGES_DELETE: "messages.delete",
  SEND_MESSAGE: "send.message",
  CONTACTS_SET: "contacts.set",
  CONTACTS_UPSERT: "contacts.upsert",
  CONTACTS_UPDATE: "contacts.update",
  PRESENCE_UPDATE: "presence.update",
  CHATS_SET: "chats.set",
  CHATS_UPDATE: "chats.update",
  CHATS_UPSERT: "chats.upsert",
  CHATS_DELETE: "chats.delete",
  GROUPS_UPSERT: "groups.upsert",
  GROUPS_UPDATE: "groups.update",
  GROUP_PARTICIPANTS_UPDATE: "group-participants.update",
  NEW_TOKEN: "new.jwt",
  CALL: "call",
  LABELS_EDIT: "labels.edit",
  LABELS_ASSOCIATION: "labels.association",
  /** l2msg's own: an instance webhook was disabled after failing too long (global webhook only, docs/delivery.md#auto-disable). */
  WEBHOOK_DISABLED: "webhook.disabled",
} as const;

export type SubscriptionName = keyof typeof WEBHOOK_EVENTS;
export type WebhookEventName = (typeof WEBHOOK_EVENTS)[SubscriptionName];

export const SUBSCRIPTION_NAMES = Object.keys(WEBHOOK_EVENTS) as SubscriptionName[];

/** What an instance webhook can subscribe to: every name but l2msg's own WEBHOOK_DISABLED (global webhook only). */
export const INSTANCE_SUBSCRIPTION_NAMES: readonly SubscriptionName[] = SUBSCRIPTION_NAMES.filter((name) => name !== "WEBHOOK_DISABLED");

/** Older names users send; stored as the canonical name. */
export const SUBSCRIPTION_ALIASES: Record<string, SubscriptionName> = {
  GROUP_UPDATE: "GROUPS_UPDATE",
  NEW_JWT_TOKEN: "NEW_TOKEN",
};

/** Canonical subscription name for a user-supplied one, or undefined when unknown. */
export function canonicalSubscription(name: string): SubscriptionName | undefined {
  const upper = name.trim().toUpperCase();
  if (upper in WEBHOOK_EVENTS) return upper as SubscriptionName;
  return SUBSCRIPTION_ALIASES[upper];
}

const EVENT_TO_SUBSCRIPTION = new Map<string, SubscriptionName>(
  SUBSCRIPTION_NAMES.map((name) => [WEBHOOK_EVENTS[name], name]),
);

export function subscriptionForEvent(event: WebhookEventName): SubscriptionName {
  const name = EVENT_TO_SUBSCRIPTION.get(event);
  if (!name) throw new Error(`unknown webhook event ${event}`);
  return name;
}

/** By-events path suffix: `/messages-upsert`; NEW_TOKEN is `/new-jwt`. */
export function byEventsPath(subscription: SubscriptionName): string {
  if (subscription === "NEW_TOKEN") return "/new-jwt";
  return `/${subscription.toLowerCase().replace(/_/g, "-")}`;
}
