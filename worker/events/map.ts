// Raw connector events → Evolution v1-shaped webhook events (docs/events.md#mapping-table), and the
// instance-row patch they imply. Pure: no I/O, no clock. Odd items are skipped and unknown types
// give []; an exception here is a mapper bug, left to the caller (ingest logs it once, with the event).
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import type { Mapper } from "./emission.ts";
import type { InstanceStatePatch, MappedEvent, MappingContext } from "./types.ts";
import { bareJid, isoFromMs, isRecord, nonEmpty } from "./guards.ts";
import { connectionStatePatch, mapConnectionUpdate, mapConnectorStartup } from "./connection.ts";
import { mapMessageSent, mapMessagesUpsert } from "./messages.ts";
import { mapMessageReceipts, mapMessagesDelete, mapMessagesUpdate } from "./message-updates.ts";
import { mapHistorySet } from "./history.ts";
import {
  mapChatsDelete,
  mapChatsUpdate,
  mapChatsUpsert,
  mapContactsUpdate,
  mapContactsUpsert,
  mapPresenceUpdate,
} from "./contacts-chats.ts";
import { mapGroupParticipantsUpdate, mapGroupsUpdate, mapGroupsUpsert } from "./groups.ts";
import { mapCall, mapLabelsAssociation, mapLabelsEdit } from "./misc.ts";

export { newTokenEvent } from "./misc.ts";

/** Raw event type → mapper. Anything else (creds.update, messages.reaction, lid-mapping.update…) maps to nothing. */
const MAPPERS = new Map<string, Mapper>([
  ["connector.startup", mapConnectorStartup],
  ["connection.update", mapConnectionUpdate],
  ["messages.upsert", mapMessagesUpsert],
  ["message.sent", mapMessageSent],
  ["messages.update", mapMessagesUpdate],
  ["message-receipt.update", mapMessageReceipts],
  ["messages.delete", mapMessagesDelete],
  ["messaging-history.set", mapHistorySet],
  ["contacts.upsert", mapContactsUpsert],
  ["contacts.update", mapContactsUpdate],
  ["presence.update", mapPresenceUpdate],
  ["chats.upsert", mapChatsUpsert],
  ["chats.update", mapChatsUpdate],
  ["chats.delete", mapChatsDelete],
  ["groups.upsert", mapGroupsUpsert],
  ["groups.update", mapGroupsUpdate],
  ["group-participants.update", mapGroupParticipantsUpdate],
  ["call", mapCall],
  ["labels.edit", mapLabelsEdit],
  ["labels.association", mapLabelsAssociation],
]);

/** The connected account without device suffix (`…:12@s.whatsapp.net` → `…@s.whatsapp.net`). */
function senderOf(event: ConnectorEvent): string | undefined {
  const id = isRecord(event.me) ? nonEmpty(event.me.id) : undefined;
  return id === undefined ? undefined : bareJid(id);
}

export function mapConnectorEvent(event: ConnectorEvent, ctx: MappingContext): MappedEvent[] {
  const mapper = MAPPERS.get(event.type);
  const happenedAt = isoFromMs(event.at);
  if (!mapper || happenedAt === undefined) return [];
  const sender = senderOf(event);
  return mapper(event, ctx).map((emission) => {
    const mapped: MappedEvent = { event: emission.event, data: emission.data, dateTime: emission.dateTime ?? happenedAt };
    if (sender !== undefined) mapped.sender = sender;
    return mapped;
  });
}

/** State the worker stores on the instance row (only `connection.update` with a state has any). */
export function instanceStatePatch(event: ConnectorEvent): InstanceStatePatch | undefined {
  return connectionStatePatch(event);
}
