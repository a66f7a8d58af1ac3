// Table-driven: connector lifecycle → application.startup, qrcode.updated, connection.update,
// the instance-row patch, NEW_TOKEN and the `sender` rule.
import { describe, expect, it } from "vitest";
import { instanceStatePatch, mapConnectorEvent, newTokenEvent } from "../../worker/events/map.ts";
import type { InstanceStatePatch, MappedEvent } from "../../worker/events/types.ts";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import e01 from "../fixtures/baileys-e01-upsert-pn.json";
import e19 from "../fixtures/baileys-e19-connection-pairing.json";
import e20 from "../fixtures/baileys-e20-connection-close.json";

const ctx = { instanceName: "sales" };
const SENDER = "15550001111@s.whatsapp.net";
const fx = (events: unknown, index = 0): ConnectorEvent => (events as ConnectorEvent[])[index]!;
const iso = (offset: number) => new Date(1795534561123 + offset).toISOString();
const QR = (fx(e19, 1).payload as { qr: string }).qr;

function raw(type: string, payload: unknown, me: ConnectorEvent["me"] = { id: "15550001111:12@s.whatsapp.net", name: "Sales" }): ConnectorEvent {
  return { id: "c1", instance: "sales", type, at: 1795534561123, me, payload };
}
const state = (data: unknown, offset: number, sender: string | null = SENDER): MappedEvent =>
  sender ? { event: "connection.update", data, dateTime: iso(offset), sender } : { event: "connection.update", data, dateTime: iso(offset) };

const rows: { name: string; event: ConnectorEvent; expected: MappedEvent[] }[] = [
  { name: "E19 connecting (before login: no sender)", event: fx(e19, 0), expected: [state({ instance: "sales", state: "connecting", statusReason: 200 }, 0, null)] },
  { name: "E19 qr without connector PNG", event: fx(e19, 1), expected: [{ event: "qrcode.updated", data: { qrcode: { instance: "sales", pairingCode: null, code: QR } }, dateTime: iso(1) }] },
  { name: "E19 isNewLogin only → nothing", event: fx(e19, 2), expected: [] },
  { name: "E19 close 515 (Boom output)", event: fx(e19, 3), expected: [state({ instance: "sales", state: "close", statusReason: 515 }, 3)] },
  { name: "E19 reconnecting", event: fx(e19, 4), expected: [state({ instance: "sales", state: "connecting", statusReason: 200 }, 4)] },
  { name: "E19 open adds wuid and profileName", event: fx(e19, 5), expected: [state({ instance: "sales", state: "open", statusReason: 200, wuid: SENDER, profileName: "Sales" }, 5)] },
  { name: "E19 receivedPendingNotifications only → nothing", event: fx(e19, 6), expected: [] },
  { name: "E20 close 440 (conflict)", event: fx(e20, 0), expected: [state({ instance: "sales", state: "close", statusReason: 440 }, 0)] },
  { name: "E20 close 401 (logged out)", event: fx(e20, 1), expected: [state({ instance: "sales", state: "close", statusReason: 401 }, 1)] },
  {
    name: "close with the connector's JSON-safe Error {message, statusCode}",
    event: raw("connection.update", { connection: "close", lastDisconnect: { error: { message: "Connection Closed", statusCode: 428 }, date: "2026-11-24T15:36:01.000Z" } }),
    expected: [state({ instance: "sales", state: "close", statusReason: 428 }, 0)],
  },
  { name: "close without a known code omits statusReason", event: raw("connection.update", { connection: "close" }), expected: [state({ instance: "sales", state: "close" }, 0)] },
  {
    name: "qr with PNG and pairing code from the connector",
    event: raw("connection.update", { qr: "2@abc", qrBase64: "data:image/png;base64,iVBORw0K", pairingCode: "ABCD-EFGH" }, null),
    expected: [{ event: "qrcode.updated", data: { qrcode: { instance: "sales", pairingCode: "ABCD-EFGH", code: "2@abc", base64: "data:image/png;base64,iVBORw0K" } }, dateTime: iso(0) }],
  },
  {
    name: "connector.startup → application.startup",
    event: raw("connector.startup", { connector: "c1", version: "0.1.0" }),
    expected: [{ event: "application.startup", data: { instance: "sales", connector: "c1", version: "0.1.0" }, dateTime: iso(0), sender: SENDER }],
  },
  {
    name: "connector.startup with an odd payload",
    event: raw("connector.startup", "x", null),
    expected: [{ event: "application.startup", data: { instance: "sales" }, dateTime: iso(0) }],
  },
];

describe("mapConnectorEvent: lifecycle", () => {
  it.each(rows)("$name", ({ event, expected }) => {
    expect(mapConnectorEvent(event, ctx)).toStrictEqual(expected);
  });
});

describe("instanceStatePatch", () => {
  it.each<{ name: string; event: ConnectorEvent; expected: InstanceStatePatch | undefined }>([
    { name: "connecting", event: fx(e19, 0), expected: { status: "connecting" } },
    { name: "qr only", event: fx(e19, 1), expected: undefined },
    { name: "close 515", event: fx(e19, 3), expected: { status: "close", statusReason: 515 } },
    { name: "open: owner without device suffix", event: fx(e19, 5), expected: { status: "open", statusReason: 200, ownerJid: SENDER, profileName: "Sales" } },
    { name: "close 401", event: fx(e20, 1), expected: { status: "close", statusReason: 401 } },
    { name: "close without code", event: raw("connection.update", { connection: "close" }), expected: { status: "close", statusReason: null } },
    { name: "open without me", event: raw("connection.update", { connection: "open" }, null), expected: { status: "open", statusReason: 200 } },
    { name: "other event types", event: fx(e01), expected: undefined },
    { name: "odd payload", event: raw("connection.update", null), expected: undefined },
  ])("$name", ({ event, expected }) => {
    expect(instanceStatePatch(event)).toStrictEqual(expected);
  });
});

describe("sender", () => {
  it.each([
    ["15551234567:12@s.whatsapp.net", "15551234567@s.whatsapp.net"],
    ["15551234567@s.whatsapp.net", "15551234567@s.whatsapp.net"],
    ["211119998887777:3@lid", "211119998887777@lid"],
  ])("%s → %s", (id, sender) => {
    const [mapped] = mapConnectorEvent({ ...fx(e01), me: { id } }, ctx);
    expect(mapped?.sender).toBe(sender);
  });
});

describe("newTokenEvent", () => {
  it("builds new.jwt with a UTC dateTime", () => {
    expect(newTokenEvent("sales", "tok-123", 1795534561123)).toStrictEqual({
      event: "new.jwt",
      data: { jwt: "tok-123", instanceName: "sales" },
      dateTime: "2026-11-24T15:36:01.123Z",
    });
  });
});
