// Endpoint health and auto-disable: every recorded attempt updates the webhook's failure streak;
// a webhook failing without a single success for WEBHOOK_DISABLE_AFTER_HOURS is disabled by the
// cron, its pending deliveries fail, the global webhook gets `webhook.disabled`; setting it again
// re-enables it.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { runHousekeeping } from "../../worker/delivery/sweep.ts";
import { loadWebhookRow } from "../../worker/storage/webhooks.ts";
import { app, consume, deliveriesOf, deps, fakeReceiver, GLOBAL_KEY, GLOBAL_VARS, ingest, ingestOne, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

const HOUR = 3_600_000;

describe("endpoint health", () => {
  it("counts the failure streak since the last success and resets it on success", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    let answer = 500;
    const receiver = fakeReceiver(() => new Response("nope", { status: answer }));
    const { clock, consumerDeps } = deps(receiver.fetch);
    const start = clock.now;
    await consume(e, ids, consumerDeps);
    clock.now += 60_000;
    await consume(e, ids, consumerDeps);
    expect(await loadWebhookRow(env.DB, instance.id)).toMatchObject({
      consecutiveFailures: 2, failingSince: expect.any(Number), lastFailureAt: expect.any(Number), lastError: "HTTP 500", lastSuccessAt: null,
    });
    expect((await loadWebhookRow(env.DB, instance.id))!.failingSince).toBeGreaterThanOrEqual(start);
    answer = 200;
    clock.now += 60_000;
    await consume(e, ids, consumerDeps);
    expect(await loadWebhookRow(env.DB, instance.id)).toMatchObject({ consecutiveFailures: 0, failingSince: null, lastSuccessAt: expect.any(Number), lastError: "HTTP 500" });
  });
});

describe("auto-disable", () => {
  async function failingFor(hours: number) {
    const instance = await seedInstance();
    const now = Date.now();
    await env.DB.prepare("UPDATE webhooks SET failing_since = ?, last_failure_at = ?, consecutive_failures = 40, last_error = 'HTTP 503' WHERE instance_id = ?")
      .bind(now - hours * HOUR, now, instance.id).run();
    const e = testEnv({ ...GLOBAL_VARS, WEBHOOK_EVENTS_MESSAGES_UPSERT: "false", WEBHOOK_DISABLE_AFTER_HOURS: "1.5" });
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "waiting")] });
    return { instance, e, now };
  }

  it("disables a webhook failing for longer than WEBHOOK_DISABLE_AFTER_HOURS, fails its pending deliveries and tells the global webhook", async () => {
    const { instance, e, now } = await failingFor(2);
    const queuedBefore = e.DELIVERY_QUEUE.sent.length;
    await runHousekeeping(e, now);
    expect(await loadWebhookRow(env.DB, instance.id)).toMatchObject({ enabled: false, disabledAt: now, disabledReason: "no successful delivery for 1.5 hours" });
    const rows = await deliveriesOf(instance.name);
    expect(rows.filter((r) => r.target === "instance").map((r) => [r.status, r.lastError])).toEqual([["failed", "the instance webhook is disabled"]]);
    const notice = rows.filter((r) => r.event === "webhook.disabled");
    expect(notice.map((r) => [r.target, r.status])).toEqual([["global", "pending"]]);
    expect(e.DELIVERY_QUEUE.sent.slice(queuedBefore)).toEqual([notice[0]!.id]);
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(e, [notice[0]!.id], deps(receiver.fetch).consumerDeps);
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({
      event: "webhook.disabled", instance: instance.name,
      data: { instanceName: instance.name, webhookId: "default", url: instance.webhook!.url, reason: "no successful delivery for 1.5 hours", lastError: "HTTP 503" },
    });
  });

  it("leaves a webhook alone that has not failed that long", async () => {
    const { instance, e, now } = await failingFor(1);
    await runHousekeeping(e, now);
    expect((await loadWebhookRow(env.DB, instance.id))?.enabled).toBe(true);
  });

  it("setting the webhook again re-enables it and clears the streak", async () => {
    const { instance, e, now } = await failingFor(2);
    await runHousekeeping(e, now);
    const res = await app.request(`/webhook/set/${instance.name}`, {
      method: "POST", headers: { apikey: GLOBAL_KEY, "content-type": "application/json" }, body: JSON.stringify({ url: instance.webhook!.url }),
    }, e);
    expect(res.status).toBe(201);
    expect(await loadWebhookRow(env.DB, instance.id)).toMatchObject({ enabled: true, disabledAt: null, disabledReason: null, failingSince: null, consecutiveFailures: 0 });
    await runHousekeeping(e, now);
    expect((await loadWebhookRow(env.DB, instance.id))?.enabled).toBe(true);
  });
});
