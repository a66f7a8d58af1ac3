// Webhook config routes: set (flat, wrapped, alias path) and find — shapes, defaults, validation.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { INSTANCE_SUBSCRIPTION_NAMES } from "../../worker/events/names.ts";
import { call, createTestInstance, errorBody, uniqueName } from "./helpers/api.ts";

const URL_A = "https://hooks.example.com/wa";
const DEFAULT_FIND = { enabled: false, url: "", events: [], webhook_by_events: false, webhook_base64: false, headers: {} };

async function storedSecret(instanceId: string): Promise<string | undefined> {
  const row = await env.DB.prepare("SELECT secret FROM webhooks WHERE instance_id = ?").bind(instanceId).first<{ secret: string }>();
  return row?.secret;
}

describe("POST /webhook/set/{instance}", () => {
  const forms: Array<[string, string, (url: string) => unknown]> = [
    ["flat", "/webhook/set", (url) => ({ enabled: true, url, webhook_by_events: true, webhook_base64: true, events: ["MESSAGES_UPSERT"], headers: { Authorization: "Bearer abc" } })],
    ["wrapped", "/webhook/set", (url) => ({ webhook: { enabled: true, url, byEvents: true, base64: true, events: ["MESSAGES_UPSERT"], headers: { Authorization: "Bearer abc" } } })],
    ["flat on the alias path", "/webhook/instance", (url) => ({ url, webhook_by_events: true, webhook_base64: true, events: ["MESSAGES_UPSERT"], headers: { Authorization: "Bearer abc" } })],
  ];
  it.each(forms)("stores the %s body and find echoes it", async (_label, prefix, body) => {
    const { instanceName } = await createTestInstance();
    const expected = { enabled: true, url: URL_A, events: ["MESSAGES_UPSERT"], webhook_by_events: true, webhook_base64: true, headers: { Authorization: "Bearer abc" } };
    const res = await call("POST", `${prefix}/${instanceName}`, { body: body(URL_A) });
    expect(res.status).toBe(201);
    expect(res.json).toEqual({ webhook: { instanceName, webhook: expected } });
    const find = await call("GET", `/webhook/find/${instanceName}`);
    expect(find.status).toBe(200);
    expect(find.json).toEqual(expected);
  });

  it("applies defaults: enabled true, all events, no by-events, no base64, no headers", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A } });
    expect(res.json.webhook.webhook).toEqual({ enabled: true, url: URL_A, events: [], webhook_by_events: false, webhook_base64: false, headers: {} });
  });

  it.each([
    ["omitted", {}],
    ["empty", { events: [] }],
  ])("events %s means all events (stored as [], find lists every name like Evolution)", async (_label, extra) => {
    const { instanceName, instanceId } = await createTestInstance();
    await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, events: ["CALL"] } });
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, ...extra } });
    expect(res.json.webhook.webhook.events).toEqual([]);
    // Issue 13: find lists every event name; the stored list stays [] so later events are included.
    expect((await call("GET", `/webhook/find/${instanceName}`)).json.events).toEqual(INSTANCE_SUBSCRIPTION_NAMES);
    const row = await env.DB.prepare("SELECT events FROM webhooks WHERE instance_id = ?").bind(instanceId).first<{ events: string }>();
    expect(row?.events).toBe("[]");
  });

  it("accepts Evolution v2's webhookByEvents / webhookBase64 in the wrapped body", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { webhook: { url: URL_A, webhookByEvents: true, webhookBase64: true, events: ["CALL"] } } });
    expect(res.status).toBe(201);
    expect(res.json.webhook.webhook).toMatchObject({ webhook_by_events: true, webhook_base64: true });
    expect((await call("GET", `/webhook/find/${instanceName}`)).json).toMatchObject({ webhook_by_events: true, webhook_base64: true });
  });

  it("400 for WEBHOOK_DISABLED, which only the global webhook gets", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, events: ["WEBHOOK_DISABLED"] } });
    expect(res.status).toBe(400);
    expect(res.json.response.message[0]).toMatch(/^Invalid "events" property: unknown event "WEBHOOK_DISABLED"/);
  });

  it("400 when webhookBase64 is not a boolean", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { webhook: { url: URL_A, webhookBase64: "yes" } } });
    expect(res.json).toEqual(errorBody(400, "Bad Request", ['Invalid "webhook.webhookBase64" property: must be true or false']));
  });

  it("stores aliases and lower-case names as canonical names, without duplicates", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, events: ["GROUP_UPDATE", "NEW_JWT_TOKEN", "groups_update", "messages_upsert"] } });
    expect(res.status).toBe(201);
    expect(res.json.webhook.webhook.events).toEqual(["GROUPS_UPDATE", "NEW_TOKEN", "MESSAGES_UPSERT"]);
  });

  it("can disable the webhook and keeps the signing secret across sets, never returning it", async () => {
    const { instanceName, instanceId } = await createTestInstance();
    const first = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A } });
    const secret = await storedSecret(instanceId);
    expect(secret).toMatch(/^whsec_/);
    const second = await call("POST", `/webhook/set/${instanceName}`, { body: { enabled: false, url: "https://other.example.com/x" } });
    expect(second.json.webhook.webhook).toMatchObject({ enabled: false, url: "https://other.example.com/x" });
    expect(await storedSecret(instanceId)).toBe(secret);
    for (const text of [first.text, second.text, (await call("GET", `/webhook/find/${instanceName}`)).text]) {
      expect(text).not.toContain(secret);
      expect(text).not.toContain("secret");
    }
  });

  it("accepts the instance's own token", async () => {
    const { instanceName, token } = await createTestInstance();
    expect((await call("POST", `/webhook/set/${instanceName}`, { key: token, body: { url: URL_A } })).status).toBe(201);
  });

  const invalid: Array<[string, unknown, string]> = [
    ["missing url", { enabled: true }, 'Invalid "url" property: required'],
    ["url not a string", { url: 5 }, 'Invalid "url" property: must be a string'],
    ["relative url", { url: "/hook" }, 'Invalid "url" property: must be an absolute http(s) URL'],
    ["non-http url", { url: "javascript:alert(1)" }, 'Invalid "url" property: must be an absolute http(s) URL'],
    ["loopback url", { url: "http://127.0.0.1:3000/hook" }, 'Invalid "url" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)'],
    ["localhost url", { url: "http://localhost/hook" }, 'Invalid "url" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)'],
    ["url with credentials", { url: "https://user:pw@example.com/" }, 'Invalid "url" property: must not contain credentials'],
    ["enabled not boolean", { url: URL_A, enabled: "true" }, 'Invalid "enabled" property: must be true or false'],
    ["webhook_base64 not boolean", { url: URL_A, webhook_base64: null }, 'Invalid "webhook_base64" property: must be true or false'],
    ["events not an array", { url: URL_A, events: "CALL" }, 'Invalid "events" property: must be an array of event names'],
    ["event not a string", { url: URL_A, events: [1] }, 'Invalid "events.0" property: each event must be a string'],
    ["headers not an object", { url: URL_A, headers: ["x"] }, 'Invalid "headers" property: must be an object of header names to string values'],
    ["header value not a string", { url: URL_A, headers: { "X-A": 1 } }, 'Invalid "headers.X-A" property: header values must be strings'],
    ["bad header name", { url: URL_A, headers: { "X Bad": "1" } }, 'Invalid "headers" property: "X Bad" is not a valid header name'],
    ["header value with newline", { url: URL_A, headers: { "X-A": "a\r\nInjected: 1" } }, 'Invalid "headers" property: the value of "X-A" must be printable ASCII without line breaks'],
    ["signature header override", { url: URL_A, headers: { "Webhook-Signature": "v1,x" } }, 'Invalid "headers" property: "Webhook-Signature" is set by l2msg and cannot be overridden'],
    ["content-type override", { url: URL_A, headers: { "content-type": "text/plain" } }, 'Invalid "headers" property: "content-type" is set by l2msg and cannot be overridden'],
    ["too many headers", { url: URL_A, headers: Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-H${i}`, "v"])) }, 'Invalid "headers" property: must have at most 20 headers'],
    ["header value too long", { url: URL_A, headers: { "X-A": "v".repeat(1025) } }, 'Invalid "headers" property: the value of "X-A" must be at most 1024 characters'],
    ["wrapped: url missing", { webhook: { enabled: true } }, 'Invalid "webhook.url" property: required'],
    ["wrapped: byEvents not boolean", { webhook: { url: URL_A, byEvents: "yes" } }, 'Invalid "webhook.byEvents" property: must be true or false'],
    ["wrapped: bad header", { webhook: { url: URL_A, headers: { host: "evil" } } }, 'Invalid "webhook.headers" property: "host" is set by l2msg and cannot be overridden'],
    ["wrapped: private url", { webhook: { url: "http://192.168.1.10/" } }, 'Invalid "url" property: points at a loopback, private or link-local address (set WEBHOOK_ALLOW_PRIVATE_URLS=true to allow)'],
  ];
  it.each(invalid)("400 for %s, and nothing is stored", async (_label, body, message) => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body });
    expect(res.status).toBe(400);
    expect(res.json).toEqual(errorBody(400, "Bad Request", [message]));
    expect((await call("GET", `/webhook/find/${instanceName}`)).json).toEqual(DEFAULT_FIND);
  });

  it("400 listing the valid names for an unknown event", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, events: ["MESSAGE_RECEIVED"] } });
    expect(res.status).toBe(400);
    const [message] = res.json.response.message as string[];
    expect(message).toMatch(/^Invalid "events" property: unknown event "MESSAGE_RECEIVED"; valid events: APPLICATION_STARTUP, QRCODE_UPDATED/);
    expect(message).toContain("LABELS_ASSOCIATION");
  });

  it("400 Evolution body for malformed JSON", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { rawBody: "{url:" });
    expect(res.json).toEqual(errorBody(400, "Bad Request", "Malformed JSON in request body"));
  });

  it("413 for a body over 1 MiB", async () => {
    const { instanceName } = await createTestInstance();
    const res = await call("POST", `/webhook/set/${instanceName}`, { body: { url: URL_A, padding: "x".repeat(1024 * 1024 + 1) } });
    expect(res.status).toBe(413);
    expect(res.json.error).toBe("Payload Too Large");
  });
});

describe("GET /webhook/find/{instance}", () => {
  it("returns the disabled default before any set", async () => {
    const { instanceName, token } = await createTestInstance();
    const res = await call("GET", `/webhook/find/${instanceName}`, { key: token });
    expect(res.status).toBe(200);
    expect(res.text).toBe(JSON.stringify(DEFAULT_FIND));
  });

  it("404 for an unknown instance with the global key", async () => {
    const name = uniqueName("ghost");
    for (const [method, path] of [["GET", `/webhook/find/${name}`], ["POST", `/webhook/set/${name}`]] as const) {
      const res = await call(method, path, { body: method === "POST" ? { url: URL_A } : undefined });
      expect(res.status).toBe(404);
      expect(res.json).toEqual(errorBody(404, "Not Found", [`The "${name}" instance does not exist`]));
    }
  });
});
