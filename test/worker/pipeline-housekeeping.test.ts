// Housekeeping around deliveries: the cron sweep of lost queue messages, the dead-letter queue,
// worker-originated events (emitWebhookEvents) and retention pruning.
import { createExecutionContext, createMessageBatch, createScheduledController, env, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index.ts";
import { loadConfig, type DeliveryJob } from "../../worker/env.ts";
import { consumeDeadLetterBatch } from "../../worker/delivery/consumer.ts";
import { emitWebhookEvents } from "../../worker/delivery/emit.ts";
import { runHousekeeping, sweepStuckDeliveries } from "../../worker/delivery/sweep.ts";
import { getDb } from "../../worker/storage/db.ts";
import { deliveries, instances } from "../../worker/storage/schema.ts";
import {
  attemptRows, consume, deliveriesOf, deliveryRow, deps, fakeReceiver, ingest, ingestOne, seedInstance, testEnv, upsertEvent,
} from "./helpers/pipeline.ts";

const ok = () => new Response("ok", { status: 200 });

describe("sweep and dead letters", () => {
  it("the sweep re-enqueues a pending delivery whose queue message was lost, and nothing finished", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    e.DELIVERY_QUEUE.failNext = true;
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name)] });
    const done = await ingestOne(instance.name);
    await consume(done.e, done.ids, deps(fakeReceiver(ok).fetch).consumerDeps);
    const [stuck] = (await deliveriesOf(instance.name)).filter((r) => r.status === "pending");
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);

    const sweepEnv = testEnv();
    expect(await sweepStuckDeliveries(sweepEnv, Date.now() + 60_000)).toBe(0);
    await sweepStuckDeliveries(sweepEnv, Date.now() + 3 * 60_000);
    expect(sweepEnv.DELIVERY_QUEUE.sent).toContain(stuck!.id);
    expect(sweepEnv.DELIVERY_QUEUE.sent).not.toContain(done.ids[0]);
    // Swept once: not again until another grace period has passed.
    const again = testEnv();
    await sweepStuckDeliveries(again, Date.now() + 4 * 60_000);
    expect(again.DELIVERY_QUEUE.sent).not.toContain(stuck!.id);

    const receiver = fakeReceiver(ok);
    await consume(sweepEnv, [stuck!.id], deps(receiver.fetch, Date.now() + 3 * 60_000).consumerDeps);
    expect(await deliveryRow(stuck!.id)).toMatchObject({ status: "succeeded" });
  });

  it("the scheduled handler runs the sweep", async () => {
    const instance = await seedInstance();
    const lost = testEnv();
    lost.DELIVERY_QUEUE.failNext = true;
    await ingest(lost, { connector: "c1", events: [upsertEvent(instance.name)] });
    const [stuck] = await deliveriesOf(instance.name);
    const cronEnv = testEnv();
    const ctx = createExecutionContext();
    // Housekeeping runs on the controller's clock: three minutes later, the delivery is past the 120 s grace.
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now() + 3 * 60_000, cron: "* * * * *" }), cronEnv, ctx);
    await waitOnExecutionContext(ctx);
    expect(cronEnv.DELIVERY_QUEUE.sent).toContain(stuck!.id);
  });

  it("the DLQ consumer marks its messages' deliveries failed and acks them", async () => {
    const instance = await seedInstance();
    const { ids } = await ingestOne(instance.name);
    const batch = createMessageBatch<DeliveryJob>("l2msg-deliveries-dlq", [{ id: "d1", timestamp: new Date(), attempts: 1, body: { deliveryIds: [ids[0]!] } }]);
    const ctx = createExecutionContext();
    await consumeDeadLetterBatch(batch, env, Date.now());
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "failed", lastError: expect.stringMatching(/dead-lettered/) });
  });
});

describe("worker-originated events and retention", () => {
  it("emitWebhookEvents stores and enqueues like ingest (NEW_TOKEN on its by-events path)", async () => {
    const instance = await seedInstance({ byEvents: true, url: "https://receiver.example/hooks" });
    const e = testEnv();
    const row = await getDb(env.DB).select().from(instances).where(eq(instances.id, instance.id)).get();
    await emitWebhookEvents(e, loadConfig(e), row!, [
      { event: "new.jwt", data: { jwt: "NEWTOKEN", instanceName: instance.name }, dateTime: "2026-05-01T12:00:00.000Z" },
    ], Date.now());
    expect(e.DELIVERY_QUEUE.sent).toHaveLength(1);
    const receiver = fakeReceiver(ok);
    await consume(e, e.DELIVERY_QUEUE.sent, deps(receiver.fetch).consumerDeps);
    expect(receiver.received[0]?.url).toBe("https://receiver.example/hooks/new-jwt");
    expect(JSON.parse(receiver.received[0]!.body)).toMatchObject({ event: "new.jwt", instance: instance.name, data: { jwt: "NEWTOKEN" } });
  });

  it("housekeeping prunes succeeded and failed deliveries past RETENTION_MAX_DAYS and keeps pending ones", async () => {
    const instance = await seedInstance();
    const good = await ingestOne(instance.name, {}, "good");
    const bad = await ingestOne(instance.name, {}, "bad");
    await ingestOne(instance.name, {}, "still pending");
    await consume(good.e, good.ids, deps(fakeReceiver(ok).fetch).consumerDeps);
    await consume(bad.e, bad.ids, deps(fakeReceiver(() => new Response(null, { status: 400 })).fetch).consumerDeps);
    const days = 2;
    const cron = testEnv({ RETENTION_MAX_DAYS: String(days) });
    await runHousekeeping(cron, Date.now() + days * 86_400_000 - 60_000);
    expect(await deliveriesOf(instance.name)).toHaveLength(3);
    await runHousekeeping(cron, Date.now() + days * 86_400_000 + 60_000);
    const left = await deliveriesOf(instance.name);
    expect(left.map((r) => r.status)).toEqual(["pending"]);
    expect(await attemptRows(bad.ids[0]!)).toEqual([]);
  });
});
