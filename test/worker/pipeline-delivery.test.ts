// Ingest → D1 → queue → consumer → fake receiver, end to end in workerd: the exact request,
// retries with a stable webhook-id, non-retryable codes, 410, independent targets.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { afterEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index.ts";
import type { DeliveryJob } from "../../worker/env.ts";
import { USER_AGENT } from "../../worker/delivery/request.ts";
import { loadWebhookRow } from "../../worker/storage/webhooks.ts";
import {
  GLOBAL_SECRET, GLOBAL_VARS, attemptRows, consume, deliveriesOf, deliveryRow, deps, fakeReceiver, ingestOne, seedInstance,
} from "./helpers/pipeline.ts";

const ok = () => new Response("ok", { status: 200 });

afterEach(() => vi.restoreAllMocks());

describe("a delivery", () => {
  it("POSTs the exact Evolution body with Standard Webhooks headers, verified independently", async () => {
    const instance = await seedInstance({ headers: { Authorization: "Bearer abc", "webhook-id": "forged" } });
    const { e, event, ids } = await ingestOne(instance.name, { SERVER_URL: "https://api.l2msg.test" });
    const receiver = fakeReceiver(ok);
    const { consumerDeps } = deps(receiver.fetch);
    const result = await consume(e, ids, consumerDeps);
    expect(result.explicitAcks).toEqual([`m-0-${ids[0]}`]);
    expect(receiver.received).toHaveLength(1);
    const [req] = receiver.received;
    const url = `https://receiver.example/${instance.name}`;
    expect(req?.url).toBe(url);
    const messages = (event.payload as { messages: Array<{ key: unknown }> }).messages;
    expect(JSON.parse(req!.body)).toEqual({
      event: "messages.upsert",
      instance: instance.name,
      data: {
        key: messages[0]!.key, pushName: "Alice", message: { conversation: "hello" }, messageType: "conversation",
        messageTimestamp: 1_732_460_000, owner: instance.name, source: expect.any(String),
      },
      destination: url,
      date_time: "2024-11-24T14:53:20.123Z",
      sender: "15551234567@s.whatsapp.net",
      server_url: "https://api.l2msg.test",
      // Issue 13: every delivery carries the event's place in the instance's stream.
      sequence: expect.any(Number),
    });
    expect(req!.headers).toMatchObject({
      "content-type": "application/json", "user-agent": USER_AGENT, authorization: "Bearer abc", "webhook-id": ids[0],
    });
    expect(new Webhook(instance.webhook!.secret).verify(req!.body, req!.headers)).toBeTruthy();
    expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "succeeded", attempts: 1, lastStatusCode: 200, lastError: null });
    // A first-try success is recorded on the delivery row only: no attempt row (docs/delivery.md#delivery-log).
    expect(await attemptRows(ids[0]!)).toEqual([]);
    expect(url).toBeTruthy();
  });

  it("sends the instance token as apikey only when AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true", async () => {
    const instance = await seedInstance();
    const exposed = await ingestOne(instance.name, { AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES: "true" });
    const hidden = await ingestOne(instance.name);
    const receiver = fakeReceiver(ok);
    await consume(exposed.e, exposed.ids, deps(receiver.fetch).consumerDeps);
    await consume(hidden.e, hidden.ids, deps(receiver.fetch).consumerDeps);
    const [withKey, withoutKey] = receiver.received.map((r) => JSON.parse(r.body));
    expect(withKey.apikey).toBe(instance.token);
    expect(withoutKey).not.toHaveProperty("apikey");
    expect(receiver.received.map((r) => r.body).join("")).not.toContain("test-global-api-key");
  });

  it("inserts the by-events path before the query string", async () => {
    const instance = await seedInstance({ url: "https://receiver.example/hook/?team=7", byEvents: true });
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver(ok);
    await consume(e, ids, deps(receiver.fetch).consumerDeps);
    expect(receiver.received[0]?.url).toBe("https://receiver.example/hook/messages-upsert?team=7");
  });

  it("a receiver failing 3 times then succeeding: one success, same webhook-id, 4 attempts recorded", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    const id = ids[0]!;
    const receiver = fakeReceiver((_req, nth) => (nth <= 3 ? new Response("busy", { status: 503 }) : ok()));
    const { clock, consumerDeps } = deps(receiver.fetch);
    const delays: number[] = [];
    for (let round = 0; round < 3; round++) {
      const result = await consume(e, [id], consumerDeps);
      expect(result.explicitAcks).toHaveLength(1);
      expect(result.followUps).toHaveLength(1);
      expect(result.followUps[0]!.deliveryIds).toEqual([id]);
      const delay = result.followUps[0]!.delaySeconds!;
      delays.push(delay);
      clock.now += delay * 1000;
    }
    expect(delays).toEqual([5, 10, 20]);
    const final = await consume(e, [id], consumerDeps);
    expect(final.explicitAcks).toHaveLength(1);
    expect(final.followUps).toEqual([]);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([id, id, id, id]);
    expect(await deliveryRow(id)).toMatchObject({ status: "succeeded", attempts: 4 });
    const attempts = await attemptRows(id);
    expect(attempts.map((a) => [a.attempt, a.statusCode, a.outcome])).toEqual([
      [1, 503, "retry"], [2, 503, "retry"], [3, 503, "retry"], [4, 200, "succeeded"],
    ]);
    expect(attempts[0]?.responseBody).toBe("busy");
    // A duplicate message for the finished delivery sends nothing.
    await consume(e, [id], consumerDeps);
    expect(receiver.received).toHaveLength(4);
  });

  it("a message that arrives before next_attempt_at is put back without sending", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver(() => new Response(null, { status: 500, headers: { "retry-after": "120" } }));
    const { consumerDeps } = deps(receiver.fetch);
    const first = await consume(e, ids, consumerDeps);
    expect(first.followUps[0]?.delaySeconds).toBe(120);
    const early = await consume(e, ids, consumerDeps);
    expect(early.followUps[0]?.delaySeconds).toBe(120);
    expect(early.explicitAcks).toHaveLength(1);
    expect(receiver.received).toHaveLength(1);
  });

  it("a Retry-After of 20 h is one queue hop (Queues take up to 24 h); a message that comes back early is deferred again", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver(() => new Response(null, { status: 429, headers: { "retry-after": "72000" } }));
    const { clock, consumerDeps } = deps(receiver.fetch);
    const first = await consume(e, ids, consumerDeps);
    expect(first.followUps[0]?.delaySeconds).toBe(72_000);
    clock.now += 43_200_000;
    const early = await consume(e, ids, consumerDeps);
    expect(early.followUps[0]?.delaySeconds).toBe(72_000 - 43_200);
    expect(receiver.received).toHaveLength(1);
  });

  it("a network error is recorded and retried", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    const { consumerDeps } = deps(async () => {
      throw new TypeError("connection refused");
    });
    const result = await consume(e, ids, consumerDeps);
    expect(result.followUps).toMatchObject([{ deliveryIds: ids }]);
    expect(await attemptRows(ids[0]!)).toMatchObject([{ statusCode: null, outcome: "retry", error: "network error: connection refused" }]);
    expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "pending", lastError: "network error: connection refused" });
  });

  it("404 is not retried: failed after one attempt", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver(() => new Response("no such hook", { status: 404 }));
    const result = await consume(e, ids, deps(receiver.fetch).consumerDeps);
    expect(result.explicitAcks).toHaveLength(1);
    expect(result.retryMessages).toEqual([]);
    expect(result.followUps).toEqual([]);
    expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "failed", attempts: 1, lastStatusCode: 404 });
  });

  it("410 fails the delivery and disables the instance webhook; later deliveries to it fail without a request", async () => {
    const instance = await seedInstance();
    const first = await ingestOne(instance.name, {}, "first");
    const second = await ingestOne(instance.name, {}, "second");
    const receiver = fakeReceiver(() => new Response("gone", { status: 410 }));
    await consume(first.e, first.ids, deps(receiver.fetch).consumerDeps);
    expect(await deliveryRow(first.ids[0]!)).toMatchObject({ status: "failed", lastError: "HTTP 410 Gone" });
    expect((await attemptRows(first.ids[0]!))[0]?.outcome).toBe("gone");
    expect((await loadWebhookRow(env.DB, instance.id))?.enabled).toBe(false);
    await consume(second.e, second.ids, deps(receiver.fetch).consumerDeps);
    expect(receiver.received).toHaveLength(1);
    expect(await deliveryRow(second.ids[0]!)).toMatchObject({ status: "failed", lastError: "the instance webhook is disabled" });
  });

  it("a URL refused by the SSRF guard at delivery time fails without a request", async () => {
    const instance = await seedInstance({ url: "http://127.0.0.1:9999/hook" });
    const { e, ids } = await ingestOne(instance.name);
    const receiver = fakeReceiver(ok);
    await consume(e, ids, deps(receiver.fetch).consumerDeps);
    expect(receiver.received).toEqual([]);
    expect((await deliveryRow(ids[0]!))?.lastError).toMatch(/^webhook URL refused/);
  });

  it("instance and global webhooks both receive; the failing one does not hold up the other", async () => {
    const instance = await seedInstance();
    const { e, ids } = await ingestOne(instance.name, GLOBAL_VARS);
    expect(ids).toHaveLength(2);
    const receiver = fakeReceiver((req) => (req.url.startsWith("https://global.example") ? new Response(null, { status: 500 }) : ok()));
    const result = await consume(e, ids, deps(receiver.fetch).consumerDeps);
    const rows = await deliveriesOf(instance.name);
    const byTarget = Object.fromEntries(rows.map((r) => [r.target, r]));
    expect(byTarget.instance).toMatchObject({ status: "succeeded" });
    expect(byTarget.global).toMatchObject({ status: "pending", attempts: 1, lastStatusCode: 500 });
    // Both messages are acked; only the failing target's delivery comes back, in its own follow-up message.
    expect(result.explicitAcks.sort()).toEqual(ids.map((id, i) => `m-${i}-${id}`).sort());
    expect(result.retryMessages).toEqual([]);
    expect(result.followUps).toEqual([{ deliveryIds: [byTarget.global!.id], delaySeconds: 5 }]);
    const globalReq = receiver.received.find((r) => r.url === "https://global.example/hook")!;
    expect(new Webhook(GLOBAL_SECRET).verify(globalReq.body, globalReq.headers)).toBeTruthy();
    expect(() => new Webhook(instance.webhook!.secret).verify(globalReq.body, globalReq.headers)).toThrow();
  });

  it("the Worker's queue handler delivers through the global fetch", async () => {
    const instance = await seedInstance();
    const { ids } = await ingestOne(instance.name);
    const spy = vi.spyOn(globalThis, "fetch").mockImplementation(async () => ok());
    const batch = createMessageBatch<DeliveryJob>("l2msg-deliveries", [{ id: "w1", timestamp: new Date(), attempts: 1, body: { deliveryIds: [ids[0]!] } }]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["w1"]);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(await deliveryRow(ids[0]!)).toMatchObject({ status: "succeeded" });
  });
});
