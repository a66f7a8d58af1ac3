// `call`, `labels.edit`, `labels.association`, and the worker's own NEW_TOKEN event.
// Pure: no I/O, no clock (the caller passes `at`).
import { WEBHOOK_EVENTS } from "./names.ts";
import { compact, isRecord, nonEmpty, oneOrMany, toIso } from "./guards.ts";
import type { Mapper } from "./emission.ts";
import type { MappedEvent } from "./types.ts";

/** The first call of Baileys' list (as Evolution does), `date` as ISO-8601 UTC. */
export const mapCall: Mapper = (event) => {
  const call = oneOrMany(event.payload).find((item) => nonEmpty(item.id) && nonEmpty(item.from));
  if (!call) return [];
  return [{ event: WEBHOOK_EVENTS.CALL, data: compact({ ...call, date: toIso(call.date) }) }];
};

/** The label as Baileys gives it (`{id, name, color, deleted, predefinedId?}`), plus `instance`. */
export const mapLabelsEdit: Mapper = (event) => {
  const label = event.payload;
  if (!isRecord(label) || !nonEmpty(label.id) || typeof label.name !== "string") return [];
  return [{ event: WEBHOOK_EVENTS.LABELS_EDIT, data: { ...label, instance: event.instance } }];
};

/** `{instance, type, chatId, labelId}` (+ `messageId` for a label put on a message). */
export const mapLabelsAssociation: Mapper = (event) => {
  const payload = isRecord(event.payload) ? event.payload : {};
  const association = isRecord(payload.association) ? payload.association : {};
  const type = nonEmpty(payload.type);
  const chatId = nonEmpty(association.chatId);
  const labelId = nonEmpty(association.labelId);
  if (!type || !chatId || !labelId) return [];
  const data = compact({ instance: event.instance, type, chatId, labelId, messageId: nonEmpty(association.messageId) });
  return [{ event: WEBHOOK_EVENTS.LABELS_ASSOCIATION, data }];
};

/** NEW_TOKEN after `/instance/refreshToken`: `{jwt, instanceName}`; `at` is ms since epoch. */
export function newTokenEvent(instanceName: string, token: string, at: number): MappedEvent {
  return { event: WEBHOOK_EVENTS.NEW_TOKEN, data: { jwt: token, instanceName }, dateTime: new Date(at).toISOString() };
}
