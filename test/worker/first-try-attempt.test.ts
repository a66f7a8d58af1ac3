// A first-try success writes no attempt row (issue 15: fewer rows per event); the delivery log
// still shows it as attempt 1, from the delivery row: status code, when the call ended, latency,
// the webhook's URL. A retried delivery shows its real attempt rows.
import { describe, expect, it } from "vitest";
import { app, attemptRows, consume, deps, fakeReceiver, GLOBAL_KEY, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

async function detail(e: ReturnType<typeof testEnv>, instance: string, id: string) {
  const res = await app.request(`/deliveries/${instance}/${id}`, { headers: { apikey: GLOBAL_KEY } }, e);
  expect(res.status).toBe(200);
  return (await res.json()) as { attemptCount: number; completedAt: string; attempts: Record<string, unknown>[] };
}

describe("a first-try success in the delivery log", () => {
  it("is attempt 1 derived from the delivery row, with no attempt row stored", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "first")] });
    const [id] = e.DELIVERY_QUEUE.sent as [string];
    const start = Date.now();
    const { clock, consumerDeps } = deps(async () => new Response("ok"), start);
    consumerDeps.fetch = fakeReceiver(() => {
      clock.now += 42;
      return new Response("ok", { status: 202 });
    }).fetch;
    await consume(e, [id], consumerDeps);
    expect(await attemptRows(id)).toEqual([]);
    const view = await detail(e, instance.name, id);
    expect(view.attempts).toEqual([{
      attempt: 1, at: new Date(start).toISOString(), url: `https://receiver.example/${instance.name}`, statusCode: 202,
      latencyMs: 42, outcome: "succeeded", error: null, responseBody: null,
    }]);
    expect(view.completedAt).toBe(new Date(start + 42).toISOString());
  });

  it("a retried delivery lists its stored attempts only", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "second")] });
    const [id] = e.DELIVERY_QUEUE.sent as [string];
    const start = Date.now();
    let calls = 0;
    const receiver = fakeReceiver(() => new Response(calls++ === 0 ? "busy" : "ok", { status: calls === 1 ? 503 : 200 }));
    const { clock, consumerDeps } = deps(receiver.fetch, start);
    await consume(e, [id], consumerDeps);
    clock.now += 10_000;
    await consume(e, [id], consumerDeps);
    const view = await detail(e, instance.name, id);
    expect(view.attempts.map((a) => [a.attempt, a.statusCode, a.outcome])).toEqual([[1, 503, "retry"], [2, 200, "succeeded"]]);
    expect(await attemptRows(id)).toHaveLength(2);
  });
});
