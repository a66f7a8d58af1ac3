// The wire form of Baileys payloads (docs/protocol.md#wire-form-of-payloads): bytes, Long, Date, errors, protobuf instances, cycles.
import { generateWAMessage, proto } from "@whiskeysockets/baileys";
import { describe, expect, it } from "vitest";
import { toJsonSafe } from "../../connector/json-safe.ts";
import { boom } from "./helpers.ts";

/** protobufjs' Long class, taken from a decoded int64 field (the package is not a direct dependency). */
const sample = proto.WebMessageInfo.fromObject({ messageTimestamp: 1795534562556 }).messageTimestamp as any;
const Long = sample.constructor as { fromNumber(n: number): unknown; fromBits(low: number, high: number, unsigned: boolean): unknown };

describe("toJsonSafe", () => {
  it.each([
    ["Buffer", Buffer.from([1, 2, 3]), "AQID"],
    ["Uint8Array", new Uint8Array([4, 5]), "BAU="],
    ["subarray keeps its window", Buffer.from([9, 1, 2, 3, 9]).subarray(1, 4), "AQID"],
    ["Long", Long.fromNumber(1795534562556), 1795534562556],
    ["unsigned Long", Long.fromBits(0xffffffff, 1, true), 8589934591],
    ["serialised Long", { low: 238232828, high: 418, unsigned: false }, 1795534562556],
    ["Date", new Date("2026-11-24T15:36:01.648Z"), "2026-11-24T15:36:01.648Z"],
    ["invalid Date", new Date(Number.NaN), null],
    ["Error", new Error("boom"), { message: "boom" }],
    ["Boom", boom("Stream Errored (restart required)", 515), { message: "Stream Errored (restart required)", statusCode: 515 }],
    ["bigint", 12n, 12],
    ["NaN", Number.NaN, null],
    ["undefined", undefined, null],
  ])("%s", (_name, input, expected) => {
    expect(toJsonSafe(input)).toEqual(expected);
  });

  it("drops functions and undefined, keeps nulls, cuts cycles", () => {
    const node: Record<string, unknown> = { a: 1, skip: undefined, fn: () => 1, nothing: null, list: [undefined, 2] };
    node.self = node;
    expect(toJsonSafe(node)).toEqual({ a: 1, nothing: null, list: [null, 2] });
    expect(() => JSON.stringify(toJsonSafe(node))).not.toThrow();
  });

  it("keeps shared (non-cyclic) references", () => {
    const key = { id: "X" };
    expect(toJsonSafe({ a: key, b: key })).toEqual({ a: { id: "X" }, b: { id: "X" } });
  });

  it("turns an own-send WAMessage into plain numbers and strings", async () => {
    const sent = await generateWAMessage("15552223333@s.whatsapp.net", { text: "hi" }, { userJid: "15550001111@s.whatsapp.net", upload: (() => undefined) as never });
    const wire = toJsonSafe(sent) as Record<string, any>;
    expect(typeof wire.messageTimestamp).toBe("number");
    expect(wire.status).toBe(proto.WebMessageInfo.Status.PENDING);
    expect(wire.message.extendedTextMessage.text).toBe("hi");
    expect(typeof wire.message.messageContextInfo.messageSecret).toBe("string");
    expect(JSON.parse(JSON.stringify(wire))).toEqual(wire);
  });

  it("converts an error nested in connection.update", () => {
    const update = { connection: "close", lastDisconnect: { error: boom("Connection Failure", 401), date: new Date(0) } };
    expect(toJsonSafe(update)).toEqual({
      connection: "close",
      lastDisconnect: { error: { message: "Connection Failure", statusCode: 401 }, date: "1970-01-01T00:00:00.000Z" },
    });
  });
});
