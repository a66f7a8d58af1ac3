// Instance routes: create, fetchInstances, delete — Evolution v1 shapes and validation.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { call, createTestInstance, errorBody, GLOBAL_KEY, uniqueName } from "./helpers/api.ts";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe("POST /instance/create", () => {
  it("creates an instance with a generated token and no webhook", async () => {
    const instanceName = uniqueName("create");
    const res = await call("POST", "/instance/create", { body: { instanceName } });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({
      instance: { instanceName, instanceId: expect.stringMatching(UUID), status: "created" },
      hash: { apikey: expect.stringMatching(/^[0-9A-F]{32}$/) },
      webhook: { webhook: "", webhook_by_events: false, webhook_base64: false, events: [] },
    });
  });

  it("keeps a given token and configures the webhook from the create body", async () => {
    const instanceName = uniqueName("create-wh");
    const token = `tok-${instanceName}`;
    const res = await call("POST", "/instance/create", {
      body: { instanceName, token, webhook: "https://hooks.example.com/in", webhook_by_events: true, webhook_base64: true, events: ["MESSAGES_UPSERT", "GROUP_UPDATE"] },
    });
    expect(res.status).toBe(201);
    expect(res.json.hash).toEqual({ apikey: token });
    expect(res.json.webhook).toEqual({ webhook: "https://hooks.example.com/in", webhook_by_events: true, webhook_base64: true, events: ["MESSAGES_UPSERT", "GROUPS_UPDATE"] });
    const find = await call("GET", `/webhook/find/${instanceName}`, { key: token });
    expect(find.json).toEqual({ enabled: true, url: "https://hooks.example.com/in", events: ["MESSAGES_UPSERT", "GROUPS_UPDATE"], webhook_by_events: true, webhook_base64: true, headers: {} });
  });

  it("treats empty-string token and webhook as not given", async () => {
    const res = await call("POST", "/instance/create", { body: { instanceName: uniqueName("empty"), token: "", webhook: "" } });
    expect(res.status).toBe(201);
    expect(res.json.hash.apikey).toMatch(/^[0-9A-F]{32}$/);
    expect(res.json.webhook.webhook).toBe("");
  });

  it("refuses a name already in use with 403", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", "/instance/create", { body: { instanceName } });
    expect(res.status).toBe(403);
    expect(res.json).toEqual(errorBody(403, "Forbidden", [`This name "${instanceName}" is already in use.`]));
  });

  it("refuses a token another instance already uses", async () => {
    const { token } = await createTestInstance();
    const res = await call("POST", "/instance/create", { body: { instanceName: uniqueName(), token } });
    expect(res.status).toBe(400);
    expect(res.json.response.message).toEqual(['Invalid "token" property: already used by another instance']);
  });

  const invalid: Array<[string, Record<string, unknown>, string]> = [
    ["missing instanceName", { instanceName: undefined }, 'Invalid "instanceName" property: required'],
    ["instanceName not a string", { instanceName: 42 }, 'Invalid "instanceName" property: must be a string'],
    ["empty instanceName", { instanceName: "" }, 'Invalid "instanceName" property: must not be empty'],
    ["instanceName too long", { instanceName: "a".repeat(65) }, 'Invalid "instanceName" property: must be at most 64 characters'],
    ["bad name characters", { instanceName: "sales team/1" }, `Invalid "instanceName" property: may only contain letters, digits, '.', '_' and '-'`],
    ["instanceName \".\"", { instanceName: "." }, 'Invalid "instanceName" property: must not be "." or ".."'],
    ["instanceName \"..\"", { instanceName: ".." }, 'Invalid "instanceName" property: must not be "." or ".."'],
    ["short token", { token: "abc" }, 'Invalid "token" property: must be at least 8 characters'],
    ["token with spaces", { token: "abc def ghi" }, 'Invalid "token" property: must be printable ASCII without spaces'],
    ["qrcode not boolean", { qrcode: "yes" }, 'Invalid "qrcode" property: must be true or false'],
    ["number not digits", { number: "call-me" }, 'Invalid "number" property: must be a phone number: 6-20 digits with country code'],
    ["webhook not a URL", { webhook: "not a url" }, 'Invalid "webhook" property: must be an absolute http(s) URL'],
    ["webhook ftp URL", { webhook: "ftp://example.com/x" }, 'Invalid "webhook" property: must be an absolute http(s) URL'],
    ["webhook private URL", { webhook: "http://10.0.0.5/hook" }, 'Invalid "webhook" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)'],
    ["webhook_by_events not boolean", { webhook_by_events: 1 }, 'Invalid "webhook_by_events" property: must be true or false'],
    ["events not an array", { events: "MESSAGES_UPSERT" }, 'Invalid "events" property: must be an array of event names'],
  ];
  it.each(invalid)("400 for %s", async (_label, fields, message) => {
    const body = { instanceName: uniqueName("bad"), ...fields };
    const res = await call("POST", "/instance/create", { body });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [message]));
    if (typeof body.instanceName === "string") {
      expect((await call("GET", `/instance/fetchInstances?instanceName=${encodeURIComponent(body.instanceName)}`)).status).not.toBe(200);
    }
  });

  it("400 listing valid names for an unknown event", async () => {
    const res = await call("POST", "/instance/create", { body: { instanceName: uniqueName(), events: ["MESSAGES_UPSERT", "NOPE"] } });
    expect(res.status).toBe(400);
    const [message] = res.json.response.message;
    expect(message).toContain('Invalid "events" property: unknown event "NOPE"');
    expect(message).toContain("MESSAGES_UPSERT, MESSAGES_UPDATE");
  });

  it.each([
    ["no key", null],
    ["wrong key", "not-the-key"],
  ])("401 with %s", async (_label, key) => {
    const res = await call("POST", "/instance/create", { key, body: { instanceName: uniqueName() } });
    expect(res.status).toBe(401);
    expect(res.json).toEqual(errorBody(401, "Unauthorized", "Unauthorized"));
  });

  it("401 with an instance token (create needs the global key)", async () => {
    const { token } = await createTestInstance();
    const res = await call("POST", "/instance/create", { key: token, body: { instanceName: uniqueName() } });
    expect(res.status).toBe(401);
  });

  it("400 with the Evolution body for malformed JSON", async () => {
    const res = await call("POST", "/instance/create", { rawBody: '{"instanceName": "x",' });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", "Malformed JSON in request body"));
  });

  it("400 when the body is not an object", async () => {
    const res = await call("POST", "/instance/create", { rawBody: "[1,2]" });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", ["Invalid request body: must be a JSON object"]));
  });

  it("413 for a body over 1 MiB", async () => {
    const res = await call("POST", "/instance/create", { body: { instanceName: uniqueName(), padding: "x".repeat(1024 * 1024) } });
    expect(res.status).toBe(413);
    expect(res.json).toEqual(errorBody(413, "Payload Too Large", "Request body is larger than 1048576 bytes"));
  });
});

describe("GET /instance/fetchInstances", () => {
  it("lists every instance for the global key, without apikey by default", async () => {
    const a = await createTestInstance({}, "list-a");
    const b = await createTestInstance({}, "list-b");
    const res = await call("GET", "/instance/fetchInstances");
    expect(res.status).toBe(200);
    const names = res.json.map((item: { instance: { instanceName: string } }) => item.instance.instanceName);
    expect(names).toEqual(expect.arrayContaining([a.instanceName, b.instanceName]));
    expect(res.json.find((i: any) => i.instance.instanceName === a.instanceName)).toEqual({
      instance: { instanceName: a.instanceName, instanceId: a.instanceId, owner: null, profileName: null, profilePictureUrl: null, status: "created", serverUrl: "http://localhost:8787", connectorId: null },
    });
  });

  it("shows only its own instance to an instance token", async () => {
    const a = await createTestInstance();
    await createTestInstance();
    const res = await call("GET", "/instance/fetchInstances", { key: a.token });
    expect(res.status).toBe(200);
    expect(res.json.map((i: any) => i.instance.instanceName)).toEqual([a.instanceName]);
  });

  it("filters by ?instanceName=", async () => {
    const a = await createTestInstance();
    await createTestInstance();
    const res = await call("GET", `/instance/fetchInstances?instanceName=${a.instanceName}`);
    expect(res.status).toBe(200);
    expect(res.json.map((i: any) => i.instance.instanceName)).toEqual([a.instanceName]);
    const own = await call("GET", `/instance/fetchInstances?instanceName=${a.instanceName}`, { key: a.token });
    expect(own.json.map((i: any) => i.instance.instanceName)).toEqual([a.instanceName]);
  });

  const missingCases: Array<[string, number, string | null]> = [
    ["global key, unknown name", 404, GLOBAL_KEY],
    ["no key", 401, null],
    ["wrong key", 401, "wrong-key-123"],
  ];
  it.each(missingCases)("?instanceName= of a missing instance: %s → %i", async (_label, status, key) => {
    const name = uniqueName("ghost");
    const res = await call("GET", `/instance/fetchInstances?instanceName=${name}`, { key });
    expect(res.status).toBe(status);
    if (status === 404) expect(res.json).toEqual(errorBody(404, "Not Found", [`The "${name}" instance does not exist`]));
  });

  it("401 when an instance token asks for another instance", async () => {
    const a = await createTestInstance();
    const b = await createTestInstance();
    const res = await call("GET", `/instance/fetchInstances?instanceName=${b.instanceName}`, { key: a.token });
    expect(res.status).toBe(401);
  });
});

// ?force=true: these tests run without a connector; they cover the worker-side removal.
describe("DELETE /instance/delete/{instance}", () => {
  it("deletes the instance and its webhook config", async () => {
    const a = await createTestInstance({ webhook: "https://hooks.example.com/x" });
    const res = await call("DELETE", `/instance/delete/${a.instanceName}?force=true`);
    expect(res.status).toBe(200);
    expect(res.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance deleted" } });
    expect((await call("GET", `/instance/fetchInstances?instanceName=${a.instanceName}`)).status).toBe(404);
    const rows = await env.DB.prepare("SELECT count(*) AS n FROM webhooks WHERE instance_id = ?").bind(a.instanceId).first<{ n: number }>();
    expect(rows?.n).toBe(0);
    // The name is free again.
    expect((await call("POST", "/instance/create", { body: { instanceName: a.instanceName } })).status).toBe(201);
  });

  it("accepts the instance's own token", async () => {
    const a = await createTestInstance();
    expect((await call("DELETE", `/instance/delete/${a.instanceName}?force=true`, { key: a.token })).status).toBe(200);
  });

  // 401 for bad keys (nothing deleted) and 404 for a missing instance: auth-matrix.test.ts.
});
