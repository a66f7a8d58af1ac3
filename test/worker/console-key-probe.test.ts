// The console tells a global key from an instance token with an empty create (docs/console.md#the-key):
// 401 for a token, 400 for the global key, and nothing created either way. This pins that contract.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTestInstance } from "./helpers/api.ts";

const instanceCount = async () => (await env.DB.prepare("SELECT count(*) AS n FROM instances").first<{ n: number }>())!.n;

describe("key kind probe: POST /instance/create with {}", () => {
  it("answers 401 to an instance token and 400 to the global key, creating nothing", async () => {
    const { token } = await createTestInstance();
    const before = await instanceCount();
    const withToken = await call("POST", "/instance/create", { key: token, body: {} });
    expect(withToken.status).toBe(401);
    const withGlobalKey = await call("POST", "/instance/create", { body: {} });
    expect(withGlobalKey.status).toBe(400);
    expect(withGlobalKey.json.response.message).toEqual([expect.stringContaining('"instanceName"')]);
    expect(await instanceCount()).toBe(before);
  });
});
