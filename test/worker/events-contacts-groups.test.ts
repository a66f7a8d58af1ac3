// Table-driven: history sync, contacts, chats, presence, groups, calls and labels.
import { describe, expect, it } from "vitest";
import { mapConnectorEvent } from "../../worker/events/map.ts";
import type { MappedEvent } from "../../worker/events/types.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e09a from "../fixtures/baileys-e09a-participants-add.json";
import e09c from "../fixtures/baileys-e09c-groups-update-subject.json";
import e09e from "../fixtures/baileys-e09e-description-change.json";
import e11 from "../fixtures/baileys-e11-presence.json";
import e13 from "../fixtures/baileys-e13-history-bootstrap.json";
import e14 from "../fixtures/baileys-e14-contact-chat-update.json";
import e15 from "../fixtures/baileys-e15-own-send.json";

const ctx = { instanceName: "sales" };
const SENDER = "15550001111@s.whatsapp.net";
const PEER = "15552223333@s.whatsapp.net";
const GROUP = "120363041234567890@g.us";
const fx = (events: unknown, index = 0): ConnectorEvent => (events as ConnectorEvent[])[index]!;
const iso = (offset: number) => new Date(1795534561123 + offset).toISOString();
const out = (event: MappedEvent["event"], data: unknown, offset = 0): MappedEvent => ({ event, data, dateTime: iso(offset), sender: SENDER });

function raw(type: string, payload: unknown): ConnectorEvent {
  return { id: "g1", instance: "sales", type, at: 1795534561123, me: { id: "15550001111:12@s.whatsapp.net", name: "Sales" }, payload };
}
const historyMessage = { key: { remoteJid: PEER, fromMe: false, id: "H2" }, message: { conversation: "later" }, messageTimestamp: "1795534508", status: 3 };
const GROUP_META = { id: GROUP, subject: "Team", subjectOwner: PEER, creation: 1795534500, owner: PEER, desc: "d", restrict: false, announce: false, size: 2, participants: [{ id: PEER, admin: "superadmin" }, { id: "211119998887777@lid", admin: null }] };
const CALL = { chatId: PEER, from: PEER, id: "CALL1", isVideo: false, isGroup: false, status: "offer", offline: false };

const rows: { name: string; event: ConnectorEvent; expected: MappedEvent[] }[] = [
  { name: "E13 messaging-history.status → nothing", event: fx(e13, 0), expected: [] },
  {
    name: "E13 INITIAL_BOOTSTRAP → messages.set, contacts.set, chats.set",
    event: fx(e13, 1),
    expected: [
      out("messages.set", [{ key: { remoteJid: PEER, fromMe: false, id: "HIST0001" }, pushName: "Carol", message: { conversation: "old message from history" }, messageType: "conversation", messageTimestamp: 1795534507, owner: "sales", source: "unknown", status: "READ" }], 1),
      out("contacts.set", [{ id: PEER, pushName: "Carol", owner: "sales" }], 1),
      out("chats.set", [{ id: PEER, owner: "sales", lastMsgTimestamp: 1795534507, name: "Carol", unreadCount: 1 }], 1),
    ],
  },
  {
    name: "later history chunk: contacts go out as contacts.upsert, status number → name",
    event: raw("messaging-history.set", { messages: [historyMessage], contacts: [{ id: PEER, notify: "Carol" }], chats: [], syncType: 4, isLatest: false }),
    expected: [
      out("messages.set", [{ key: { remoteJid: PEER, fromMe: false, id: "H2" }, message: { conversation: "later" }, messageType: "conversation", messageTimestamp: 1795534508, owner: "sales", source: "unknown", status: "DELIVERY_ACK" }]),
      out("contacts.upsert", [{ id: PEER, pushName: "Carol", owner: "sales" }]),
    ],
  },
  { name: "empty history → nothing", event: raw("messaging-history.set", { messages: [], contacts: [], chats: [], syncType: 0 }), expected: [] },
  { name: "E14 contacts.update", event: fx(e14, 0), expected: [out("contacts.update", [{ id: "15559990000@s.whatsapp.net", pushName: "Early Bird", owner: "sales" }])] },
  { name: "E14 chats.update drops embedded messages", event: fx(e14, 1), expected: [out("chats.update", [{ id: "15559990000@s.whatsapp.net", owner: "sales", unreadCount: 1, conversationTimestamp: 1795534561 }], 1)] },
  { name: "E15 chats.update of an own send", event: fx(e15, 2), expected: [out("chats.update", [{ id: PEER, owner: "sales", conversationTimestamp: 1795534564 }], 2)] },
  {
    name: "contacts.upsert with picture URL, LID and PN",
    event: raw("contacts.upsert", [{ id: "211119998887777@lid", phoneNumber: "15559998887@s.whatsapp.net", name: "Erin", imgUrl: "https://pps.whatsapp.net/v/erin.jpg" }, { id: PEER, imgUrl: "changed" }, { notify: "no id" }]),
    expected: [out("contacts.upsert", [
      { id: "211119998887777@lid", pushName: "Erin", profilePictureUrl: "https://pps.whatsapp.net/v/erin.jpg", owner: "sales", phoneNumber: "15559998887@s.whatsapp.net" },
      { id: PEER, owner: "sales" },
    ])],
  },
  { name: "contacts.update picture removed → profilePictureUrl null", event: raw("contacts.update", [{ id: PEER, imgUrl: null }]), expected: [out("contacts.update", [{ id: PEER, profilePictureUrl: null, owner: "sales" }])] },
  { name: "contacts.update empty → nothing", event: raw("contacts.update", []), expected: [] },
  { name: "chats.upsert (group created)", event: raw("chats.upsert", [{ id: GROUP, name: "Team", conversationTimestamp: "1795534500" }]), expected: [out("chats.upsert", [{ id: GROUP, owner: "sales", name: "Team", conversationTimestamp: 1795534500 }])] },
  { name: "chats.delete → array of jids", event: raw("chats.delete", [PEER, 7, GROUP]), expected: [out("chats.delete", [PEER, GROUP])] },
  { name: "E11 presence available", event: fx(e11, 0), expected: [out("presence.update", { id: PEER, presences: { [PEER]: { lastKnownPresence: "available" } } })] },
  { name: "E11 chatstate composing", event: fx(e11, 1), expected: [out("presence.update", { id: PEER, presences: { [PEER]: { lastKnownPresence: "composing" } } }, 1)] },
  {
    name: "E9a participants add: objects flattened to JIDs",
    event: fx(e09a),
    expected: [out("group-participants.update", { id: GROUP, participants: ["15556667777@s.whatsapp.net"], action: "add", author: PEER, participantsData: [{ id: "15556667777@s.whatsapp.net", admin: null }] })],
  },
  {
    name: "participants as strings / phoneNumber-only objects",
    event: raw("group-participants.update", { id: GROUP, participants: ["15556667777@s.whatsapp.net", { phoneNumber: "15558889999@s.whatsapp.net" }], action: "remove" }),
    expected: [out("group-participants.update", { id: GROUP, participants: ["15556667777@s.whatsapp.net", "15558889999@s.whatsapp.net"], action: "remove", participantsData: [{ phoneNumber: "15558889999@s.whatsapp.net" }] })],
  },
  { name: "E9c groups.update subject", event: fx(e09c), expected: [out("groups.update", [{ id: GROUP, subject: "Renamed group", author: PEER }])] },
  { name: "E9e groups.update description", event: fx(e09e, 0), expected: [out("groups.update", [{ id: GROUP, desc: "New group description", author: "211112223333444@lid" }])] },
  { name: "E9e chats.update description", event: fx(e09e, 1), expected: [out("chats.update", [{ id: GROUP, owner: "sales", description: "New group description" }], 1)] },
  { name: "groups.upsert: timestamps as numbers", event: raw("groups.upsert", [{ ...GROUP_META, subjectTime: "1795534501" }]), expected: [out("groups.upsert", [{ ...GROUP_META, subjectTime: 1795534501 }])] },
  { name: "call: first element, ISO date kept", event: raw("call", [{ ...CALL, date: "2026-11-24T15:36:00.000Z" }, { ...CALL, id: "CALL2", date: "x" }]), expected: [out("call", { ...CALL, date: "2026-11-24T15:36:00.000Z" })] },
  { name: "call: date in seconds normalised", event: raw("call", [{ ...CALL, date: 1795534560 }]), expected: [out("call", { ...CALL, date: "2026-11-24T15:36:00.000Z" })] },
  { name: "labels.edit", event: raw("labels.edit", { id: "3", name: "VIP", color: 2, deleted: false }), expected: [out("labels.edit", { id: "3", name: "VIP", color: 2, deleted: false, instance: "sales" })] },
  {
    name: "labels.association",
    event: raw("labels.association", { association: { type: "label_jid", chatId: PEER, labelId: "3" }, type: "add" }),
    expected: [out("labels.association", { instance: "sales", type: "add", chatId: PEER, labelId: "3" })],
  },
];

describe("mapConnectorEvent: history, contacts, chats, presence, groups, calls, labels", () => {
  it.each(rows)("$name", ({ event, expected }) => {
    expect(mapConnectorEvent(event, ctx)).toStrictEqual(expected);
  });
});
