// Instance lifecycle routes against a stand-in connector: connect, connectionState (with the D1
// fallback), restart, logout, refreshToken — exact Evolution v1 shapes and error bodies.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { DEFAULT_CONNECTOR_SETTINGS } from "../../protocol/commands.ts";
import { call, createTestInstance, errorBody } from "./helpers/api.ts";
import { setStoredStatus, status, stubConnector, placeOnStub } from "./helpers/connector-stub.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const QR = { code: "2@abc,def,ghi", base64: "data:image/png;base64,iVBORw0KGgo=", count: 1 };

describe("GET /instance/connect/{instance}", () => {
  it("returns the QR code while connecting, with a signed POST to the connector", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting", { qr: QR }) }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ pairingCode: null, code: QR.code, base64: QR.base64, count: 1 });
    expect(stub.calls).toEqual([{ method: "POST", path: `/v1/instances/${instanceName}/connect`, body: { number: null, settings: DEFAULT_CONNECTOR_SETTINGS }, epoch: 1, signatureValid: true }]);
  });

  it("passes a cleaned-up number and returns the pairing code", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting", { qr: QR, pairingCode: "ABCD1234" }) }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connect/${instanceName}?number=${encodeURIComponent("+1 555 123 4567")}`);
    expect(res.json).toEqual({ pairingCode: "ABCD1234", code: QR.code, base64: QR.base64, count: 1 });
    expect(stub.calls[0]?.body).toEqual({ number: "15551234567", settings: DEFAULT_CONNECTOR_SETTINGS });
  });

  it("omits code and base64 while no QR exists yet", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "connecting") }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.json).toEqual({ pairingCode: null, count: 0 });
  });

  it("answers the open state when already connected", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open", { me: { id: "15551234567@s.whatsapp.net", name: "Sales" } }) }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ instance: { instanceName, state: "open" } });
  });

  it.each(["12345", "abc1234567", "123456789012345678901", "+1-555-123-4567"])("rejects number=%s with 400 naming the field", async (number) => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting") }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connect/${instanceName}?number=${encodeURIComponent(number)}`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [expect.stringContaining('"number"')]));
    expect(stub.calls).toHaveLength(0);
  });
});

describe("GET /instance/connectionState/{instance}", () => {
  it.each(["open", "connecting", "close"] as const)("reports the connector's %s state", async (state) => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, state) }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ instance: { instanceName, state } });
    expect(res.headers.get("x-l2msg-state-source")).toBe("connector");
    expect(stub.calls[0]).toMatchObject({ method: "GET", path: `/v1/instances/${instanceName}`, epoch: 1, signatureValid: true });
  });

  it("treats an instance the connector has no session for as close", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ status: 404, body: { error: "not_found", message: "no session" } }));
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.json).toEqual({ instance: { instanceName, state: "close" } });
  });

  it.each([
    ["created", "close"],
    ["open", "open"],
    ["connecting", "connecting"],
    ["close", "close"],
  ])("falls back to D1 when the connector is down: stored %s → %s", async (stored, expected) => {
    const { instanceName } = await createTestInstance();
    await setStoredStatus(instanceName, stored);
    await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ instance: { instanceName, state: expected } });
    expect(res.headers.get("x-l2msg-state-source")).toBe("stored");
  });

  it("authenticates with the instance token and 404s unknown instances only after auth", async () => {
    const { instanceName, token } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open") }));
    await placeOnStub(instanceName);
    expect((await call("GET", `/instance/connectionState/${instanceName}`, { key: token })).status).toBe(200);
    expect((await call("GET", `/instance/connectionState/${instanceName}`, { key: "wrong" })).status).toBe(401);
    expect((await call("GET", "/instance/connectionState/missing-xyz", { key: "wrong" })).status).toBe(401);
    const missing = await call("GET", "/instance/connectionState/missing-xyz");
    expect(missing.status).toBe(404);
    expect(missing.json).toEqual(errorBody(404, "Not Found", ['The "missing-xyz" instance does not exist']));
  });
});

describe("PUT|POST /instance/restart/{instance}", () => {
  it.each(["PUT", "POST"])("%s restarts through the connector and answers the state", async (method) => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting") }));
    await placeOnStub(instanceName);
    const res = await call(method, `/instance/restart/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ instance: { instanceName, state: "connecting" } });
    expect(stub.calls[0]).toMatchObject({ method: "POST", path: `/v1/instances/${instanceName}/restart`, epoch: 1, signatureValid: true });
  });
});

describe("DELETE /instance/logout/{instance}", () => {
  it("logs out through the connector", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "close") }));
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/logout/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance logged out" } });
    expect(stub.calls[0]).toMatchObject({ method: "POST", path: `/v1/instances/${instanceName}/logout`, epoch: 1, signatureValid: true });
  });

  it.each([409, 404])("answers 400 not connected when the connector says %i", async (connectorStatus) => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ status: connectorStatus, body: { error: "not_connected", message: "not connected" } }));
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/logout/${instanceName}`);
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [`The "${instanceName}" instance is not connected`]));
  });
});

describe("PUT /instance/refreshToken/{instance}", () => {
  it("rotates the token: the new one works, the old one is refused at once", async () => {
    const { instanceName, instanceId, token: oldToken } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open") }));
    await placeOnStub(instanceName);
    const res = await call("PUT", `/instance/refreshToken/${instanceName}`, { key: oldToken });
    expect(res.status).toBe(200);
    const newToken = res.json.hash.apikey as string;
    expect(res.json).toEqual({ instance: { instanceName, instanceId }, hash: { apikey: newToken } });
    expect(newToken).toMatch(/^[0-9A-F]{32}$/);
    expect(newToken).not.toBe(oldToken);
    expect((await call("GET", `/instance/connectionState/${instanceName}`, { key: newToken })).status).toBe(200);
    expect((await call("GET", `/instance/connectionState/${instanceName}`, { key: oldToken })).status).toBe(401);
  });

  it("stores a new.jwt webhook event carrying the new token and a delivery for the instance webhook", async () => {
    const { instanceName, instanceId } = await createTestInstance({ webhook: "https://hooks.example.com/wa", events: ["NEW_TOKEN"] });
    await stubConnector(() => ({ body: status(instanceName, "open") }));
    await placeOnStub(instanceName);
    const res = await call("PUT", `/instance/refreshToken/${instanceName}`);
    const newToken = res.json.hash.apikey as string;
    const event = await env.DB.prepare("SELECT id, event, data FROM webhook_events WHERE instance_id = ?").bind(instanceId).first<{ id: string; event: string; data: string }>();
    expect(event?.event).toBe("new.jwt");
    expect(JSON.parse(event?.data ?? "null")).toEqual({ jwt: newToken, instanceName });
    const delivery = await env.DB.prepare("SELECT target, event FROM deliveries WHERE event_id = ?").bind(event?.id).first();
    expect(delivery).toEqual({ target: "instance", event: "new.jwt" });
  });
});
