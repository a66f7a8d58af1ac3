// Delivery log API (search, detail with attempts, redeliver), webhook secret read + rotation,
// the OpenAPI document, and cleanup when an instance is deleted.
import { env } from "cloudflare:test";
import { Webhook } from "standardwebhooks";
import { describe, expect, it } from "vitest";
import { deleteInstance } from "../../worker/storage/instances.ts";
import {
  GLOBAL_KEY, GLOBAL_VARS, app, attemptRows, consume, deliveriesOf, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent,
  type SeededInstance,
} from "./helpers/pipeline.ts";

type Env = ReturnType<typeof testEnv>;

async function api(e: Env, method: string, path: string, key: string = GLOBAL_KEY) {
  const res = await app.request(path, { method, headers: { apikey: key } }, e);
  return { status: res.status, body: (await res.json()) as any };
}

/** An instance with one succeeded instance delivery, one failed (404) global delivery and one pending. */
async function instanceWithHistory(): Promise<{ instance: SeededInstance; e: Env; ids: string[] }> {
  const instance = await seedInstance();
  const e = testEnv(GLOBAL_VARS);
  await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "first")] });
  const receiver = fakeReceiver((req) => new Response(null, { status: req.url.includes("global") ? 404 : 204 }));
  await consume(e, [...e.DELIVERY_QUEUE.sent], deps(receiver.fetch).consumerDeps);
  await ingest(e, { connector: "c1", events: [{ ...upsertEvent(instance.name, "second"), type: "messages.upsert" }] });
  const ids = (await deliveriesOf(instance.name)).map((r) => r.id);
  return { instance, e, ids };
}

describe("GET /deliveries/{instance}", () => {
  it("the global key sees instance and global deliveries, newest first; an instance token only its own", async () => {
    const { instance, e } = await instanceWithHistory();
    const all = await api(e, "GET", `/deliveries/${instance.name}`);
    expect(all.status).toBe(200);
    expect(all.body.deliveries).toHaveLength(4);
    const ids = all.body.deliveries.map((d: { id: string }) => d.id);
    expect(ids).toEqual([...ids].sort().reverse());
    expect(all.body.nextCursor).toBeNull();
    const own = await api(e, "GET", `/deliveries/${instance.name}`, instance.token);
    expect(own.body.deliveries.map((d: { target: string }) => d.target)).toEqual(["instance", "instance"]);
  });

  it.each([
    ["status=failed", [["global", "failed"]]],
    ["status=succeeded", [["instance", "succeeded"]]],
    ["status=pending&event=MESSAGES_UPSERT", [["global", "pending"], ["instance", "pending"]]],
    ["event=call", []],
    ["since=2999-01-01T00:00:00Z", []],
  ])("filters with %s", async (query, expected) => {
    const { instance, e } = await instanceWithHistory();
    const res = await api(e, "GET", `/deliveries/${instance.name}?${query}`);
    expect(res.status).toBe(200);
    const got = res.body.deliveries.map((d: { target: string; status: string }) => [d.target, d.status]);
    expect(got.sort()).toEqual(expected.sort());
  });

  it("pages with limit and cursor", async () => {
    const { instance, e } = await instanceWithHistory();
    const first = await api(e, "GET", `/deliveries/${instance.name}?limit=3`);
    expect(first.body.deliveries).toHaveLength(3);
    expect(first.body.nextCursor).toBe(first.body.deliveries[2].id);
    const second = await api(e, "GET", `/deliveries/${instance.name}?limit=3&cursor=${first.body.nextCursor}`);
    expect(second.body.deliveries).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
  });

  it.each([
    ["limit=0", /limit/],
    ["limit=101", /limit/],
    ["event=NOPE", /event/],
    ["status=done", /status/],
    ["since=yesterday", /since/],
    ["cursor=abc", /cursor/],
  ])("400 for %s", async (query, pattern) => {
    const instance = await seedInstance();
    const res = await api(testEnv(), "GET", `/deliveries/${instance.name}?${query}`);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body.response.message)).toMatch(pattern);
  });

  it("401 for another instance's token and no key; 404 for an unknown instance after auth", async () => {
    const instance = await seedInstance();
    const other = await seedInstance();
    expect((await api(testEnv(), "GET", `/deliveries/${instance.name}`, other.token)).status).toBe(401);
    expect((await api(testEnv(), "GET", `/deliveries/${instance.name}`, "")).status).toBe(401);
    expect((await api(testEnv(), "GET", "/deliveries/nobody-here")).body).toEqual({
      status: 404, error: "Not Found", response: { message: ['The "nobody-here" instance does not exist'] },
    });
  });
});

describe("GET /deliveries/{instance}/{deliveryId} and redeliver", () => {
  it("shows a delivery with every attempt", async () => {
    const { instance, e } = await instanceWithHistory();
    const list = await api(e, "GET", `/deliveries/${instance.name}?status=failed`);
    const failed = list.body.deliveries[0];
    const detail = await api(e, "GET", `/deliveries/${instance.name}/${failed.id}`);
    expect(detail.status).toBe(200);
    expect(detail.body).toMatchObject({
      id: failed.id, target: "global", event: "messages.upsert", status: "failed", attemptCount: 1, lastStatusCode: 404, nextAttemptAt: null,
      attempts: [{ attempt: 1, url: "https://global.example/hook", statusCode: 404, outcome: "failed", error: "HTTP 404 (not retryable)" }],
    });
    expect(typeof detail.body.attempts[0].latencyMs).toBe("number");
    // An instance token cannot read the global webhook's deliveries.
    expect((await api(e, "GET", `/deliveries/${instance.name}/${failed.id}`, instance.token)).status).toBe(404);
    expect((await api(e, "GET", `/deliveries/${instance.name}/msg_nope`)).status).toBe(404);
  });

  it("redelivers a failed delivery with the same webhook-id; a pending one is a 409", async () => {
    const { instance, e, ids } = await instanceWithHistory();
    const rows = await deliveriesOf(instance.name);
    const failed = rows.find((r) => r.status === "failed")!;
    const pending = rows.find((r) => r.status === "pending")!;
    const redeliverEnv = testEnv(GLOBAL_VARS);
    const res = await api(redeliverEnv, "POST", `/deliveries/${instance.name}/${failed.id}/redeliver`);
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: failed.id, status: "pending", attemptCount: 0 });
    expect(redeliverEnv.DELIVERY_QUEUE.sent).toEqual([failed.id]);
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(redeliverEnv, [failed.id], deps(receiver.fetch).consumerDeps);
    expect(receiver.received.map((r) => r.headers["webhook-id"])).toEqual([failed.id]);
    expect((await attemptRows(failed.id)).map((a) => a.outcome)).toEqual(["failed", "succeeded"]);
    const conflict = await api(e, "POST", `/deliveries/${instance.name}/${pending.id}/redeliver`);
    expect(conflict.status).toBe(409);
    expect(conflict.body.error).toBe("Conflict");
    expect(ids).toContain(pending.id);
  });
});

describe("webhook secret", () => {
  it("returns the secret to the global key and the instance token", async () => {
    const instance = await seedInstance();
    for (const key of [GLOBAL_KEY, instance.token]) {
      const res = await api(testEnv(), "GET", `/webhook/secret/${instance.name}`, key);
      expect(res).toEqual({ status: 200, body: { secret: instance.webhook!.secret } });
    }
  });

  it("404 without a webhook, 401 for a wrong key", async () => {
    const bare = await seedInstance(null);
    expect((await api(testEnv(), "GET", `/webhook/secret/${bare.name}`)).status).toBe(404);
    expect((await api(testEnv(), "POST", `/webhook/secret/${bare.name}/rotate`)).status).toBe(404);
    expect((await api(testEnv(), "GET", `/webhook/secret/${bare.name}`, "wrong-key")).status).toBe(401);
  });

  it("rotation: new secret returned, deliveries verify with both old and new during the overlap", async () => {
    const instance = await seedInstance();
    const oldSecret = instance.webhook!.secret;
    const rotated = await api(testEnv(), "POST", `/webhook/secret/${instance.name}/rotate`, instance.token);
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).toMatch(/^whsec_/);
    expect(rotated.body.secret).not.toBe(oldSecret);
    expect(Date.parse(rotated.body.previousSecretExpiresAt) - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    expect((await api(testEnv(), "GET", `/webhook/secret/${instance.name}`)).body.secret).toBe(rotated.body.secret);

    const e = testEnv();
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name)] });
    const receiver = fakeReceiver(() => new Response("ok"));
    const { clock, consumerDeps } = deps(receiver.fetch);
    await consume(e, e.DELIVERY_QUEUE.sent, consumerDeps);
    const [req] = receiver.received;
    expect(new Webhook(rotated.body.secret).verify(req!.body, req!.headers)).toBeTruthy();
    expect(new Webhook(oldSecret).verify(req!.body, req!.headers)).toBeTruthy();

    // After the overlap only the new secret signs.
    const later = testEnv();
    await ingest(later, { connector: "c1", events: [upsertEvent(instance.name)] });
    clock.now = Date.parse(rotated.body.previousSecretExpiresAt) + 1000;
    await consume(later, later.DELIVERY_QUEUE.sent, consumerDeps);
    const after = receiver.received[1]!;
    expect(after.headers["webhook-signature"]?.split(" ")).toHaveLength(1);
    expect(() => new Webhook(oldSecret).verify(after.body, after.headers)).toThrow();
  });
});

describe("documentation and cleanup", () => {
  it("lists the pipeline routes in /openapi.json", async () => {
    const res = await app.request("/openapi.json", {}, testEnv());
    const doc = (await res.json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining([
      "/connector/v1/events", "/deliveries/{instance}", "/deliveries/{instance}/{deliveryId}",
      "/deliveries/{instance}/{deliveryId}/redeliver", "/webhook/secret/{instance}", "/webhook/secret/{instance}/rotate",
    ]));
  });

  it("deleting an instance removes its events, deliveries and attempts", async () => {
    const { instance } = await instanceWithHistory();
    const [one] = await deliveriesOf(instance.name);
    await deleteInstance(env.DB, instance.id);
    expect(await deliveriesOf(instance.name)).toEqual([]);
    expect(await attemptRows(one!.id)).toEqual([]);
  });
});
