// The connector side of create (qrcode: true → first QR) and delete (credentials wiped on the
// connector before the D1 row goes; 503 unless ?force=true when the connector is unreachable).
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_CONNECTOR_SETTINGS } from "../../protocol/commands.ts";
import { call, createTestInstance, errorBody, uniqueName } from "./helpers/api.ts";
import { status, stubConnector, placeOnStub } from "./helpers/connector-stub.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const QR = { code: "2@abc,def", base64: "data:image/png;base64,iVBORw0KGgo=", count: 1 };

/** An instance a connector has reported (a session may hold credentials there), as after its first event. */
async function connectedInstance() {
  const created = await createTestInstance();
  await env.DB.prepare("UPDATE instances SET status = 'close', connector_id = 'c1' WHERE name = ?").bind(created.instanceName).run();
  return created;
}

async function storedRow(name: string) {
  return env.DB.prepare("SELECT id FROM instances WHERE name = ?").bind(name).first();
}

describe("POST /instance/create with qrcode", () => {
  it("connects and adds the first QR (and pairing code) to the 201 answer", async () => {
    const instanceName = uniqueName("qr");
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting", { qr: QR, pairingCode: "WXYZ5678" }) }));
    await placeOnStub(instanceName);
    const res = await call("POST", "/instance/create", { body: { instanceName, qrcode: true, number: "+15551234567" } });
    expect(res.status).toBe(201);
    expect(res.json.qrcode).toEqual({ pairingCode: "WXYZ5678", code: QR.code, base64: QR.base64, count: 1 });
    expect(res.json.instance).toMatchObject({ instanceName, status: "created" });
    expect(stub.calls).toEqual([{ method: "POST", path: `/v1/instances/${instanceName}/connect`, body: { number: "15551234567", settings: DEFAULT_CONNECTOR_SETTINGS }, epoch: 1, signatureValid: true }]);
  });

  it("still creates the instance, without qrcode, when the connector is unreachable", async () => {
    const instanceName = uniqueName("qr");
    await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("POST", "/instance/create", { body: { instanceName, qrcode: true } });
    expect(res.status).toBe(201);
    expect(res.json).not.toHaveProperty("qrcode");
    expect(await storedRow(instanceName)).not.toBeNull();
  });

  it("does not call the connector without qrcode: true", async () => {
    const stub = await stubConnector(() => "down");
    const res = await call("POST", "/instance/create", { body: { instanceName: uniqueName("qr"), qrcode: false } });
    expect(res.status).toBe(201);
    expect(res.json).not.toHaveProperty("qrcode");
    expect(stub.calls).toHaveLength(0);
  });
});

describe("DELETE /instance/delete/{instance}", () => {
  it.each([
    ["removes the session", { body: { ok: true } }],
    ["has no session (404)", { status: 404, body: { error: "not_found", message: "unknown instance" } }],
  ] as const)("deletes after the connector %s", async (_label, reply) => {
    const { instanceName } = await connectedInstance();
    const stub = await stubConnector(() => reply);
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance deleted" } });
    expect(stub.calls).toEqual([{ method: "DELETE", path: `/v1/instances/${instanceName}`, body: undefined, epoch: 1, signatureValid: true }]);
    expect(await storedRow(instanceName)).toBeNull();
  });

  it("keeps the instance and answers 503 when the connector is unreachable", async () => {
    const { instanceName } = await connectedInstance();
    await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}`);
    expect(res.status).toBe(503);
    expect(res.json).toEqual(errorBody(503, "Service Unavailable", expect.stringMatching(/^Connector unreachable: connection closed/)));
    expect(await storedRow(instanceName)).not.toBeNull();
  });

  it("deletes anyway with ?force=true when the connector is unreachable", async () => {
    const { instanceName } = await connectedInstance();
    await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}?force=true`);
    expect(res.status).toBe(200);
    expect(await storedRow(instanceName)).toBeNull();
  });

  it("does not force past a connector error that is not unreachability", async () => {
    const { instanceName } = await connectedInstance();
    await stubConnector(() => ({ status: 500, body: { error: "internal", message: "wipe failed" } }));
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}?force=true`);
    expect(res.status).toBe(502);
    expect(await storedRow(instanceName)).not.toBeNull();
  });

  it("rejects a force value other than true/false", async () => {
    const { instanceName } = await connectedInstance();
    await stubConnector(() => ({ body: { ok: true } }));
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}?force=yes`);
    expect(res.status).toBe(400);
    expect(res.json.response.message).toEqual([expect.stringContaining('"force"')]);
  });

  it("deletes an instance no connector ever reported even when the connector is down (the wipe is still tried)", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("DELETE", `/instance/delete/${instanceName}`);
    expect(res.status).toBe(200);
    expect(stub.calls.map((c) => c.path)).toEqual([`/v1/instances/${instanceName}`]);
    expect(await storedRow(instanceName)).toBeNull();
  });

  it("deletes an instance no connector ever reported whatever the connector answers", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ status: 500, body: { error: "internal", message: "wipe failed" } }));
    await placeOnStub(instanceName);
    expect((await call("DELETE", `/instance/delete/${instanceName}`)).status).toBe(200);
    expect(await storedRow(instanceName)).toBeNull();
  });
});
