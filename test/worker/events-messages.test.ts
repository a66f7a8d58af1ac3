// Table-driven: raw `messages.upsert` / `message.sent` → Evolution message items (recorded E1–E18 + edge cases).
import { describe, expect, it } from "vitest";
import { mapConnectorEvent } from "../../worker/events/map.ts";
import { messageSource } from "../../worker/events/message-content.ts";
import type { MappedEvent } from "../../worker/events/types.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e01 from "../fixtures/baileys-e01-upsert-pn.json";
import e02 from "../fixtures/baileys-e02-upsert-lid.json";
import e03 from "../fixtures/baileys-e03-upsert-group-lid.json";
import e04 from "../fixtures/baileys-e04-upsert-reply.json";
import e05 from "../fixtures/baileys-e05-upsert-image.json";
import e06a from "../fixtures/baileys-e06a-upsert-reaction.json";
import e06b from "../fixtures/baileys-e06b-reaction.json";
import e07a from "../fixtures/baileys-e07a-upsert-edit.json";
import e08a from "../fixtures/baileys-e08a-upsert-revoke.json";
import e09b from "../fixtures/baileys-e09b-upsert-stub.json";
import e15 from "../fixtures/baileys-e15-own-send.json";
import e16 from "../fixtures/baileys-e16-own-react-delete.json";
import e18 from "../fixtures/baileys-e18-upsert-from-phone.json";

const ctx = { instanceName: "sales" };
const SENDER = "15550001111@s.whatsapp.net";
const T0 = "2026-11-24T15:36:01.123Z";
const fx = (events: unknown, index = 0): ConnectorEvent => (events as ConnectorEvent[])[index]!;
const upsert = (data: unknown, dateTime = T0): MappedEvent => ({ event: "messages.upsert", data, dateTime, sender: SENDER });
const pnKey = (id: string, fromMe = false) => ({ remoteJid: "15552223333@s.whatsapp.net", fromMe, id, participant: "", addressingMode: "pn" });
const imageMessage = (fx(e05).payload as { messages: { message: { imageMessage: unknown } }[] }).messages[0]!.message.imageMessage;

function synthetic(message: unknown, extra: Record<string, unknown> = {}): ConnectorEvent {
  const raw = { key: pnKey("3A0123456789ABCDEF01"), messageTimestamp: 1795534561, pushName: "Carol", message, ...extra };
  return { id: "s1", instance: "sales", type: "messages.upsert", at: 1795534561123, me: { id: "15550001111:12@s.whatsapp.net" }, payload: { messages: [raw], type: "notify" } };
}

const rows: { name: string; event: ConnectorEvent; expected: MappedEvent[] }[] = [
  {
    name: "E1 inbound text, PN addressing",
    event: fx(e01),
    expected: [upsert({ key: pnKey("F6A76774B4C21104"), pushName: "Carol", message: { conversation: "Hello from the fake phone" }, messageType: "conversation", messageTimestamp: 1795534561, owner: "sales", source: "unknown" })],
  },
  {
    name: "E2 inbound text, LID addressing keeps remoteJidAlt",
    event: fx(e02),
    expected: [upsert({
      key: { remoteJid: "211119998887777@lid", remoteJidAlt: "15559998887@s.whatsapp.net", fromMe: false, id: "LIDMSG01", participant: "", addressingMode: "lid" },
      pushName: "Erin", message: { conversation: "hi via LID addressing" }, messageType: "conversation", messageTimestamp: 1795534567, owner: "sales", source: "unknown",
    })],
  },
  {
    name: "E3 group text, LID participant keeps participantAlt",
    event: fx(e03),
    expected: [upsert({
      key: { remoteJid: "120363041234567890@g.us", fromMe: false, id: "LIDGRP01", participant: "211119998887777@lid", participantAlt: "15559998887@s.whatsapp.net", addressingMode: "lid" },
      pushName: "Erin", message: { conversation: "group msg, LID participant" }, messageType: "conversation", messageTimestamp: 1795534568, owner: "sales", source: "unknown",
    })],
  },
  {
    name: "E4 reply carries contextInfo",
    event: fx(e04),
    expected: [upsert({
      key: { remoteJid: "15554445555@s.whatsapp.net", fromMe: false, id: "756FD7CDE4128625", participant: "", addressingMode: "pn" },
      pushName: "Dave",
      message: { extendedTextMessage: { text: "second one (msg after pkmsg)", contextInfo: { stanzaId: "77DDF01579B40637", participant: "15554445555@s.whatsapp.net", quotedMessage: { conversation: "Signal-encrypted hello (pkmsg)" } } } },
      contextInfo: { stanzaId: "77DDF01579B40637", participant: "15554445555@s.whatsapp.net", quotedMessage: { conversation: "Signal-encrypted hello (pkmsg)" } },
      messageType: "extendedTextMessage", messageTimestamp: 1795534562, owner: "sales", source: "unknown",
    })],
  },
  {
    name: "E5 image without connector base64",
    event: fx(e05),
    expected: [upsert({ key: pnKey("1A1A9053293F2580"), pushName: "Carol", message: { imageMessage }, messageType: "imageMessage", messageTimestamp: 1795534562, owner: "sales", source: "unknown" })],
  },
  {
    name: "image with connector base64 keeps message.base64",
    event: synthetic({ imageMessage: { mimetype: "image/jpeg" }, base64: "/9j/AAAA" }),
    expected: [upsert({ key: pnKey("3A0123456789ABCDEF01"), pushName: "Carol", message: { imageMessage: { mimetype: "image/jpeg" }, base64: "/9j/AAAA" }, messageType: "imageMessage", messageTimestamp: 1795534561, owner: "sales", source: "ios" })],
  },
  {
    name: "E6a reaction is a normal upsert",
    event: fx(e06a),
    expected: [upsert({
      key: pnKey("FA3FA769E9ED66C5"), pushName: "Carol",
      message: { reactionMessage: { key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: false, id: "F6A76774B4C21104", participant: "" }, text: "👍", senderTimestampMs: "1795534562556" } },
      messageType: "reactionMessage", messageTimestamp: 1795534562, owner: "sales", source: "unknown",
    })],
  },
  { name: "E6b messages.reaction is not delivered (the upsert is)", event: fx(e06b), expected: [] },
  { name: "E7a edit protocolMessage is skipped", event: fx(e07a), expected: [] },
  { name: "E8a revoke protocolMessage is skipped", event: fx(e08a), expected: [] },
  { name: "E9b stub-only message is skipped", event: fx(e09b), expected: [] },
  { name: "E16 own delete (protocolMessage + messageContextInfo) is skipped", event: fx(e16, 2), expected: [] },
  {
    name: "E16 own reaction from the phone, string timestamp",
    event: fx(e16, 0),
    expected: [upsert({
      key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: true, id: "3EB0671F74743BBCA845B0" },
      message: { reactionMessage: { key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: false, id: "F6A76774B4C21104" }, text: "❤️", senderTimestampMs: "1795534564894" } },
      messageType: "reactionMessage", messageTimestamp: 1795534564, owner: "sales", source: "web",
    })],
  },
  {
    name: "E18 typed on the phone: fromMe upsert",
    event: fx(e18),
    expected: [upsert({ key: pnKey("PHONE0001", true), pushName: "Me", message: { conversation: "typed on my phone" }, messageType: "conversation", messageTimestamp: 1795534570, owner: "sales", source: "unknown" })],
  },
  {
    name: "E15 message.sent → send.message",
    event: fx(e15, 0),
    expected: [{
      event: "send.message",
      data: {
        key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: true, id: "3EB08A4EAB509556C7D6DD" },
        message: { extendedTextMessage: { text: "reply from connector" }, messageContextInfo: { messageSecret: "YQefOYCl42Ca8p8rhLPx0i78o6KQbqrlSv5VfurSJ9M=" } },
        messageType: "extendedTextMessage", messageTimestamp: 1795534564, owner: "sales", source: "web",
      },
      dateTime: T0, sender: SENDER,
    }],
  },
  {
    name: "ephemeral wrapper is unwrapped, Long timestamp normalised",
    event: synthetic({ ephemeralMessage: { message: { conversation: "disappearing" } } }, { messageTimestamp: { low: 1795534561, high: 0, unsigned: true } }),
    expected: [upsert({ key: pnKey("3A0123456789ABCDEF01"), pushName: "Carol", message: { conversation: "disappearing" }, messageType: "conversation", messageTimestamp: 1795534561, owner: "sales", source: "ios" })],
  },
  {
    name: "viewOnce + documentWithCaption wrappers unwrap, messageContextInfo kept",
    event: synthetic({ viewOnceMessageV2: { message: { documentWithCaptionMessage: { message: { documentMessage: { caption: "doc" } } } } }, messageContextInfo: { deviceListMetadataVersion: 2 } }),
    expected: [upsert({ key: pnKey("3A0123456789ABCDEF01"), pushName: "Carol", message: { documentMessage: { caption: "doc" }, messageContextInfo: { deviceListMetadataVersion: 2 } }, messageType: "documentMessage", messageTimestamp: 1795534561, owner: "sales", source: "ios" })],
  },
  { name: "senderKeyDistribution-only is skipped", event: synthetic({ senderKeyDistributionMessage: { groupId: "g" } }), expected: [] },
  { name: "pollUpdateMessage is skipped", event: synthetic({ pollUpdateMessage: { vote: {} } }), expected: [] },
  { name: "empty message is skipped", event: synthetic({}), expected: [] },
];

describe("mapConnectorEvent: messages.upsert / message.sent", () => {
  it.each(rows)("$name", ({ event, expected }) => {
    expect(mapConnectorEvent(event, ctx)).toStrictEqual(expected);
  });

  it("splits a batch into one event per message and skips only the malformed one", () => {
    const good = (fx(e01).payload as { messages: unknown[] }).messages[0];
    const event = { ...fx(e01), payload: { messages: [good, { key: "nope" }, null, good], type: "notify" } };
    const mapped = mapConnectorEvent(event, ctx);
    expect(mapped.map((m) => (m.data as { key: { id: string } }).key.id)).toStrictEqual(["F6A76774B4C21104", "F6A76774B4C21104"]);
  });
});

describe("messageSource: device from the message id shape", () => {
  it.each([
    ["3A0123456789ABCDEF01", "ios"],
    ["3EB08A4EAB509556C7D6DD", "web"],
    ["4DA1D8D1B5B0139AC8C44B44B8CF5A93", "android"],
    ["ABCDEFGHIJKLMNOPQRSTU", "android"],
    ["3F0123456789", "desktop"],
    ["ABCDEFGHIJKLMNOPQR", "desktop"],
    ["F6A76774B4C21104", "unknown"],
    ["", "unknown"],
  ])("%s → %s", (id, source) => {
    expect(messageSource(id)).toBe(source);
  });
});
