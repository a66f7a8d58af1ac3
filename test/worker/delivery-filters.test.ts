// Filters per webhook (groups / fromMe: include | exclude | only) on message events: the pure
// message reference and filter rule, then the routing of a group message and an own message.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { messageRef, passesFilters, type MessageRef } from "../../worker/delivery/message-ref.ts";
import { routeToTargets } from "../../worker/delivery/route.ts";
import type { GlobalWebhookConfig } from "../../worker/env.ts";
import { getDb } from "../../worker/storage/db.ts";
import { webhooks } from "../../worker/storage/schema.ts";
import { consume, deliveriesOf, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

const PERSON = "15557654321@s.whatsapp.net";
const GROUP = "120363001234567890@g.us";

describe("messageRef", () => {
  it.each([
    ["upsert", "messages.upsert", { key: { remoteJid: PERSON, fromMe: true, id: "A1" } }, { remoteJid: PERSON, fromMe: true, messageId: "A1" }],
    ["send.message", "send.message", { key: { remoteJid: GROUP, fromMe: true, id: "B2" } }, { remoteJid: GROUP, fromMe: true, messageId: "B2" }],
    ["receipt (short key)", "messages.update", { remoteJid: PERSON, fromMe: false, id: "C3", status: "READ" }, { remoteJid: PERSON, fromMe: false, messageId: "C3" }],
    ["delete", "messages.delete", { remoteJid: GROUP, fromMe: false, id: "D4" }, { remoteJid: GROUP, fromMe: false, messageId: "D4" }],
    ["delete of a whole chat", "messages.delete", { remoteJid: PERSON, all: true }, { remoteJid: PERSON, fromMe: false, messageId: undefined }],
    ["not a message event", "contacts.upsert", { remoteJid: PERSON }, undefined],
    ["no chat", "messages.upsert", { key: { id: "E5" } }, undefined],
    ["not an object", "messages.upsert", null, undefined],
  ] as const)("%s", (_label, event, data, expected) => {
    expect(messageRef(event, data)).toEqual(expected);
  });
});

describe("passesFilters", () => {
  const ref = (remoteJid: string, fromMe: boolean): MessageRef => ({ remoteJid, fromMe, messageId: "X" });
  it.each([
    [{}, ref(GROUP, true), true],
    [{ groups: "include" }, ref(GROUP, false), true],
    [{ groups: "exclude" }, ref(GROUP, false), false],
    [{ groups: "exclude" }, ref(PERSON, false), true],
    [{ groups: "only" }, ref(PERSON, false), false],
    [{ groups: "only" }, ref(GROUP, false), true],
    [{ fromMe: "exclude" }, ref(PERSON, true), false],
    [{ fromMe: "exclude" }, ref(PERSON, false), true],
    [{ fromMe: "only" }, ref(PERSON, false), false],
    [{ fromMe: "only", groups: "only" }, ref(GROUP, true), true],
    [{ fromMe: "only", groups: "only" }, ref(PERSON, true), false],
    [{ groups: "only" }, undefined, true],
  ] as const)("%j on %j → %s", (filters, r, expected) => {
    expect(passesFilters(filters, r)).toBe(expected);
  });

  it("the global webhook has no filters", () => {
    const global: GlobalWebhookConfig = { enabled: true, url: "https://g/hook", byEvents: false, secret: undefined, events: new Set(["MESSAGES_UPSERT"]) };
    const targets = routeToTargets("messages.upsert", [{ id: "default", enabled: true, events: [], filters: { groups: "exclude" } }], global, { remoteJid: GROUP, fromMe: false, messageId: "1" });
    expect(targets).toEqual([{ target: "global", webhookId: null, orderKey: null }]);
  });
});

describe("filters in the pipeline", () => {
  it("a webhook that excludes groups gets the 1:1 message only; one that takes only own messages gets neither", async () => {
    const instance = await seedInstance({ filters: { groups: "exclude" } });
    await getDb(env.DB).insert(webhooks).values({ ...instance.webhook!, id: "wh_mine", url: "https://receiver.example/mine", filters: { fromMe: "only" } });
    const e = testEnv();
    const direct = upsertEvent(instance.name, "direct");
    const group = upsertEvent(instance.name, "group");
    (group.payload as { messages: Array<{ key: { remoteJid: string; participant?: string } }> }).messages[0]!.key.remoteJid = GROUP;
    expect((await ingest(e, { connector: "c1", events: [direct, group] })).status).toBe(200);
    const rows = await deliveriesOf(instance.name);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ webhookId: "default" });
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(e, rows.map((r) => r.id), deps(receiver.fetch).consumerDeps);
    expect(JSON.parse(receiver.received[0]!.body).data.message).toEqual({ conversation: "direct" });
  });
});
