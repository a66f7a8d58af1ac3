import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("unknown routes", () => {
  it("answers with the Evolution error body", async () => {
    const res = await SELF.fetch("http://l2msg.test/nope");
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ status: 404, error: "Not Found", response: { message: "Cannot GET /nope" } });
  });
});
