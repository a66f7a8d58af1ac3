// Odd payloads never throw and never cost the rest of a payload; unknown types map to nothing.
import { describe, expect, it } from "vitest";
import { instanceStatePatch, mapConnectorEvent } from "../../worker/events/map.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e01 from "../fixtures/baileys-e01-upsert-pn.json";

const ctx = { instanceName: "sales" };
const fx = (events: unknown, index = 0): ConnectorEvent => (events as ConnectorEvent[])[index]!;
const event = (type: string, payload: unknown): ConnectorEvent => ({ id: "x1", instance: "sales", type, at: 1795534561123, payload });

const MAPPED_TYPES = [
  "connection.update", "messages.upsert", "message.sent", "messages.update", "message-receipt.update", "messages.delete",
  "messaging-history.set", "contacts.upsert", "contacts.update", "presence.update", "chats.upsert", "chats.update",
  "chats.delete", "groups.upsert", "groups.update", "group-participants.update", "call", "labels.edit", "labels.association",
];
const ODD_PAYLOADS: unknown[] = [
  null, undefined, "x", 42, true, [], {}, [null], [42, "y"], [{}], [{ key: null, update: null }],
  { messages: "x" }, { messages: [{ key: { id: 1 }, message: { conversation: "no jid" } }] }, { message: { key: {} } },
  { keys: [{}] }, { participants: [{}], id: "g@g.us" }, { association: null }, [{ key: { remoteJid: "a@s", id: "i" }, receipt: {} }],
  [{ key: { remoteJid: "a@s", id: "i" }, update: { status: "BOGUS" } }], { connection: "sideways", qr: 5 },
];

const CASES = MAPPED_TYPES.flatMap((type) => ODD_PAYLOADS.map((payload, index) => ({ type, index, payload })));

describe("malformed payloads", () => {
  it.each(CASES)("$type with odd payload #$index → []", ({ type, payload }) => {
    expect(mapConnectorEvent(event(type, payload), ctx)).toStrictEqual([]);
    expect(() => instanceStatePatch(event(type, payload))).not.toThrow();
  });

  it("an item whose getter throws is skipped, the others still map", () => {
    const good = (fx(e01).payload as { messages: unknown[] }).messages[0];
    const hostile = Object.defineProperty({}, "key", { enumerable: true, get: () => { throw new Error("boom"); } });
    const mapped = mapConnectorEvent({ ...fx(e01), payload: { messages: [hostile, good], type: "notify" } }, ctx);
    expect(mapped.map((m) => m.event)).toStrictEqual(["messages.upsert"]);
  });

  it.each(["creds.update", "messages.reaction", "lid-mapping.update", "blocklist.update", "toString", "__proto__", ""])(
    "unknown raw type %j → []",
    (type) => {
      expect(mapConnectorEvent(event(type, fx(e01).payload), ctx)).toStrictEqual([]);
    },
  );

  it("an `at` outside Date's range → [] instead of a RangeError", () => {
    expect(mapConnectorEvent({ ...fx(e01), at: 9e15 }, ctx)).toStrictEqual([]);
  });
});
