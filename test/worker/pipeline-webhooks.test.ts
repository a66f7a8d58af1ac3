// Several webhooks per instance through the pipeline: each subscribed webhook gets its own
// delivery, signed with its own secret and carrying its own headers; a 410 disables only that one.
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../worker/storage/db.ts";
import { webhooks, type WebhookRow } from "../../worker/storage/schema.ts";
import { loadWebhookRow } from "../../worker/storage/webhooks.ts";
import { consume, deliveryRow, deps, fakeReceiver, ingestOne, seedInstance, type SeededInstance } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

/** Adds a webhook `id` to a seeded instance, straight into D1. */
export async function seedWebhook(instance: SeededInstance, id: string, fields: Partial<WebhookRow> = {}): Promise<WebhookRow> {
  const row: WebhookRow = { ...instance.webhook!, id, url: `https://receiver.example/${instance.name}/${id}`, secret: `whsec_${btoa(`secret-of-${id}-0123456789`)}`, ...fields };
  await getDb(env.DB).insert(webhooks).values(row);
  return row;
}

describe("several webhooks per instance", () => {
  it("delivers an event to every subscribed webhook, each with its own secret and headers", async () => {
    const instance = await seedInstance();
    const second = await seedWebhook(instance, "wh_second", { headers: { "X-Which": "second" } });
    await seedWebhook(instance, "wh_calls", { events: ["CALL"] });
    await seedWebhook(instance, "wh_off", { enabled: false });
    const { e, ids } = await ingestOne(instance.name);
    expect(ids).toHaveLength(2);
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(e, ids, deps(receiver.fetch).consumerDeps);
    const byUrl = new Map(receiver.received.map((r) => [r.url, r]));
    expect([...byUrl.keys()].sort()).toEqual([instance.webhook!.url, second.url].sort());
    const toSecond = byUrl.get(second.url)!;
    expect(toSecond.headers["x-which"]).toBe("second");
    expect(new Webhook(second.secret).verify(toSecond.body, toSecond.headers)).toBeTruthy();
    expect(() => new Webhook(instance.webhook!.secret).verify(toSecond.body, toSecond.headers)).toThrow();
    const rows = await Promise.all(ids.map((id) => deliveryRow(id)));
    expect(rows.map((r) => r?.webhookId).sort()).toEqual(["default", "wh_second"]);
  });

  it("a 410 disables only the webhook that answered it", async () => {
    const instance = await seedInstance();
    const second = await seedWebhook(instance, "wh_gone");
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver((req) => new Response("", { status: req.url === second.url ? 410 : 200 }));
    await consume(e, ids, deps(receiver.fetch).consumerDeps);
    expect((await loadWebhookRow(env.DB, instance.id, "wh_gone"))).toMatchObject({ enabled: false, disabledReason: "410 Gone" });
    expect((await loadWebhookRow(env.DB, instance.id))?.enabled).toBe(true);
  });
});
