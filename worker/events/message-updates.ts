// `messages.update` (status, revoke, edit), `message-receipt.update` and `messages.delete`.
// Pure: no I/O, no clock — `datetime` comes from event.at or from the receipt's own timestamp.
import { WEBHOOK_EVENTS } from "./names.ts";
import { compact, isoFromMs, isRecord, nonEmpty, records, toInteger, type JsonRecord } from "./guards.ts";
import { mapEach, type Emission, type Mapper } from "./emission.ts";
import { isDeliverableType, messageType, unwrapMessage } from "./message-content.ts";
import { isMessageKey, messageStatus, shortKey, type MessageKey, type MessageStatus } from "./messages.ts";

/** A revoke: the message is gone (`message: null`) or the REVOKE stub, and no status says otherwise. */
function isRevoke(update: JsonRecord): boolean {
  const stub = update.messageStubType;
  return update.message === null || stub === 1 || stub === "REVOKE";
}

/** The new content of an edit (`update.message.editedMessage.message`). */
function editedContent(update: JsonRecord): JsonRecord | undefined {
  const edited = isRecord(update.message) ? update.message.editedMessage : undefined;
  return isRecord(edited) && isRecord(edited.message) ? unwrapMessage(edited.message) : undefined;
}

function editEmission(key: MessageKey, update: JsonRecord, at: number, owner: string): Emission | undefined {
  const message = editedContent(update);
  const type = message && messageType(message);
  if (!message || !isDeliverableType(type)) return undefined;
  const data = compact({
    ...shortKey(key),
    datetime: at,
    owner,
    message,
    messageType: type,
    messageTimestamp: toInteger(update.messageTimestamp),
  });
  return { event: WEBHOOK_EVENTS.MESSAGES_UPDATE, data };
}

function updateEmission(raw: JsonRecord, at: number, owner: string): Emission | undefined {
  const { key, update } = raw;
  if (!isMessageKey(key) || !isRecord(update)) return undefined;
  if (update.status != null) {
    const status = messageStatus(update.status);
    if (!status) return undefined;
    return { event: WEBHOOK_EVENTS.MESSAGES_UPDATE, data: { ...shortKey(key), status, datetime: at, owner } };
  }
  if (isRevoke(update)) return { event: WEBHOOK_EVENTS.MESSAGES_DELETE, data: shortKey(key) };
  return editEmission(key, update, at, owner);
}

export const mapMessagesUpdate: Mapper = (event, ctx) =>
  mapEach(records(event.payload), (raw) => updateEmission(raw, event.at, ctx.instanceName));

/** The most advanced state a receipt reports, with its time (seconds or ms) as ms. */
function receiptState(receipt: JsonRecord): { status: MessageStatus; datetime: number } | undefined {
  const fields: [string, MessageStatus][] = [
    ["playedTimestamp", "PLAYED"],
    ["readTimestamp", "READ"],
    ["receiptTimestamp", "DELIVERY_ACK"],
  ];
  for (const [field, status] of fields) {
    const value = toInteger(receipt[field]);
    if (value !== undefined && value > 0) return { status, datetime: value < 1e11 ? value * 1000 : value };
  }
  return undefined;
}

function receiptEmission(raw: JsonRecord, owner: string): Emission | undefined {
  const { key, receipt } = raw;
  if (!isMessageKey(key) || !isRecord(receipt)) return undefined;
  const state = receiptState(receipt);
  if (!state) return undefined;
  const participant = nonEmpty(receipt.userJid) ?? nonEmpty(key.participant);
  const data = compact({ ...shortKey(key), participant, status: state.status, datetime: state.datetime, owner });
  return { event: WEBHOOK_EVENTS.MESSAGES_UPDATE, data, dateTime: isoFromMs(state.datetime) };
}

export const mapMessageReceipts: Mapper = (event, ctx) =>
  mapEach(records(event.payload), (raw) => receiptEmission(raw, ctx.instanceName));

/** Baileys' "delete for me": `{keys}` → one event per key; `{jid, all: true}` → `{remoteJid, all: true}`. */
export const mapMessagesDelete: Mapper = (event) => {
  const payload = isRecord(event.payload) ? event.payload : {};
  const jid = nonEmpty(payload.jid);
  if (jid && payload.all === true) {
    return [{ event: WEBHOOK_EVENTS.MESSAGES_DELETE, data: { remoteJid: jid, all: true } }];
  }
  return mapEach(records(payload.keys), (key) =>
    isMessageKey(key) ? { event: WEBHOOK_EVENTS.MESSAGES_DELETE, data: shortKey(key) } : undefined,
  );
};
