// The worker ↔ connector command channel seen through the API: signatures checked both ways,
// bad bodies, connector errors, timeouts and an unreachable connector — never a hang.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createApp } from "../../worker/app.ts";
import { GLOBAL_KEY, call, createTestInstance, errorBody } from "./helpers/api.ts";
import { status, stubConnector, type StubReply } from "./helpers/connector-stub.ts";

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
  it("surfaces a connector that rejects the worker's signature as a 502 naming CONNECTOR_SECRET", async () => {
    const { instanceName } = await createTestInstance();
    const stub = stubConnector(() => ({ body: status(instanceName, "open") }), "a-different-secret-0123456789");
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(stub.calls[0]?.signatureValid).toBe(false);
    expect(res.status).toBe(502);
    expect(res.json).toEqual(errorBody(502, "Bad Gateway", expect.stringContaining("rejected the worker's signature")));
    expect(res.json.response.message).toContain("CONNECTOR_SECRET");
  });

  it.each([
    ["unsigned", "none", "missing"],
    ["signed with another secret", "wrong-secret", "invalid"],
    ["altered after signing", "tampered", "invalid"],
  ] as const)("refuses a response that is %s with 502", async (_label, signing, word) => {
    const { instanceName } = await createTestInstance();
    stubConnector(() => ({ body: status(instanceName, "open"), signing }));
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(502);
    expect(res.json.response.message).toContain(`signature is ${word}`);
  });

  it("does not fall back to D1 when the connector's answer is not authentic", async () => {
    const { instanceName } = await createTestInstance();
    stubConnector(() => ({ body: status(instanceName, "open"), signing: "wrong-secret" }));
    const res = await call("GET", `/instance/connectionState/${instanceName}`);
    expect(res.status).toBe(502);
  });

  it("signs GET and DELETE-style commands over the empty body", async () => {
    const { instanceName } = await createTestInstance();
    const stub = stubConnector(() => ({ body: status(instanceName, "open") }));
    await call("GET", `/instance/connectionState/${instanceName}`);
    expect(stub.calls).toEqual([{ method: "GET", path: `/v1/instances/${instanceName}`, body: undefined, signatureValid: true }]);
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
    stubConnector(() => reply);
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(res.status).toBe(expectedStatus);
    expect([res.json.response.message].flat().join(" ")).toContain(fragment);
  });
});

describe("unreachable connector", () => {
  it("answers 503 at once when the connection fails", async () => {
    const { instanceName } = await createTestInstance();
    stubConnector(() => "down");
    const started = Date.now();
    const res = await call("GET", `/instance/connect/${instanceName}`);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(503);
    expect(res.json).toEqual(errorBody(503, "Service Unavailable", "Connector unreachable: Network connection lost."));
  });

  it.each(["hang", "hang-ignoring-abort"] as const)("answers 503 within CONNECTOR_COMMAND_TIMEOUT_MS when the connector does not answer (%s)", async (reply) => {
    const { instanceName } = await createTestInstance();
    stubConnector(() => reply);
    const started = Date.now();
    const res = await callWithVars({ CONNECTOR_COMMAND_TIMEOUT_MS: "300" }, "POST", `/instance/restart/${instanceName}`);
    const elapsed = Date.now() - started;
    expect(res.status).toBe(503);
    expect(res.json.response.message).toBe("Connector unreachable: no answer within 300 ms");
    expect(elapsed).toBeGreaterThanOrEqual(250);
    expect(elapsed).toBeLessThan(2000);
  });

  it("answers 503 when CONNECTOR_URL is not configured", async () => {
    const { instanceName } = await createTestInstance();
    const stub = stubConnector(() => ({ body: status(instanceName, "open") }));
    const res = await callWithVars({ CONNECTOR_URL: "" }, "DELETE", `/instance/logout/${instanceName}`);
    expect(res.status).toBe(503);
    expect(res.json.response.message).toBe("Connector unreachable: CONNECTOR_URL is not set");
    expect(stub.calls).toHaveLength(0);
  });
});
