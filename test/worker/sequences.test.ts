// Sequences: every stored event of an instance gets the next integer of its stream, in the
// connector's order, without gaps even when ingests of one instance run concurrently; deliveries
// carry it (body `sequence`, header `x-l2msg-sequence`); GET /events/{instance}?after= replays.
import { env } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import { app, consume, deps, fakeReceiver, GLOBAL_KEY, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

async function sequencesOf(instanceId: string): Promise<Array<{ sequence: number; text: string }>> {
  const { results } = await env.DB.prepare(
    "SELECT sequence, json_extract(data, '$.message.conversation') AS text FROM webhook_events WHERE instance_id = ? ORDER BY sequence",
  ).bind(instanceId).all<{ sequence: number; text: string }>();
  return results;
}

async function events(e: ReturnType<typeof testEnv>, name: string, query = "", key = GLOBAL_KEY) {
  const res = await app.request(`/events/${name}${query}`, { headers: { apikey: key } }, e);
  return { status: res.status, json: (await res.json()) as any };
}

describe("sequences", () => {
  it("number an instance's events 1, 2, 3… in the connector's order, per instance, across batches", async () => {
    const a = await seedInstance();
    const b = await seedInstance();
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [upsertEvent(a.name, "a1"), upsertEvent(b.name, "b1"), upsertEvent(a.name, "a2")] });
    await ingest(e, { connector: "c1", events: [upsertEvent(a.name, "a3")] });
    expect(await sequencesOf(a.id)).toEqual([{ sequence: 1, text: "a1" }, { sequence: 2, text: "a2" }, { sequence: 3, text: "a3" }]);
    expect(await sequencesOf(b.id)).toEqual([{ sequence: 1, text: "b1" }]);
  });

  it("have no gaps or duplicates when ingests of one instance run at the same time", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const batches = Array.from({ length: 6 }, (_, i) => [0, 1, 2].map((j) => upsertEvent(instance.name, `${i}-${j}`)));
    const answers = await Promise.all(batches.map((events, i) => ingest(e, { connector: `c${i}`, events })));
    expect(answers.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const rows = await sequencesOf(instance.id);
    expect(rows.map((r) => r.sequence)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    // Each batch's events are consecutive and in the connector's order.
    for (let i = 0; i < 6; i++) {
      const seqs = rows.filter((r) => r.text.startsWith(`${i}-`)).map((r) => r.sequence);
      expect(seqs[1]! - seqs[0]!).toBe(1);
      expect(seqs[2]! - seqs[1]!).toBe(1);
    }
  });

  it("an event too large to share the grouped insert gets its place in the order too", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const large = "x".repeat(950_000); // over MAX_JSON_PARAM_CHARS: inserted on its own, numbered by an UPDATE
    const res = await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "s1"), upsertEvent(instance.name, large), upsertEvent(instance.name, "s3")] });
    expect(res.status).toBe(200);
    expect((await sequencesOf(instance.id)).map((r) => [r.sequence, r.text.length])).toEqual([[1, 2], [2, 950_000], [3, 2]]);
  });

  it("a redelivered duplicate batch gets no new sequences", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const batch = { connector: "c1", events: [upsertEvent(instance.name, "once")] };
    await ingest(e, batch);
    await ingest(e, batch);
    expect(await sequencesOf(instance.id)).toEqual([{ sequence: 1, text: "once" }]);
  });

  it("deliveries carry the sequence in the body and the x-l2msg-sequence header", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "first"), upsertEvent(instance.name, "second")] });
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(e, e.DELIVERY_QUEUE.sent, deps(receiver.fetch).consumerDeps);
    const seen = receiver.received.map((r) => [JSON.parse(r.body).data.message.conversation, JSON.parse(r.body).sequence, r.headers["x-l2msg-sequence"]]);
    expect(seen.sort()).toEqual([["first", 1, "1"], ["second", 2, "2"]]);
  });
});

describe("GET /events/{instance}", () => {
  it("returns exactly the events after N, in order, in the webhook body shape, with next", async () => {
    const instance = await seedInstance();
    const e = testEnv({ SERVER_URL: "https://api.l2msg.test" });
    await ingest(e, { connector: "c1", events: ["m1", "m2", "m3", "m4", "m5"].map((t) => upsertEvent(instance.name, t)) });
    const page = await events(e, instance.name, "?after=2&limit=2", instance.token);
    expect(page.status).toBe(200);
    expect(page.json.events.map((ev: any) => [ev.sequence, ev.data.message.conversation])).toEqual([[3, "m3"], [4, "m4"]]);
    expect(page.json.events[0]).toEqual({
      event: "messages.upsert", instance: instance.name, data: expect.objectContaining({ key: expect.any(Object) }),
      date_time: expect.any(String), sender: "15551234567@s.whatsapp.net", server_url: "https://api.l2msg.test", sequence: 3,
    });
    expect(page.json.next).toBe(4);
    const rest = await events(e, instance.name, `?after=${page.json.next}`);
    expect(rest.json.events.map((ev: any) => ev.sequence)).toEqual([5]);
    expect(rest.json.next).toBe(5);
    expect((await events(e, instance.name, "?after=5")).json).toEqual({ events: [], next: 5 });
    expect((await events(e, instance.name)).json.events).toHaveLength(5);
  });

  it.each([["?after=-1", '"after"'], ["?after=x", '"after"'], ["?limit=0", '"limit"'], ["?limit=501", '"limit"']])("400 for %s", async (query, field) => {
    const instance = await seedInstance();
    const res = await events(testEnv(), instance.name, query);
    expect(res.status).toBe(400);
    expect(res.json.response.message[0]).toContain(field);
  });
});
