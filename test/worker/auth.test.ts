// apikey authentication beyond the generated matrix (auth-matrix.test.ts covers every
// `{instance}` route and 401 without a key on the others): authentication before body validation
// and the body cap, and a deleted instance's token.
import { describe, expect, it } from "vitest";
import { call, createTestInstance } from "./helpers/api.ts";

describe("authentication comes before validation", () => {
  it.each([
    ["create with an invalid body", "POST", "/instance/create", { instanceName: "bad name!" }],
    ["create with an oversized body", "POST", "/instance/create", { instanceName: "x", pad: "x".repeat(1024 * 1024 + 10) }],
    ["webhook/set with an invalid body", "POST", "/webhook/set/whatever", { url: "nope" }],
  ])("401 for %s without a key", async (_label, method, path, body) => {
    const res = await call(method, path, { key: null, body });
    expect(res.status).toBe(401);
  });

  it("a deleted instance's token stops working", async () => {
    const { instanceName, token } = await createTestInstance();
    expect((await call("DELETE", `/instance/delete/${instanceName}?force=true`, { key: token })).status).toBe(200);
    expect((await call("GET", "/instance/fetchInstances", { key: token })).status).toBe(401);
  });
});
