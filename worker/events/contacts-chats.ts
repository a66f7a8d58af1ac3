// Contacts, chats and presence: `contacts.upsert|update`, `chats.upsert|update|delete`,
// `presence.update`. Pure: no I/O, no clock.
import { WEBHOOK_EVENTS, type WebhookEventName } from "./names.ts";
import { bool, compact, isRecord, nonEmpty, oneOrMany, records, str, toInteger, type JsonRecord } from "./guards.ts";
import { mapEach, type Emission, type Mapper } from "./emission.ts";

/** A usable picture URL; `null` means "no picture"; Baileys' `"changed"` marker is not a URL. */
function pictureUrl(imgUrl: unknown): string | null | undefined {
  if (imgUrl === null) return null;
  const url = str(imgUrl);
  return url && /^https?:\/\//i.test(url) ? url : undefined;
}

/** `{id, pushName, profilePictureUrl, owner}` (+ `lid` / `phoneNumber` when Baileys knows them). */
export function contactItem(raw: JsonRecord, owner: string): JsonRecord | undefined {
  const id = nonEmpty(raw.id);
  if (!id) return undefined;
  return compact({
    id,
    pushName: nonEmpty(raw.notify) ?? nonEmpty(raw.name) ?? nonEmpty(raw.verifiedName),
    profilePictureUrl: pictureUrl(raw.imgUrl),
    owner,
    lid: nonEmpty(raw.lid),
    phoneNumber: nonEmpty(raw.phoneNumber),
  });
}

/** `{id, owner}` plus the chat fields worth forwarding, timestamps as numbers of seconds. */
export function chatItem(raw: JsonRecord, owner: string): JsonRecord | undefined {
  const id = nonEmpty(raw.id);
  if (!id) return undefined;
  return compact({
    id,
    owner,
    name: nonEmpty(raw.name),
    unreadCount: toInteger(raw.unreadCount),
    conversationTimestamp: toInteger(raw.conversationTimestamp),
    lastMessageRecvTimestamp: toInteger(raw.lastMessageRecvTimestamp),
    archived: bool(raw.archived),
    pinned: toInteger(raw.pinned),
    muteEndTime: toInteger(raw.muteEndTime),
    readOnly: bool(raw.readOnly),
    description: str(raw.description),
    ephemeralExpiration: toInteger(raw.ephemeralExpiration),
  });
}

/** One event carrying the array, or nothing when no item survived. */
export function arrayEmission(event: WebhookEventName, data: JsonRecord[]): Emission[] {
  return data.length > 0 ? [{ event, data }] : [];
}

function listMapper(event: WebhookEventName, item: (raw: JsonRecord, owner: string) => JsonRecord | undefined): Mapper {
  return (raw, ctx) => arrayEmission(event, mapEach(records(raw.payload), (entry) => item(entry, ctx.instanceName)));
}

export const mapContactsUpsert = listMapper(WEBHOOK_EVENTS.CONTACTS_UPSERT, contactItem);
export const mapContactsUpdate = listMapper(WEBHOOK_EVENTS.CONTACTS_UPDATE, contactItem);
export const mapChatsUpsert = listMapper(WEBHOOK_EVENTS.CHATS_UPSERT, chatItem);
export const mapChatsUpdate = listMapper(WEBHOOK_EVENTS.CHATS_UPDATE, chatItem);

/** The deleted chats' JIDs (anything that is not a `user@server` string is dropped). */
export const mapChatsDelete: Mapper = (event) => {
  const jids = Array.isArray(event.payload) ? event.payload.filter((jid) => /^[^@\s]+@[^@\s]+$/.test(str(jid) ?? "")) : [];
  return jids.length > 0 ? [{ event: WEBHOOK_EVENTS.CHATS_DELETE, data: jids }] : [];
};

/** Baileys' `{id, presences}` as is; a list of them gives one event each. */
export const mapPresenceUpdate: Mapper = (event) =>
  mapEach(oneOrMany(event.payload), (raw) => {
    const id = nonEmpty(raw.id);
    if (!id || !isRecord(raw.presences)) return undefined;
    return { event: WEBHOOK_EVENTS.PRESENCE_UPDATE, data: { id, presences: raw.presences } };
  });
