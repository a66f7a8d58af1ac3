// What a message event is about: its chat (`remoteJid`), whether the instance sent it, and the
// WhatsApp message id. Filters, order per chat and trace read it (docs/delivery.md#filters).
// Pure: no I/O, no clock; reads the Evolution-shaped `data` the mapping produced.
import { WEBHOOK_EVENTS, type WebhookEventName } from "../events/names.ts";
import type { WebhookFilters } from "../storage/schema.ts";

export interface MessageRef {
  remoteJid: string;
  fromMe: boolean;
  /** Absent for a "delete every message of the chat" event. */
  messageId: string | undefined;
}

/** The events filters apply to. */
export const MESSAGE_EVENTS: ReadonlySet<WebhookEventName> = new Set([
  WEBHOOK_EVENTS.MESSAGES_UPSERT, WEBHOOK_EVENTS.MESSAGES_UPDATE, WEBHOOK_EVENTS.MESSAGES_DELETE, WEBHOOK_EVENTS.SEND_MESSAGE,
]);

const text = (value: unknown): string | undefined => (typeof value === "string" && value ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined =>
  value && typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;

/**
 * Upserts and sends carry `{key:{remoteJid, fromMe, id}}`; updates, receipts and deletes the
 * short key flat in `data` (docs/events.md). Undefined for other events or without a chat.
 */
export function messageRef(event: WebhookEventName, data: unknown): MessageRef | undefined {
  if (!MESSAGE_EVENTS.has(event)) return undefined;
  const body = record(data);
  const key = record(body?.key) ?? body;
  const remoteJid = text(key?.remoteJid);
  if (!key || !remoteJid) return undefined;
  return { remoteJid, fromMe: key.fromMe === true, messageId: text(key.id) };
}

const isGroup = (jid: string) => jid.endsWith("@g.us");

function passes(mode: WebhookFilters["groups"], matches: boolean): boolean {
  if (mode === "exclude") return !matches;
  if (mode === "only") return matches;
  return true;
}

/** Whether a webhook with `filters` takes this event. Events that are not about a message always pass. */
export function passesFilters(filters: WebhookFilters | undefined, ref: MessageRef | undefined): boolean {
  if (!ref || !filters) return true;
  return passes(filters.groups, isGroup(ref.remoteJid)) && passes(filters.fromMe, ref.fromMe);
}
