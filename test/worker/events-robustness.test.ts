// Odd payloads map to nothing by the mappers' own checks (map.ts has no safety net: an exception
// there is a mapper bug); a mapper bug costs only its own event, which ingest accepts (so the
// connector does not resend it forever), delivers nothing for and logs once with its id and type.
import { afterEach, describe, expect, it, vi } from "vitest";
import { instanceStatePatch, mapConnectorEvent } from "../../worker/events/map.ts";
import { ingestEnvelope } from "../../worker/delivery/ingest.ts";
import { loadConfig } from "../../worker/env.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e01 from "../fixtures/baileys-e01-upsert-pn.json";
import { deliveriesOf, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

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

/** A payload that throws on any property access: stands in for a mapper bug. */
const exploding = () => new Proxy({}, { get: () => { throw new Error("mapper bug"); }, has: () => { throw new Error("mapper bug"); } });

afterEach(() => vi.restoreAllMocks());

describe("malformed payloads", () => {
  it.each(CASES)("$type with odd payload #$index → no events, no state", ({ type, payload }) => {
    expect(mapConnectorEvent(event(type, payload), ctx)).toStrictEqual([]);
    expect(instanceStatePatch(event(type, payload))).toBeUndefined();
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

describe("a mapper bug", () => {
  it("is not swallowed by the mapping: the exception reaches the caller", () => {
    expect(() => mapConnectorEvent(event("messages.upsert", exploding()), ctx)).toThrow("mapper bug");
  });

  it("costs only its own event at ingest: accepted, nothing delivered for it, logged once with its id and type", async () => {
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    const instance = await seedInstance();
    const e = testEnv();
    const good = upsertEvent(instance.name, "still delivered");
    const buggy: ConnectorEvent = { ...upsertEvent(instance.name), payload: exploding() };
    const envelope = { connector: "c1", events: [buggy, good] };

    expect(await ingestEnvelope(e, loadConfig(e), envelope, Date.now())).toEqual({ accepted: 2, duplicates: 0 });
    // One webhook (the instance's), one message: the good event's delivery and nothing else.
    const rows = await deliveriesOf(instance.name);
    expect(rows.map((r) => r.event)).toEqual(["messages.upsert"]);
    expect(e.DELIVERY_QUEUE.sent).toEqual(rows.map((r) => r.id));
    const lines = errors.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(lines.filter((l) => l.msg === "event_mapping_failed")).toEqual([
      expect.objectContaining({ level: "error", eventId: buggy.id, type: "messages.upsert", error: "mapper bug" }),
    ]);
    // Accepted means stored: the connector's resend is a duplicate, not another failure.
    expect(await ingestEnvelope(e, loadConfig(e), envelope, Date.now())).toEqual({ accepted: 0, duplicates: 2 });
  });
});
