// Several webhooks per instance: the /webhooks routes (create, list, read, replace, delete,
// secrets, the limit) and how they sit beside /webhook/set, which manages the `default` one.
import { describe, expect, it } from "vitest";
import { call, createTestInstance, errorBody } from "./helpers/api.ts";

const URL_A = "https://hooks.example.com/a";
const URL_B = "https://hooks.example.com/b";
const ALL_INCLUDED = { groups: "include", fromMe: "include" };

describe("POST /webhooks/{instance}", () => {
  it("creates a webhook with its own id and answers the full config (defaults filled in)", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_A } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      id: expect.stringMatching(/^wh_[0-9a-f]{16}$/), url: URL_A, enabled: true, events: [], webhook_by_events: false,
      webhook_base64: false, headers: {}, filters: ALL_INCLUDED, ordered: false,
    });
    expect(res.text).not.toContain("whsec_");
  });

  it("stores events, headers, filters and order", async () => {
    const { instanceName, token } = await createTestInstance();
    const body = {
      url: URL_A, enabled: false, events: ["messages_upsert", "GROUP_UPDATE"], webhook_by_events: true, webhook_base64: true,
      headers: { "X-Team": "sales" }, filters: { groups: "exclude", fromMe: "only" }, ordered: true,
    };
    const res = await call("POST", `/webhooks/${instanceName}`, { key: token, body });
    expect(res.status).toBe(201);
    expect(res.json).toMatchObject({ ...body, events: ["MESSAGES_UPSERT", "GROUPS_UPDATE"] });
    expect((await call("GET", `/webhooks/${instanceName}/${res.json.id}`)).json).toEqual(res.json);
  });

  it.each([
    ["a private URL", { url: "http://10.1.2.3/x" }, 'Invalid "url" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)'],
    ["an unknown filter mode", { url: URL_A, filters: { groups: "sometimes" } }, 'Invalid "filters.groups" property: must be "include", "exclude" or "only"'],
    ["an unknown filter", { url: URL_A, filters: { chats: "only" } }, expect.stringContaining('Invalid "filters" property')],
    ["ordered not a boolean", { url: URL_A, ordered: "yes" }, 'Invalid "ordered" property: must be true or false'],
  ])("400 for %s", async (_label, body, message) => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhooks/${instanceName}`, { body });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [message]));
    expect((await call("GET", `/webhooks/${instanceName}`)).json).toEqual({ webhooks: [] });
  });

  it("allows at most 10 webhooks per instance, the default one included", async () => {
    const { instanceName } = await createTestInstance({ webhook: URL_A });
    for (let i = 0; i < 9; i++) expect((await call("POST", `/webhooks/${instanceName}`, { body: { url: `${URL_B}/${i}` } })).status).toBe(201);
    const res = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_B } });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [`The "${instanceName}" instance already has 10 webhooks`]));
    expect((await call("GET", `/webhooks/${instanceName}`)).json.webhooks).toHaveLength(10);
  });
});

describe("GET /webhooks/{instance}", () => {
  it("lists the default webhook first, with id default", async () => {
    const { instanceName } = await createTestInstance();
    const extra = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_B } });
    await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, events: ["CALL"] } });
    const res = await call("GET", `/webhooks/${instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json.webhooks.map((w: { id: string; url: string }) => [w.id, w.url])).toEqual([["default", URL_A], [extra.json.id, URL_B]]);
  });
});

describe("GET|PUT|DELETE /webhooks/{instance}/{id}", () => {
  it("404 for an unknown webhook id", async () => {
    const { instanceName } = await createTestInstance();
    for (const [method, body] of [["GET", undefined], ["PUT", { url: URL_A }], ["DELETE", undefined]] as const) {
      const res = await call(method, `/webhooks/${instanceName}/wh_nope`, { body });
      expect(res.status).toBe(404);
      expect(res.json).toEqual(errorBody(404, "Not Found", [`The "${instanceName}" instance has no webhook "wh_nope"`]));
    }
  });

  it("PUT replaces the whole config; PUT default creates the default webhook, which /webhook/find then shows", async () => {
    const { instanceName } = await createTestInstance();
    const created = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_A, events: ["CALL"], ordered: true } });
    const replaced = await call("PUT", `/webhooks/${instanceName}/${created.json.id}`, { body: { url: URL_B } });
    expect(replaced.json).toEqual({ ...created.json, url: URL_B, events: [], ordered: false });
    const def = await call("PUT", `/webhooks/${instanceName}/default`, { body: { url: URL_A, filters: { groups: "exclude" } } });
    expect(def.json).toMatchObject({ id: "default", url: URL_A, filters: { groups: "exclude", fromMe: "include" } });
    expect((await call("GET", `/webhook/find/${instanceName}`)).json).toMatchObject({ enabled: true, url: URL_A });
  });

  it("/webhook/set changes the default webhook only and keeps its filters and order", async () => {
    const { instanceName } = await createTestInstance();
    await call("PUT", `/webhooks/${instanceName}/default`, { body: { url: URL_A, filters: { fromMe: "exclude" }, ordered: true } });
    const other = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_B } });
    await call("POST", `/webhook/set/${instanceName}`, { body: { url: "https://hooks.example.com/c" } });
    expect((await call("GET", `/webhooks/${instanceName}/default`)).json).toMatchObject({ url: "https://hooks.example.com/c", filters: { fromMe: "exclude" }, ordered: true });
    expect((await call("GET", `/webhooks/${instanceName}/${other.json.id}`)).json).toEqual(other.json);
  });

  it("DELETE removes one webhook and answers it", async () => {
    const { instanceName } = await createTestInstance({ webhook: URL_A });
    const other = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_B } });
    const res = await call("DELETE", `/webhooks/${instanceName}/${other.json.id}`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual(other.json);
    expect((await call("GET", `/webhooks/${instanceName}`)).json.webhooks.map((w: { id: string }) => w.id)).toEqual(["default"]);
  });
});

describe("webhook secrets", () => {
  it("each webhook has its own whsec_ secret; rotating one leaves the others", async () => {
    const { instanceName, token } = await createTestInstance({ webhook: URL_A });
    const other = await call("POST", `/webhooks/${instanceName}`, { body: { url: URL_B } });
    const defaultSecret = (await call("GET", `/webhook/secret/${instanceName}`)).json.secret;
    const viaId = await call("GET", `/webhooks/${instanceName}/default/secret`, { key: token });
    expect(viaId.json.secret).toBe(defaultSecret);
    expect(viaId.headers.get("cache-control")).toBe("no-store");
    const otherSecret = (await call("GET", `/webhooks/${instanceName}/${other.json.id}/secret`)).json.secret;
    expect(otherSecret).toMatch(/^whsec_/);
    expect(otherSecret).not.toBe(defaultSecret);
    const rotated = await call("POST", `/webhooks/${instanceName}/${other.json.id}/secret/rotate`);
    expect(rotated.status).toBe(200);
    expect(rotated.json).toEqual({ secret: expect.stringMatching(/^whsec_/), previousSecretExpiresAt: expect.any(String) });
    expect((await call("GET", `/webhooks/${instanceName}/${other.json.id}/secret`)).json.secret).toBe(rotated.json.secret);
    expect((await call("GET", `/webhook/secret/${instanceName}`)).json.secret).toBe(defaultSecret);
  });

  it("404 for the secret of an unknown webhook", async () => {
    const { instanceName } = await createTestInstance();
    expect((await call("GET", `/webhooks/${instanceName}/wh_nope/secret`)).status).toBe(404);
    expect((await call("POST", `/webhooks/${instanceName}/wh_nope/secret/rotate`)).status).toBe(404);
  });
});
