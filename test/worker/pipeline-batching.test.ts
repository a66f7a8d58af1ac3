// Packed queue messages: one message carries many delivery ids; deliveries to try again come back
// in NEW follow-up messages (grouped, smallest delay) and the original is acked only after they
// were sent; a failed follow-up send retries the original, and nothing is sent twice.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DeliveryJob } from "../../worker/env.ts";
import { consumeDeadLetterBatch } from "../../worker/delivery/consumer.ts";
import { enqueueDeliveries } from "../../worker/delivery/enqueue.ts";
import { generateWebhookSecret } from "../../protocol/signing.ts";
import { getDb } from "../../worker/storage/db.ts";
import { webhooks } from "../../worker/storage/schema.ts";
import {
  GLOBAL_VARS, consumeMessages, deliveriesOf, deliveryRow, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent,
} from "./helpers/pipeline.ts";

const ok = () => new Response("ok", { status: 200 });

afterEach(() => vi.restoreAllMocks());

/** Ingests `count` events for an instance with the global webhook on: 2 × count deliveries. */
async function ingestMany(count: number, vars: Record<string, string> = {}) {
  const instance = await seedInstance();
  const e = testEnv({ ...GLOBAL_VARS, ...vars });
  const events = Array.from({ length: count }, (_, i) => upsertEvent(instance.name, `m${i}`));
  const res = await ingest(e, { connector: "c1", events });
  expect(res.status).toBe(200);
  return { instance, e };
}

// Expected values below are literals worked out by hand from the defaults (10 s request timeout,
// 4 deliveries at a time, 30 s lease margin, 5 s first retry doubling per attempt, 100 ids per
// message); the consumer deps pin random at 0.5, which makes the jitter factor exactly 1.
const asMessages = (sent: { deliveryIds: string[] }[]) => sent.map((m, i) => ({ id: `q-${i}`, body: { deliveryIds: m.deliveryIds } }));

describe("packed delivery messages", () => {
  it("ingest sends one message per chunk of up to 100 ids, and one batch delivers all of them", async () => {
    const { instance, e } = await ingestMany(60);
    // 60 events × 2 webhooks (the instance's and the global one) = 120 ids: a full message and 20.
    expect(e.DELIVERY_QUEUE.messages.map((m) => m.deliveryIds.length)).toEqual([100, 20]);
    const receiver = fakeReceiver(ok);
    const result = await consumeMessages(e, asMessages(e.DELIVERY_QUEUE.messages), deps(receiver.fetch).consumerDeps);
    expect(result.explicitAcks.sort()).toEqual(["q-0", "q-1"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.followUps).toEqual([]);
    expect(receiver.received).toHaveLength(120);
    expect(new Set(receiver.received.map((r) => r.headers["webhook-id"])).size).toBe(120);
    const rows = await deliveriesOf(instance.name);
    expect(rows.every((r) => r.status === "succeeded" && r.attempts === 1)).toBe(true);
  });

  it("a mixed batch: the failed ones, and only they, go out in a follow-up message with a delay; the originals are acked", async () => {
    const { instance, e } = await ingestMany(30);
    const receiver = fakeReceiver((req) => (req.url.startsWith("https://global.example") ? new Response(null, { status: 503 }) : ok()));
    const result = await consumeMessages(e, asMessages(e.DELIVERY_QUEUE.messages), deps(receiver.fetch).consumerDeps);
    const rows = await deliveriesOf(instance.name);
    const failedIds = rows.filter((r) => r.target === "global").map((r) => r.id).sort();
    expect(rows.filter((r) => r.target === "instance").every((r) => r.status === "succeeded")).toBe(true);
    expect(rows.filter((r) => r.target === "global").every((r) => r.status === "pending" && r.attempts === 1)).toBe(true);
    expect(result.explicitAcks).toEqual(["q-0"]);
    expect(result.retryMessages).toEqual([]);
    expect(result.followUps).toHaveLength(1);
    // First failed attempt: the 5 s initial delay (× jitter factor 1).
    expect(result.followUps[0]!.delaySeconds).toBe(5);
    expect([...result.followUps[0]!.deliveryIds].sort()).toEqual(failedIds);
  });

  it("a follow-up group is delayed by its smallest delay; later ones come back early and are re-deferred", async () => {
    const { instance, e } = await ingestMany(2);
    const receiver = fakeReceiver((req) => (req.url.startsWith("https://global.example")
      ? new Response(null, { status: 429, headers: { "retry-after": "300" } })
      : new Response(null, { status: 503 })));
    const { clock, consumerDeps } = deps(receiver.fetch);
    const first = await consumeMessages(e, asMessages(e.DELIVERY_QUEUE.messages), consumerDeps);
    expect(first.followUps).toHaveLength(1);
    expect(first.followUps[0]).toMatchObject({ delaySeconds: 5 });
    expect(first.followUps[0]!.deliveryIds).toHaveLength(4);
    clock.now += 5_000;
    const second = await consumeMessages(e, asMessages(first.followUps), consumerDeps);
    // The instance deliveries were due and tried again (second attempt: 5 s × 2 = 10 s); the global
    // ones (Retry-After 300 s) were not due, so not sent: 4 + 2 requests in all.
    expect(receiver.received).toHaveLength(6);
    expect(second.followUps.map((m) => m.delaySeconds)).toEqual([10]);
    const rows = await deliveriesOf(instance.name);
    expect(rows.map((r) => [r.target, r.attempts]).sort()).toEqual([["global", 1], ["global", 1], ["instance", 2], ["instance", 2]]);
  });

  it("when the follow-up send fails the original is retried after the lease, and nothing is sent twice", async () => {
    const { instance, e } = await ingestMany(30);
    let globalCalls = 0;
    const flaky = fakeReceiver((req, nth) => {
      if (!req.url.startsWith("https://global.example")) return ok();
      globalCalls += 1;
      return nth <= 30 ? new Response(null, { status: 503 }) : ok();
    });
    const { clock, consumerDeps } = deps(flaky.fetch);
    const messages = asMessages(e.DELIVERY_QUEUE.messages);
    e.DELIVERY_QUEUE.failNext = true;
    const first = await consumeMessages(e, messages, consumerDeps);
    expect(first.explicitAcks).toEqual([]);
    // 60 ids claimed, 6 at a time = 10 rounds × 10 s timeout + 30 s margin = a 130 s lease; the
    // original message comes back 1 s after it ends.
    expect(first.retryMessages).toEqual([{ msgId: "q-0", delaySeconds: 131 }]);
    expect(first.followUps).toEqual([]);
    expect(flaky.received).toHaveLength(60);
    // The queue redelivers the original 131 s later: the succeeded rows are skipped; the lease is
    // over, so the 30 pending global ones (their 5 s retry long due) are sent again.
    clock.now += 131_000;
    const again = await consumeMessages(e, messages, consumerDeps);
    expect(again.explicitAcks).toEqual(["q-0"]);
    expect(flaky.received).toHaveLength(60 + 30);
    expect(again.followUps).toEqual([]);
    const rows = await deliveriesOf(instance.name);
    expect(rows.every((r) => r.status === "succeeded")).toBe(true);
    expect(rows.filter((r) => r.target === "instance").every((r) => r.attempts === 1)).toBe(true);
    expect(rows.filter((r) => r.target === "global").every((r) => r.attempts === 2)).toBe(true);
    expect(globalCalls).toBe(60);
    const instanceCalls = flaky.received.filter((r) => !r.url.startsWith("https://global.example"));
    expect(new Set(instanceCalls.map((r) => r.headers["webhook-id"])).size).toBe(instanceCalls.length);
  });

  it("ids past the per-invocation cap are handed on unprocessed in a follow-up message", async () => {
    // 150 ids (75 events × 2 webhooks). 120 s timeout, one at a time: (14 min budget − 30 s margin) /
    // 120 s = 6.75, so 6 rounds of 1 = 6 ids, less than one message; the cap is then one message's
    // 100 ids, and the other 50 (the second message) are handed on.
    const { e } = await ingestMany(75, { WEBHOOK_REQUEST_TIMEOUT_MS: "120000", WEBHOOK_MAX_CONCURRENCY: "1" });
    const receiver = fakeReceiver(ok);
    const result = await consumeMessages(e, asMessages(e.DELIVERY_QUEUE.messages), deps(receiver.fetch).consumerDeps);
    expect(receiver.received).toHaveLength(100);
    expect(result.explicitAcks.sort()).toEqual(["q-0", "q-1"]);
    expect(result.followUps).toEqual([{ deliveryIds: e.DELIVERY_QUEUE.messages[1]!.deliveryIds, delaySeconds: undefined }]);
  });

  it("still accepts the old { deliveryId } message shape", async () => {
    const { e } = await ingestMany(1);
    const [a, b] = e.DELIVERY_QUEUE.sent;
    const receiver = fakeReceiver(ok);
    const result = await consumeMessages(e, [{ id: "old-a", body: { deliveryId: a } }, { id: "old-b", body: { deliveryId: b } }, { id: "junk", body: {} }],
      deps(receiver.fetch).consumerDeps);
    expect(result.explicitAcks.sort()).toEqual(["junk", "old-a", "old-b"]);
    expect(receiver.received).toHaveLength(2);
    expect(await deliveryRow(a!)).toMatchObject({ status: "succeeded" });
  });

  it("the DLQ consumer fails every id of every message", async () => {
    const { instance, e } = await ingestMany(60);
    const batch = createMessageBatch<DeliveryJob>("l2msg-deliveries-dlq", e.DELIVERY_QUEUE.messages.map((m, i) => ({
      id: `d${i}`, timestamp: new Date(), attempts: 1, body: { deliveryIds: m.deliveryIds },
    })));
    const ctx = createExecutionContext();
    await consumeDeadLetterBatch(batch, env, Date.now());
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const rows = await deliveriesOf(instance.name);
    expect(rows).toHaveLength(120);
    expect(rows.every((r) => r.status === "failed")).toBe(true);
  });

  it("enqueueDeliveries keeps every sendBatch under 100 messages and ~200 KB", async () => {
    const e = testEnv();
    const calls: number[] = [];
    const sendBatch = e.DELIVERY_QUEUE.sendBatch.bind(e.DELIVERY_QUEUE);
    e.DELIVERY_QUEUE.sendBatch = async (messages) => {
      const list = [...messages];
      calls.push(JSON.stringify(list.map((m) => m.body)).length);
      expect(list.length).toBeLessThanOrEqual(100);
      return sendBatch(list);
    };
    const ids = Array.from({ length: 12_000 }, (_, i) => `msg_${i.toString(16).padStart(28, "0")}`);
    expect(await enqueueDeliveries(e.DELIVERY_QUEUE, ids, 7)).toBe(12_000);
    expect(e.DELIVERY_QUEUE.sent).toEqual(ids);
    // 12,000 ids / 100 per message = 120 messages, more than the 100 one sendBatch may carry.
    expect(e.DELIVERY_QUEUE.messages).toHaveLength(120);
    expect(e.DELIVERY_QUEUE.messages.every((m) => m.deliveryIds.length === 100 && m.delaySeconds === 7)).toBe(true);
    expect(calls.length).toBeGreaterThan(1);
    expect(Math.max(...calls)).toBeLessThan(200_000);
  });
  it("one batch across instances and webhooks: each delivery goes to its own webhook, signed with its secret, with its instance's token", async () => {
    // The consumer reads each instance and webhook once per batch (not joined per delivery): a
    // mix-up between rows that share an id ("default") or an instance would show here.
    const a = await seedInstance();
    const b = await seedInstance();
    const now = Date.now();
    const second = { ...b.webhook!, id: "wh_second", url: `https://second.example/${b.name}`, secret: generateWebhookSecret(), createdAt: now, updatedAt: now };
    await getDb(env.DB).insert(webhooks).values(second);
    const e = testEnv({ AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: "true" });
    for (const instance of [a, b]) {
      const res = await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "one"), upsertEvent(instance.name, "two")] });
      expect(res.status).toBe(200);
    }
    const receiver = fakeReceiver(ok);
    // Every id of both ingests in one consumer batch: 2 events for a (1 webhook), 2 for b (2 webhooks).
    const result = await consumeMessages(e, asMessages(e.DELIVERY_QUEUE.messages), deps(receiver.fetch).consumerDeps);
    expect(result.followUps).toEqual([]);
    const expected = [
      { url: a.webhook!.url, instance: a, secret: a.webhook!.secret },
      { url: b.webhook!.url, instance: b, secret: b.webhook!.secret },
      { url: second.url, instance: b, secret: second.secret },
    ];
    expect(receiver.received).toHaveLength(6);
    for (const { url, instance, secret } of expected) {
      const requests = receiver.received.filter((r) => r.url === url);
      expect(requests).toHaveLength(2);
      for (const req of requests) {
        expect(JSON.parse(req.body)).toMatchObject({ instance: instance.name, apikey: instance.token });
        expect(new Webhook(secret).verify(req.body, req.headers)).toBeTruthy();
      }
    }
  });
});
