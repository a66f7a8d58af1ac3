// apikey authentication across the management routes: the global key everywhere, an instance
// token only on its own instance, and authentication checked before existence and validation.
import { describe, expect, it } from "vitest";
import { call, createTestInstance, errorBody, GLOBAL_KEY, uniqueName } from "./helpers/api.ts";

const UNAUTHORIZED = errorBody(401, "Unauthorized", "Unauthorized");

type Route = [label: string, method: string, path: (name: string) => string, body?: unknown];
const instanceRoutes: Route[] = [
  ["webhook/set", "POST", (n) => `/webhook/set/${n}`, { url: "https://hooks.example.com/a" }],
  ["webhook/instance", "POST", (n) => `/webhook/instance/${n}`, { url: "https://hooks.example.com/a" }],
  ["webhook/find", "GET", (n) => `/webhook/find/${n}`],
  // ?force=true: the worker tests run without a connector (its part is tested with the lifecycle routes).
  ["instance/delete", "DELETE", (n) => `/instance/delete/${n}?force=true`],
];

describe.each(instanceRoutes)("%s", (_label, method, path, body) => {
  it.each([
    ["no key", () => null],
    ["an empty key", () => ""],
    ["a wrong key", () => "definitely-not-the-key"],
    ["the global key with a suffix", () => `${GLOBAL_KEY}x`],
  ])("401 with %s on an existing instance", async (_what, key) => {
    const { instanceName } = await createTestInstance();
    const res = await call(method, path(instanceName), { key: key(), body });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(UNAUTHORIZED);
  });

  it("401 with another instance's token", async () => {
    const target = await createTestInstance();
    const other = await createTestInstance();
    const res = await call(method, path(target.instanceName), { key: other.token, body });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(UNAUTHORIZED);
  });

  it("401, not 404, for an unknown instance without the global key", async () => {
    const other = await createTestInstance();
    for (const key of [null, "wrong-key-123", other.token]) {
      expect((await call(method, path(uniqueName("ghost")), { key, body })).status).toBe(401);
    }
  });

  it("404 for an unknown instance with the global key", async () => {
    const name = uniqueName("ghost");
    const res = await call(method, path(name), { body });
    expect(res.status).toBe(404);
    expect(res.json).toEqual(errorBody(404, "Not Found", [`The "${name}" instance does not exist`]));
  });

  it("accepts the global key and the instance's own token", async () => {
    for (const useToken of [false, true]) {
      const { instanceName, token } = await createTestInstance();
      const res = await call(method, path(instanceName), { key: useToken ? token : GLOBAL_KEY, body });
      expect(res.status).toBeLessThan(300);
    }
  });
});

describe("authentication comes before validation", () => {
  it.each([
    ["create with an invalid body", "POST", "/instance/create", { instanceName: "bad name!" }],
    ["create with an oversized body", "POST", "/instance/create", { instanceName: "x", pad: "x".repeat(1024 * 1024 + 10) }],
    ["webhook/set with an invalid body", "POST", "/webhook/set/whatever", { url: "nope" }],
  ])("401 for %s without a key", async (_label, method, path, body) => {
    const res = await call(method, path, { key: null, body });
    expect(res.status).toBe(401);
  });

  it("401 for fetchInstances with no key or a wrong key", async () => {
    for (const key of [null, "wrong-key-123"]) {
      const res = await call("GET", "/instance/fetchInstances", { key });
      expect(res.status).toBe(401);
      expect(res.json).toEqual(UNAUTHORIZED);
    }
  });

  it("a deleted instance's token stops working", async () => {
    const { instanceName, token } = await createTestInstance();
    expect((await call("DELETE", `/instance/delete/${instanceName}?force=true`, { key: token })).status).toBe(200);
    expect((await call("GET", "/instance/fetchInstances", { key: token })).status).toBe(401);
  });
});
