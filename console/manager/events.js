// The webhook subscription names and event values, as the API accepts them (README: Webhooks).
// test/console/events.test.ts checks this list against worker/events/names.ts.
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
  WEBHOOK_DISABLED: "webhook.disabled",
};

/** What an instance webhook can subscribe to: every event but l2msg's own webhook.disabled (global webhook only). */
export const SUBSCRIPTION_NAMES = Object.keys(WEBHOOK_EVENTS).filter((name) => name !== "WEBHOOK_DISABLED");
