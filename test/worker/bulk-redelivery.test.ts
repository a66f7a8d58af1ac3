// Bulk redelivery: POST /deliveries/{instance}/redeliver puts matching succeeded / failed
// deliveries back to pending (same ids) and enqueues them; filters by status, event, webhook
// and time; pending deliveries and (for an instance token) the global webhook's are never touched.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getDb } from "../../worker/storage/db.ts";
import { webhooks } from "../../worker/storage/schema.ts";
import { app, consume, deliveriesOf, deps, fakeReceiver, GLOBAL_KEY, GLOBAL_VARS, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

async function redeliver(e: ReturnType<typeof testEnv>, name: string, body: unknown, key = GLOBAL_KEY) {
  const res = await app.request(`/deliveries/${name}/redeliver`, { method: "POST", headers: { apikey: key, "content-type": "application/json" }, body: JSON.stringify(body) }, e);
  return { status: res.status, json: (await res.json()) as any };
}

/** Two webhooks (default answers 200, wh_b 400) and the global one (400): 3 messages → 3 succeeded, 6 failed. */
async function settledInstance() {
  const instance = await seedInstance();
  await getDb(env.DB).insert(webhooks).values({ ...instance.webhook!, id: "wh_b", url: "https://receiver.example/b" });
  const e = testEnv(GLOBAL_VARS);
  await ingest(e, { connector: "c1", events: ["a", "b", "c"].map((t) => upsertEvent(instance.name, t)) });
  const receiver = fakeReceiver((req) => new Response("", { status: req.url.endsWith(instance.name) ? 200 : 400 }));
  await consume(e, e.DELIVERY_QUEUE.sent, deps(receiver.fetch).consumerDeps);
  e.DELIVERY_QUEUE.sent.length = 0;
  return { instance, e };
}

describe("POST /deliveries/{instance}/redeliver", () => {
  it("requeues the failed deliveries of one webhook with the same ids", async () => {
    const { instance, e } = await settledInstance();
    const res = await redeliver(e, instance.name, { status: "failed", webhookId: "wh_b" });
    expect(res).toEqual({ status: 202, json: { queued: 3 } });
    const rows = await deliveriesOf(instance.name);
    const b = rows.filter((r) => r.webhookId === "wh_b");
    expect(b.map((r) => [r.status, r.attempts])).toEqual([["pending", 0], ["pending", 0], ["pending", 0]]);
    expect(e.DELIVERY_QUEUE.sent.sort()).toEqual(b.map((r) => r.id).sort());
    expect(rows.filter((r) => r.target === "global").every((r) => r.status === "failed")).toBe(true);
    // Now pending: asking again matches nothing.
    expect((await redeliver(e, instance.name, { webhookId: "wh_b" })).json).toEqual({ queued: 0 });
  });

  it("with an instance token, never touches the global webhook's deliveries", async () => {
    const { instance, e } = await settledInstance();
    expect((await redeliver(e, instance.name, { status: "failed" }, instance.token)).json).toEqual({ queued: 3 });
    expect((await redeliver(e, instance.name, { status: "failed" })).json).toEqual({ queued: 3 });
  });

  it("filters by status, event and time", async () => {
    const { instance, e } = await settledInstance();
    expect((await redeliver(e, instance.name, { status: "succeeded", event: "CALL" })).json).toEqual({ queued: 0 });
    expect((await redeliver(e, instance.name, { until: "2000-01-01T00:00:00Z" })).json).toEqual({ queued: 0 });
    expect((await redeliver(e, instance.name, { status: "succeeded", event: "messages.upsert", since: Date.now() - 60_000 })).json).toEqual({ queued: 3 });
  });

  it.each([
    [{ status: "pending" }, 'Invalid "status" property: must be "failed" or "succeeded"'],
    [{ event: "NOPE" }, expect.stringContaining('Invalid "event" property: must be an event')],
    [{ since: "yesterday" }, 'Invalid "since" property: must be an ISO-8601 date or ms since epoch'],
  ])("400 for %j", async (body, message) => {
    const instance = await seedInstance();
    const res = await redeliver(testEnv(), instance.name, body);
    expect(res.status).toBe(400);
    expect(res.json.response.message).toEqual([message]);
  });
});
