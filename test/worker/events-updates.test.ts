// Table-driven: `messages.update`, `message-receipt.update`, `messages.delete` → status updates and deletes.
import { describe, expect, it } from "vitest";
import { mapConnectorEvent } from "../../worker/events/map.ts";
import type { MappedEvent } from "../../worker/events/types.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e07b from "../fixtures/baileys-e07b-update-edit.json";
import e08b from "../fixtures/baileys-e08b-update-revoke.json";
import e10a from "../fixtures/baileys-e10a-update-receipts.json";
import e10b from "../fixtures/baileys-e10b-group-receipt.json";
import e16 from "../fixtures/baileys-e16-own-react-delete.json";

const ctx = { instanceName: "sales" };
const SENDER = "15550001111@s.whatsapp.net";
const T0 = "2026-11-24T15:36:01.123Z";
const PEER = "15552223333@s.whatsapp.net";
const fx = (events: unknown, index = 0): ConnectorEvent => (events as ConnectorEvent[])[index]!;
const out = (event: MappedEvent["event"], data: unknown, dateTime = T0): MappedEvent => ({ event, data, dateTime, sender: SENDER });
const OWN_KEY = { remoteJid: PEER, id: "3EB08A4EAB509556C7D6DD", fromMe: true };

function raw(type: string, payload: unknown): ConnectorEvent {
  return { id: "r1", instance: "sales", type, at: 1795534561123, me: { id: "15550001111:12@s.whatsapp.net", name: "Sales" }, payload };
}
const statusUpdate = (status: unknown) => raw("messages.update", [{ key: OWN_KEY, update: { status } }]);

const rows: { name: string; event: ConnectorEvent; expected: MappedEvent[] }[] = [
  {
    name: "E10a own message status 3 → DELIVERY_ACK",
    event: fx(e10a, 0),
    expected: [out("messages.update", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD", status: "DELIVERY_ACK", datetime: 1795534561123, owner: "sales" })],
  },
  {
    name: "E10a own message status 4 → READ",
    event: fx(e10a, 1),
    expected: [out("messages.update", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD", status: "READ", datetime: 1795534561124, owner: "sales" }, "2026-11-24T15:36:01.124Z")],
  },
  {
    name: "status given as a name",
    event: statusUpdate("PLAYED"),
    expected: [out("messages.update", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD", status: "PLAYED", datetime: 1795534561123, owner: "sales" })],
  },
  {
    name: "status 0 → ERROR",
    event: statusUpdate(0),
    expected: [out("messages.update", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD", status: "ERROR", datetime: 1795534561123, owner: "sales" })],
  },
  { name: "unknown status number is skipped", event: statusUpdate(9), expected: [] },
  {
    name: "group message status keeps the participant",
    event: raw("messages.update", [{ key: { remoteJid: "120363041234567890@g.us", fromMe: false, id: "G1", participant: "211119998887777@lid" }, update: { status: 2 } }]),
    expected: [out("messages.update", { remoteJid: "120363041234567890@g.us", fromMe: false, id: "G1", participant: "211119998887777@lid", status: "SERVER_ACK", datetime: 1795534561123, owner: "sales" })],
  },
  {
    name: "E10b group read receipt → READ at the receipt's time, participant = userJid",
    event: fx(e10b),
    expected: [out("messages.update", { remoteJid: "120363041234567890@g.us", fromMe: true, id: "GRPMSG1", participant: PEER, status: "READ", datetime: 1795534564000, owner: "sales" }, "2026-11-24T15:36:04.000Z")],
  },
  {
    name: "delivery receipt (receiptTimestamp as a string) → DELIVERY_ACK",
    event: raw("message-receipt.update", [{ key: { remoteJid: "120363041234567890@g.us", id: "GRPMSG1", fromMe: true }, receipt: { userJid: PEER, receiptTimestamp: "1795534563" } }]),
    expected: [out("messages.update", { remoteJid: "120363041234567890@g.us", fromMe: true, id: "GRPMSG1", participant: PEER, status: "DELIVERY_ACK", datetime: 1795534563000, owner: "sales" }, "2026-11-24T15:36:03.000Z")],
  },
  {
    name: "E8b revoke (message null, stub 1) → messages.delete with the revoked key",
    event: fx(e08b),
    expected: [out("messages.delete", { remoteJid: PEER, fromMe: false, id: "1A1A9053293F2580" })],
  },
  {
    name: "E16 own delete for everyone → messages.delete",
    event: fx(e16, 3),
    expected: [out("messages.delete", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD" }, "2026-11-24T15:36:01.126Z")],
  },
  {
    name: "E7b edit → messages.update with the edited message",
    event: fx(e07b),
    expected: [out("messages.update", {
      remoteJid: PEER, fromMe: false, id: "F6A76774B4C21104", datetime: 1795534561123, owner: "sales",
      message: { conversation: "Hello from the fake phone (edited)" }, messageType: "conversation", messageTimestamp: 1795534562,
    })],
  },
  { name: "poll update without status is not delivered", event: raw("messages.update", [{ key: OWN_KEY, update: { pollUpdates: [{}] } }]), expected: [] },
  {
    name: "messages.delete {keys} → one delete per key",
    event: raw("messages.delete", { keys: [OWN_KEY, { remoteJid: "120363041234567890@g.us", fromMe: false, id: "G2", participant: PEER }, { id: "no-jid" }] }),
    expected: [
      out("messages.delete", { remoteJid: PEER, fromMe: true, id: "3EB08A4EAB509556C7D6DD" }),
      out("messages.delete", { remoteJid: "120363041234567890@g.us", fromMe: false, id: "G2", participant: PEER }),
    ],
  },
  {
    name: "messages.delete {jid, all} → {remoteJid, all}",
    event: raw("messages.delete", { jid: PEER, all: true }),
    expected: [out("messages.delete", { remoteJid: PEER, all: true })],
  },
];

describe("mapConnectorEvent: message updates, receipts, deletes", () => {
  it.each(rows)("$name", ({ event, expected }) => {
    expect(mapConnectorEvent(event, ctx)).toStrictEqual(expected);
  });
});
