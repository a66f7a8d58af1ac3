// WAMessage → Evolution message item; `messages.upsert` and the connector's `message.sent`.
// Pure: no I/O, no clock.
import { WEBHOOK_EVENTS } from "./names.ts";
import { compact, isRecord, nonEmpty, records, str, toInteger, type JsonRecord } from "./guards.ts";
import { mapEach, type Emission, type Mapper } from "./emission.ts";
import { contextInfoOf, isDeliverableType, messageSource, messageType, unwrapMessage } from "./message-content.ts";

export const MESSAGE_STATUSES = ["ERROR", "PENDING", "SERVER_ACK", "DELIVERY_ACK", "READ", "PLAYED"] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

/** Status as a name, from Baileys' enum number (0-5), numeric string or name. */
export function messageStatus(value: unknown): MessageStatus | undefined {
  const index = toInteger(value);
  if (index !== undefined) return MESSAGE_STATUSES[index];
  const name = str(value)?.toUpperCase();
  return MESSAGE_STATUSES.find((status) => status === name);
}

export interface MessageKey extends JsonRecord {
  remoteJid: string;
  id: string;
}

export function isMessageKey(value: unknown): value is MessageKey {
  return isRecord(value) && nonEmpty(value.remoteJid) !== undefined && nonEmpty(value.id) !== undefined;
}

/** The short key Evolution sends in `messages.update` / `messages.delete`. */
export function shortKey(key: MessageKey): JsonRecord {
  return compact({
    remoteJid: key.remoteJid,
    fromMe: key.fromMe === true,
    id: key.id,
    participant: nonEmpty(key.participant),
  });
}

/**
 * `{key, pushName, message, contextInfo?, messageType, messageTimestamp, owner, source}`, or
 * undefined for what is not a user message: no key, no content (stubs), protocol messages
 * (revoke/edit/history), poll votes, sender-key-only.
 */
export function messageItem(raw: unknown, owner: string): JsonRecord | undefined {
  if (!isRecord(raw) || !isMessageKey(raw.key) || !isRecord(raw.message)) return undefined;
  const message = unwrapMessage(raw.message);
  const type = messageType(message);
  if (!isDeliverableType(type)) return undefined;
  const base64 = str(message.base64) ?? str(raw.base64);
  return compact({
    key: { ...raw.key },
    pushName: nonEmpty(raw.pushName),
    message: base64 === undefined ? message : { ...message, base64 },
    contextInfo: contextInfoOf(message, type),
    messageType: type,
    messageTimestamp: toInteger(raw.messageTimestamp),
    owner,
    source: messageSource(raw.key.id),
  });
}

export const mapMessagesUpsert: Mapper = (event, ctx) => {
  const messages = isRecord(event.payload) ? records(event.payload.messages) : [];
  return mapEach(messages, (raw): Emission | undefined => {
    const data = messageItem(raw, ctx.instanceName);
    return data && { event: WEBHOOK_EVENTS.MESSAGES_UPSERT, data };
  });
};

/** Connector event `message.sent` (`{message: WAMessage}`): a message sent through the API. */
export const mapMessageSent: Mapper = (event, ctx) => {
  const raw = isRecord(event.payload) ? event.payload.message : undefined;
  const data = messageItem(raw, ctx.instanceName);
  return data ? [{ event: WEBHOOK_EVENTS.SEND_MESSAGE, data }] : [];
};
