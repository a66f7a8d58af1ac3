// `messaging-history.set` → `messages.set`, `chats.set` and, once per login, `contacts.set`.
// Pure: no I/O, no clock.
import { WEBHOOK_EVENTS } from "./names.ts";
import { compact, isRecord, nonEmpty, records, toInteger, type JsonRecord } from "./guards.ts";
import { mapEach, type Mapper } from "./emission.ts";
import { arrayEmission, contactItem } from "./contacts-chats.ts";
import { messageItem, messageStatus } from "./messages.ts";

/** HistorySyncType.INITIAL_BOOTSTRAP, as Baileys' enum number or name. */
const INITIAL_BOOTSTRAP = [0, "0", "INITIAL_BOOTSTRAP"];

/**
 * The first history chunk after a login: `syncType` INITIAL_BOOTSTRAP, or — when a payload
 * carries no `syncType` — Baileys' `isLatest: true`. Only this chunk becomes `contacts.set`.
 */
export function isInitialBootstrap(payload: JsonRecord): boolean {
  if (payload.syncType === undefined || payload.syncType === null) return payload.isLatest === true;
  return INITIAL_BOOTSTRAP.includes(payload.syncType as number | string);
}

function historyMessage(raw: JsonRecord, owner: string): JsonRecord | undefined {
  const item = messageItem(raw, owner);
  return item && compact({ ...item, status: messageStatus(raw.status) });
}

/** `{id, owner, lastMsgTimestamp}` (+ `name`, `unreadCount` when known). */
function historyChat(raw: JsonRecord, owner: string): JsonRecord | undefined {
  const id = nonEmpty(raw.id);
  if (!id) return undefined;
  return compact({
    id,
    owner,
    lastMsgTimestamp: toInteger(raw.conversationTimestamp) ?? toInteger(raw.lastMessageRecvTimestamp),
    name: nonEmpty(raw.name),
    unreadCount: toInteger(raw.unreadCount),
  });
}

/** Later chunks' contacts (push names, on-demand syncs) are not a "set": they go out as contacts.upsert. */
export const mapHistorySet: Mapper = (event, ctx) => {
  if (!isRecord(event.payload)) return [];
  const payload = event.payload;
  const owner = ctx.instanceName;
  const contactsEvent = isInitialBootstrap(payload) ? WEBHOOK_EVENTS.CONTACTS_SET : WEBHOOK_EVENTS.CONTACTS_UPSERT;
  return [
    ...arrayEmission(WEBHOOK_EVENTS.MESSAGES_SET, mapEach(records(payload.messages), (raw) => historyMessage(raw, owner))),
    ...arrayEmission(contactsEvent, mapEach(records(payload.contacts), (raw) => contactItem(raw, owner))),
    ...arrayEmission(WEBHOOK_EVENTS.CHATS_SET, mapEach(records(payload.chats), (raw) => historyChat(raw, owner))),
  ];
};
