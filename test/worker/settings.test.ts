// Evolution's instance settings routes against a stand-in connector: defaults before any set,
// a set pushed to the connector (whole object, defaults filled, v1 snake_case accepted) and
// stored, validation, auth, nothing stored when the owner cannot apply them, stored alone when
// no connector owns the instance, and the stored settings carried by a connect.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_INSTANCE_SETTINGS } from "../../protocol/commands.ts";
import { call, createTestInstance, errorBody } from "./helpers/api.ts";
import { placeOnStub, status, stubConnector, type ConnectorCall } from "./helpers/connector-stub.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const echo = (c: ConnectorCall) => ({ body: { instance: "x", settings: c.body } });

describe("instance settings routes", () => {
  it("finds Evolution's defaults before any set", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("GET", `/settings/find/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(DEFAULT_INSTANCE_SETTINGS);
  });

  it("pushes the whole settings object to the owning connector, stores it and finds it", async () => {
    const { instanceName, token } = await createTestInstance();
    const stub = await stubConnector(echo);
    await placeOnStub(instanceName);
    const res = await call("POST", `/settings/set/${instanceName}`, { key: token, body: { rejectCall: true, msgCall: "no calls", readStatus: true } });
    expect(res.status).toBe(201);
    const expected = { ...DEFAULT_INSTANCE_SETTINGS, rejectCall: true, msgCall: "no calls", readStatus: true };
    expect(res.json).toEqual({ settings: { instanceName, settings: expected } });
    // The connector also gets `mediaBase64`, computed from the webhooks (none here), never from the body.
    expect(stub.calls).toEqual([{ method: "POST", path: `/v1/instances/${instanceName}/settings`, body: { ...expected, mediaBase64: false }, epoch: 1, signatureValid: true }]);
    const found = await call("GET", `/settings/find/${instanceName}`, { key: token });
    expect(found.json).toEqual(expected);
  });

  it("accepts Evolution v1's snake_case names, and each set replaces every field", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(echo);
    await placeOnStub(instanceName);
    await call("POST", `/settings/set/${instanceName}`, { body: { groupsIgnore: true, alwaysOnline: true } });
    await call("POST", `/settings/set/${instanceName}`, { body: { reject_call: true, msg_call: "busy", groups_ignore: false } });
    const found = await call("GET", `/settings/find/${instanceName}`);
    expect(found.json).toEqual({ ...DEFAULT_INSTANCE_SETTINGS, rejectCall: true, msgCall: "busy" });
  });

  it("answers 400 naming the field for a bad value, without calling the connector", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(echo);
    await placeOnStub(instanceName);
    const res = await call("POST", `/settings/set/${instanceName}`, { body: { rejectCall: "yes" } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.json)).toContain("rejectCall");
    expect(stub.calls).toHaveLength(0);
  });

  it("answers 401 without a valid key and 404 for an unknown instance", async () => {
    const { instanceName } = await createTestInstance();
    expect((await call("GET", `/settings/find/${instanceName}`, { key: "wrong-key-123" })).status).toBe(401);
    expect((await call("GET", "/settings/find/does-not-exist")).status).toBe(404);
  });

  it("stores nothing when the owning connector is unreachable (503)", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("POST", `/settings/set/${instanceName}`, { body: { rejectCall: true } });
    expect(res.status).toBe(503);
    expect(res.json).toEqual(errorBody(503, "Service Unavailable", expect.stringMatching(/^Connector unreachable: connection closed/)));
    expect((await call("GET", `/settings/find/${instanceName}`)).json).toEqual(DEFAULT_INSTANCE_SETTINGS);
  });

  it("stores the settings alone when no connector owns the instance, and a connect carries them", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "connecting") }));
    const res = await call("POST", `/settings/set/${instanceName}`, { body: { rejectCall: true } });
    expect(res.status).toBe(201);
    expect(stub.calls).toHaveLength(0);
    expect((await call("GET", `/instance/connect/${instanceName}`)).status).toBe(200);
    expect(stub.calls.map((c) => [c.path, c.body])).toEqual([
      [`/v1/instances/${instanceName}/connect`, { number: null, settings: { ...DEFAULT_INSTANCE_SETTINGS, rejectCall: true, mediaBase64: false } }],
    ]);
  });
});
