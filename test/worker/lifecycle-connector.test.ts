// The worker ↔ connector command channel seen through the API: signatures checked both ways,
// bad bodies, connector errors, timeouts and an unreachable connector — never a hang.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { GLOBAL_KEY, call, createTestInstance, errorBody } from "./helpers/api.ts";
import { disconnectStub, status, stubConnector, type StubReply } from "./helpers/connector-stub.ts";
import { connectFleetClient } from "./helpers/fleet-client.ts";
import { fleetRegistry } from "../../worker/fleet/registry.ts";
import { DEFAULT_CONNECTOR_SETTINGS } from "../../protocol/commands.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

/** Calls the app directly with overridden vars (a fresh env object gets its own parsed Config). */
async function callWithVars(vars: Record<string, string>, method: string, path: string) {
  const app = createApp();
  const res = await app.request(`http://l2msg.test${path}`, { method, headers: { apikey: GLOBAL_KEY } }, { ...env, ...vars });
  return { status: res.status, json: (await res.json()) as any };
}

describe("signatures, both ways", () => {
  it("a connector that signs with another secret cannot even connect: no live connector, 503", async () => {
    const { instanceName } = await createTestInstance();
    await disconnectStub();
    await expect(connectFleetClient(`wrong-${instanceName}`, undefined, 100_000, "a-different-secret-0123456789")).rejects.toThrow("upgrade failed: 401");
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(503);
    expect(res.json).toEqual(errorBody(503, "Service Unavailable", "Connector unreachable: no live connector has room for the instance"));
  });

  it("surfaces a connector that rejects the worker's command signature (401) as a 502 naming CONNECTOR_SECRET", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ status: 401, body: { error: "unauthorized", message: "signature mismatch" } }));
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(502);
    expect(res.json).toEqual(errorBody(502, "Bad Gateway", expect.stringContaining("rejected the worker's signature")));
    expect(res.json.response.message).toContain("CONNECTOR_SECRET");
  });

  it.each([
    ["unsigned", "none", "missing"],
    ["signed with another key", "wrong-secret", "invalid"],
    ["altered after signing", "tampered", "invalid"],
  ] as const)("refuses an answer that is %s with 502", async (_label, signing, word) => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open"), signing }));
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(502);
    expect(res.json.response.message).toContain(`signature is ${word}`);
  });

  it("does not fall back to D1 when the connector's answer is not authentic", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open"), signing: "wrong-secret" }));
    await call("GET", `/instance/connect/${instanceName}`);
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.status).toBe(502);
  });

  it("sends each command signed, bound to its instance and the owner's epoch", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "open") }));
    await call("GET", `/instance/connect/${instanceName}`);
    await call("GET", `/instance/connectionState/${instanceName}`);
    const owner = await fleetRegistry(env).owner(instanceName, Date.now());
    expect(owner).toMatchObject({ connectorId: stub.connectorId, epoch: 1 });
    expect(stub.calls).toEqual([
      { method: "POST", path: `/v1/instances/${instanceName}/connect`, body: { number: null, settings: DEFAULT_CONNECTOR_SETTINGS }, epoch: 1, signatureValid: true },
      { method: "GET", path: `/v1/instances/${instanceName}`, body: undefined, epoch: 1, signatureValid: true },
    ]);
  });

  it("an instance no connector owns reads as close without asking anyone", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(() => ({ body: status(instanceName, "open") }));
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.json).toEqual({ instance: { instanceName, state: "close" } });
    expect(stub.calls).toEqual([]);
  });
});

describe("connector answers", () => {
  const cases: Array<[string, StubReply, number, string]> = [
    ["a body that does not match the contract", { body: { instance: "x", state: "sleeping" } }, 502, 'unexpected connect response: "state"'],
    ["a non-JSON body", { body: "not json" }, 502, "unexpected connect response"],
    ["a 500 error", { status: 500, body: { error: "internal", message: "socket exploded" } }, 502, "socket exploded"],
    ["a 503 error", { status: 503, body: { error: "busy", message: "shutting down" } }, 503, "Connector unavailable: shutting down"],
  ];
  it.each(cases)("maps %s to the right status", async (_label, reply, expectedStatus, fragment) => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => reply);
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(expectedStatus);
    expect([res.json.response.message].flat().join(" ")).toContain(fragment);
  });
});

describe("unreachable connector", () => {
  it("answers 503 at once when the connection drops while the command is out", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => "down");
    const started = Date.now();
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.json).toEqual(errorBody(503, "Service Unavailable", expect.stringMatching(/^Connector unreachable: connection closed 1011/)));
  });

  it("answers 503 within CONNECTOR_COMMAND_TIMEOUT_MS when the connector does not answer", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => "hang");
    const started = Date.now();
    const res = await callWithVars({ CONNECTOR_COMMAND_TIMEOUT_MS: "300" }, "POST", `/instance/restart/${instanceName}`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.json.response.message).toBe("Connector unreachable: no answer within 300 ms");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it("answers 503 when the owning connector's socket is gone (its lease still holds: no hand-over yet)", async () => {
    const { instanceName } = await createTestInstance();
    await stubConnector(() => ({ body: status(instanceName, "open") }));
    expect((await call("GET", `/instance/connect/${instanceName}`)).status).toBe(200);
    await disconnectStub();
    const res = await call("POST", `/instance/restart/${instanceName}`);
    expect(res.status).toBe(503);
    expect(res.json.response.message).toMatch(/^Connector unreachable: /);
  });
});
