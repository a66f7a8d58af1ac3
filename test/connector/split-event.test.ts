// Splitting large events into pieces the worker stores whole: nothing lost, each history piece
// keeps its chunk's metadata, and every piece's mapped webhook data fits the worker's row cap.
import { describe, expect, it } from "vitest";
import { toJsonSafe, type JsonValue } from "../../connector/json-safe.ts";
import { splitPayload } from "../../connector/split-event.ts";
import { storableData } from "../../worker/delivery/plan.ts";
import { mapConnectorEvent } from "../../worker/events/map.ts";
import { MAX_EVENT_PAYLOAD_BYTES } from "../../protocol/envelope.ts";
import { inboundText } from "./helpers.ts";

const text = (i: number, size: number) => `${i}:`.padEnd(size, "x");
const message = (i: number, size = 5_000) => toJsonSafe(inboundText(`H${i}`, text(i, size)));
const chat = (i: number) => ({ id: `1555${String(i).padStart(7, "0")}@s.whatsapp.net`, name: text(i, 300), conversationTimestamp: 1795534561 });
const contact = (i: number) => ({ id: `1555${String(i).padStart(7, "0")}@s.whatsapp.net`, notify: text(i, 300) });
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value));

function history(messages: number, chats: number, contacts: number, syncType = 0): { [key: string]: JsonValue } {
  return {
    messages: Array.from({ length: messages }, (_, i) => message(i)),
    chats: Array.from({ length: chats }, (_, i) => chat(i)),
    contacts: Array.from({ length: contacts }, (_, i) => contact(i)),
    syncType,
    progress: 100,
    isLatest: true,
  };
}

describe("splitPayload", () => {
  it("keeps a payload that fits as it is", () => {
    const payload = history(3, 2, 2);
    expect(splitPayload("messaging-history.set", payload, MAX_EVENT_PAYLOAD_BYTES)).toEqual([payload]);
  });

  it("cuts a 20 MB history into pieces under the cap, losing nothing and keeping the metadata", () => {
    const payload = history(3_600, 2_000, 2_000);
    expect(bytes(payload)).toBeGreaterThan(20_000_000);
    const pieces = splitPayload("messaging-history.set", payload, MAX_EVENT_PAYLOAD_BYTES) as { [key: string]: any }[];
    expect(pieces.length).toBeGreaterThan(16);
    for (const piece of pieces) {
      expect(bytes(piece)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
      expect(piece).toMatchObject({ syncType: 0, progress: 100, isLatest: true });
    }
    for (const list of ["messages", "chats", "contacts"]) expect(pieces.flatMap((p) => p[list])).toEqual(payload[list]);
  });

  it("splits an upsert into fewer messages per event, one per message when they are large", () => {
    const payload = { type: "notify", messages: [message(1, 700_000), message(2, 700_000), message(3, 10)] };
    const pieces = splitPayload("messages.upsert", payload, MAX_EVENT_PAYLOAD_BYTES) as { type: string; messages: JsonValue[] }[];
    expect(pieces.map((p) => p.messages.length)).toEqual([1, 2]);
    expect(pieces.every((p) => p.type === "notify")).toBe(true);
    expect(pieces.flatMap((p) => p.messages)).toEqual(payload.messages);
  });

  it("splits array payloads (contacts.upsert, chats.update …) into shorter arrays", () => {
    const payload = Array.from({ length: 8_000 }, (_, i) => contact(i));
    const pieces = splitPayload("contacts.upsert", payload, MAX_EVENT_PAYLOAD_BYTES) as JsonValue[][];
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces.flat()).toEqual(payload);
    for (const piece of pieces) expect(bytes(piece)).toBeLessThanOrEqual(MAX_EVENT_PAYLOAD_BYTES);
  });

  it("gives pieces whose mapped webhook data the worker stores (messages.set, chats.set, contacts.set)", () => {
    const pieces = splitPayload("messaging-history.set", history(3_600, 2_000, 2_000), MAX_EVENT_PAYLOAD_BYTES);
    const mapped = pieces.flatMap((payload, i) =>
      mapConnectorEvent({ id: `e${i}`, instance: "a-long-instance-name-to-make-owner-fields-heavy-0123456789abcdef", type: "messaging-history.set", at: 1, me: null, payload }, { instanceName: "a-long-instance-name-to-make-owner-fields-heavy-0123456789abcdef" }),
    );
    expect(new Set(mapped.map((m) => m.event))).toEqual(new Set(["messages.set", "chats.set", "contacts.set"]));
    for (const item of mapped) expect(storableData(item.data)).toBeDefined();
  });
});
