// Building one webhook request: by-events URLs, the Evolution body, headers, and Standard
// Webhooks signatures checked with the independent `standardwebhooks` package.
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import type { GlobalWebhookConfig } from "../../worker/env.ts";
import {
  USER_AGENT, deliveryBody, deliveryHeaders, deliveryUrl, signingSecrets, withoutBase64,
} from "../../worker/delivery/request.ts";
import { isSubscribed, routeEvent } from "../../worker/delivery/route.ts";
import { generateWebhookSecret } from "../../protocol/signing.ts";

describe("deliveryUrl", () => {
  it.each([
    ["https://x/hook", false, "messages.upsert", "https://x/hook"],
    ["https://x/hook", true, "messages.upsert", "https://x/hook/messages-upsert"],
    ["https://x/hook/", true, "messages.upsert", "https://x/hook/messages-upsert"],
    ["https://x/hook/?a=1", true, "messages.upsert", "https://x/hook/messages-upsert?a=1"],
    ["https://x/hook?a=1&b=2", true, "connection.update", "https://x/hook/connection-update?a=1&b=2"],
    ["https://x", true, "new.jwt", "https://x/new-jwt"],
    ["https://x/a//", true, "group-participants.update", "https://x/a/group-participants-update"],
  ] as const)("%s (byEvents %s, %s) → %s", (base, byEvents, event, expected) => {
    expect(deliveryUrl(base, byEvents, event)).toBe(expected);
  });
});

describe("deliveryBody", () => {
  const data = { key: { id: "1" }, message: { imageMessage: {}, base64: "AAAA" } };
  const input = {
    event: "messages.upsert", instanceName: "sales", dataJson: JSON.stringify(data),
    dateTime: "2024-11-24T14:53:20.123Z", sender: "15551234567@s.whatsapp.net", destination: "https://x/hook",
    serverUrl: "https://api.example", includeBase64: true,
  };

  it("has exactly the Evolution fields, in order", () => {
    expect(deliveryBody({ ...input, apikey: "TOKEN" })).toBe(JSON.stringify({
      event: "messages.upsert", instance: "sales", data, destination: "https://x/hook",
      date_time: "2024-11-24T14:53:20.123Z", sender: "15551234567@s.whatsapp.net", server_url: "https://api.example", apikey: "TOKEN",
    }));
  });

  it("omits apikey when not exposed and sender when unknown", () => {
    const body = JSON.parse(deliveryBody({ ...input, sender: undefined }));
    expect(Object.keys(body)).toEqual(["event", "instance", "data", "destination", "date_time", "server_url"]);
  });

  it("strips message.base64 when the webhook does not want media inline", () => {
    expect(JSON.parse(deliveryBody({ ...input, includeBase64: false })).data).toEqual({ key: { id: "1" }, message: { imageMessage: {} } });
    expect(JSON.parse(deliveryBody(input)).data.message.base64).toBe("AAAA");
  });

  // The stored data is spliced into the body unparsed: it must read back as what one
  // JSON.stringify of the whole body gives, whatever the text holds.
  it.each([
    [{ key: { id: "é\u2028\"q\"" }, message: { conversation: "line\nbreak 🎉 \\ </script>" }, n: [1.5, -0, 1e21, null] }],
    [{ message: { conversation: 'says "base64" but has none' } }],
    [null],
    [[{ base64: "top-level array, not message.base64" }]],
  ])("the body with spliced data equals one JSON.stringify: %j", (value) => {
    for (const includeBase64 of [true, false]) {
      const body = deliveryBody({ ...input, dataJson: JSON.stringify(value), includeBase64, sequence: 7, apikey: "T" });
      expect(body).toBe(JSON.stringify({
        event: input.event, instance: input.instanceName, data: value, destination: input.destination, date_time: input.dateTime,
        sender: input.sender, server_url: input.serverUrl, apikey: "T", sequence: 7,
      }));
    }
  });

  it.each([[null], [[1, 2]], ["text"], [{ message: null }], [{ key: 1 }]])("leaves data without message.base64 alone: %j", (data) => {
    expect(withoutBase64(data)).toEqual(data);
  });
});

describe("deliveryHeaders", () => {
  const nowMs = Date.now();
  const body = JSON.stringify({ event: "messages.upsert", instance: "sales" });

  it("signs so that an independent Standard Webhooks verifier accepts it", async () => {
    const secret = generateWebhookSecret();
    const headers = await deliveryHeaders({ webhookId: "msg_abc", body, nowMs, secrets: [secret], customHeaders: {} });
    expect(headers["webhook-id"]).toBe("msg_abc");
    expect(headers["webhook-timestamp"]).toBe(String(Math.floor(nowMs / 1000)));
    expect(headers["webhook-signature"]).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new Webhook(generateWebhookSecret()).verify(body, headers)).toThrow();
    expect(() => new Webhook(secret).verify(`${body} `, headers)).toThrow();
  });

  it("during a rotation both the new and the old secret verify", async () => {
    const [next, previous] = [generateWebhookSecret(), generateWebhookSecret()];
    const secrets = signingSecrets(next, previous, nowMs + 1000, nowMs);
    const headers = await deliveryHeaders({ webhookId: "msg_rot", body, nowMs, secrets, customHeaders: {} });
    expect(headers["webhook-signature"]?.split(" ")).toHaveLength(2);
    expect(new Webhook(next).verify(body, headers)).toBeTruthy();
    expect(new Webhook(previous).verify(body, headers)).toBeTruthy();
  });

  it.each([
    ["expired", nowMs - 1],
    ["absent", null],
  ] as const)("the previous secret is not used when %s", (_label, expiresAt) => {
    expect(signingSecrets("whsec_new", "whsec_old", expiresAt, nowMs)).toEqual(["whsec_new"]);
  });

  it("custom headers are sent but never override system or signature headers", async () => {
    const headers = await deliveryHeaders({
      webhookId: "msg_h", body, nowMs, secrets: ["whsec_dGVzdA=="],
      customHeaders: {
        Authorization: "Bearer x", "X-Team": "ops", "Webhook-Signature": "v1,forged", "content-type": "text/plain",
        "User-Agent": "evil", "webhook-id": "other", "bad header": "x", "x-newline": "a\r\nb",
      },
    });
    expect(headers).toMatchObject({ authorization: "Bearer x", "x-team": "ops", "content-type": "application/json", "user-agent": USER_AGENT, "webhook-id": "msg_h" });
    expect(headers["webhook-signature"]).not.toContain("forged");
    expect(Object.keys(headers)).not.toContain("bad header");
    expect(Object.keys(headers)).not.toContain("x-newline");
  });

  it("without secrets the request is unsigned but still carries id and timestamp", async () => {
    const headers = await deliveryHeaders({ webhookId: "msg_u", body, nowMs, secrets: [], customHeaders: {} });
    expect(headers["webhook-signature"]).toBeUndefined();
    expect(headers["webhook-id"]).toBe("msg_u");
    expect(USER_AGENT).toMatch(/^l2msg\/\d+\.\d+\.\d+/);
  });
});

describe("routeEvent", () => {
  const global = (over: Partial<GlobalWebhookConfig> = {}): GlobalWebhookConfig => ({
    enabled: true, url: "https://g/hook", byEvents: false, secret: undefined, events: new Set(["MESSAGES_UPSERT"]), ...over,
  });

  it.each([
    ["enabled, all events", { enabled: true, events: [] }, global({ enabled: false }), ["instance"]],
    ["enabled, subscribed", { enabled: true, events: ["MESSAGES_UPSERT"] }, global({ enabled: false }), ["instance"]],
    ["enabled, other events", { enabled: true, events: ["CALL"] }, global({ enabled: false }), []],
    ["disabled", { enabled: false, events: [] }, global({ enabled: false }), []],
    ["no webhook, global subscribed", undefined, global(), ["global"]],
    ["both", { enabled: true, events: [] }, global(), ["instance", "global"]],
    ["global not subscribed", undefined, global({ events: new Set(["CALL"]) }), []],
    ["global without url", undefined, global({ url: undefined }), []],
  ] as const)("%s", (_label, webhook, g, expected) => {
    expect(routeEvent("messages.upsert", webhook ? { ...webhook, events: [...webhook.events] } : undefined, g)).toEqual(expected);
  });

  it("accepts subscription aliases", () => {
    expect(isSubscribed(["GROUP_UPDATE"], "groups.update")).toBe(true);
    expect(isSubscribed(["new_jwt_token"], "new.jwt")).toBe(true);
    expect(isSubscribed(["CALL"], "new.jwt")).toBe(false);
  });
});
