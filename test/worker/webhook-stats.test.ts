// Endpoint health: GET /webhooks/{instance}/{id}/stats — deliveries by status, success rate and
// p50/p95 latency over the last hour and day, the failure streak, last error and disabledAt.
import { afterEach, describe, expect, it, vi } from "vitest";
import { app, consume, deps, fakeReceiver, GLOBAL_KEY, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

async function stats(e: ReturnType<typeof testEnv>, name: string, id: string, key = GLOBAL_KEY) {
  const res = await app.request(`/webhooks/${name}/${id}/stats`, { headers: { apikey: key } }, e);
  return { status: res.status, json: (await res.json()) as any };
}

describe("GET /webhooks/{instance}/{id}/stats", () => {
  it("reports counts, success rate, latency percentiles and the failure streak", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    await ingest(e, { connector: "c1", events: ["a", "b", "c", "d"].map((t) => upsertEvent(instance.name, t)) });
    const latencies: Record<string, number> = { a: 10, b: 20, c: 30, d: 400 };
    const { clock, consumerDeps } = deps(async () => new Response("ok"));
    const receiver = fakeReceiver((req) => {
      const text = JSON.parse(req.body).data.message.conversation as string;
      clock.now += latencies[text]!;
      return new Response(text === "d" ? "down" : "ok", { status: text === "d" ? 500 : 200 });
    });
    consumerDeps.fetch = receiver.fetch;
    // One at a time, so each call's latency is its own.
    for (const id of e.DELIVERY_QUEUE.sent.slice(0, 4)) await consume(e, [id], { ...consumerDeps });
    const res = await stats(e, instance.name, "default", instance.token);
    expect(res.status).toBe(200);
    const window = { deliveries: { pending: 1, succeeded: 3, failed: 0 }, attempts: 4, successRate: 0.75, latencyMs: { p50: 20, p95: 400 } };
    expect(res.json).toEqual({
      id: "default", enabled: true, lastHour: window, lastDay: window, consecutiveFailures: 1, failingSince: expect.any(String),
      lastSuccessAt: expect.any(String), lastError: "HTTP 500", disabledAt: null, disabledReason: null,
    });
  });

  it("answers empty windows for a webhook without traffic, and 404 for an unknown one", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const empty = { deliveries: { pending: 0, succeeded: 0, failed: 0 }, attempts: 0, successRate: null, latencyMs: { p50: null, p95: null } };
    expect((await stats(e, instance.name, "default")).json).toMatchObject({ lastHour: empty, lastDay: empty, consecutiveFailures: 0 });
    expect((await stats(e, instance.name, "wh_nope")).status).toBe(404);
  });
});
