// Signed ingest (docs/protocol.md#ingest-endpoint): auth, size and validation errors, idempotency, unknown instances,
// instance state, and durability when the queue send fails.
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { INGEST_PATH, MAX_BATCH_BYTES } from "../../protocol/envelope.ts";
import { rejectedIndexes } from "../../protocol/ingest-errors.ts";
import { connectorSignatureHeaders } from "../../protocol/signing.ts";
import { getDb } from "../../worker/storage/db.ts";
import { ingestedEvents, instances, webhookEvents } from "../../worker/storage/schema.ts";
import { CONNECTOR_SECRET, GLOBAL_VARS, app, deliveriesOf, ingest, seedInstance, testEnv, unique, upsertEvent } from "./helpers/pipeline.ts";

const unauthorizedBody = { status: 401, error: "Unauthorized", response: { message: "Unauthorized" } };

async function storedEventCount(instanceName: string) {
  const rows = await getDb(env.DB).select().from(webhookEvents).where(eq(webhookEvents.instanceName, instanceName));
  return rows.length;
}

async function wasIngested(eventId: string) {
  return (await getDb(env.DB).select().from(ingestedEvents).where(eq(ingestedEvents.id, eventId)).get()) !== undefined;
}

describe("ingest authentication", () => {
  it.each([
    // Timestamps are taken when the test runs, not when it is collected (seconds earlier under load).
    ["a wrong secret", () => ({ secret: "another-secret-0123456789abcdef" })],
    ["a stale timestamp (301 s old)", () => ({ now: Date.now() - 301_000 })],
    ["a timestamp from the future (301 s ahead)", () => ({ now: Date.now() + 301_000 })],
  ])("refuses %s with 401 and stores nothing", async (_label, optionsAt) => {
    const options: { secret?: string; now?: number } = optionsAt();
    const instance = await seedInstance();
    const event = upsertEvent(instance.name);
    const e = testEnv();
    const res = await ingest(e, { connector: "c1", events: [event] }, options);
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unauthorizedBody);
    expect(await wasIngested(event.id)).toBe(false);
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it("refuses a request without signature headers", async () => {
    const res = await app.request(INGEST_PATH, { method: "POST", body: "{}" }, testEnv());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unauthorizedBody);
  });

  it("refuses a body signed for different content", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const signedFor = JSON.stringify({ connector: "c1", events: [upsertEvent(instance.name)] });
    const headers = await connectorSignatureHeaders(CONNECTOR_SECRET, signedFor, Date.now());
    const tampered = signedFor.replace("hello", "HELLO");
    const res = await app.request(INGEST_PATH, { method: "POST", headers, body: tampered }, e);
    expect(res.status).toBe(401);
  });
});

describe("ingest validation", () => {
  it("answers 400 naming the malformed event and stores none of the batch", async () => {
    const instance = await seedInstance();
    const good = upsertEvent(instance.name);
    const bad = { ...upsertEvent(instance.name), id: "x".repeat(65) };
    const e = testEnv();
    const res = await ingest(e, { connector: "c1", events: [good, upsertEvent(instance.name), upsertEvent(instance.name), bad] });
    expect(res.status).toBe(400);
    const text = await res.text();
    const body = JSON.parse(text) as { status: number; error: string; response: { message: string[] }; rejected: unknown[] };
    expect(body.status).toBe(400);
    expect(body.error).toBe("Bad Request");
    expect(body.response.message).toEqual([expect.stringMatching(/^events\.3\.id: /)]);
    expect(body.rejected).toEqual([{ index: 3, path: "events.3.id", message: expect.any(String) }]);
    // The connector reads the events to quarantine from the same body with the shared parser.
    expect(rejectedIndexes(text)).toEqual([3]);
    expect(await wasIngested(good.id)).toBe(false);
    expect(await deliveriesOf(instance.name)).toEqual([]);
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it.each([
    ["not JSON", "{nope", /not valid JSON/],
    ["no events", JSON.stringify({ connector: "c1", events: [] }), /^events: /],
    ["a bad instance name", JSON.stringify({ connector: "c1", events: [{ ...upsertEvent("x"), instance: "bad name!" }] }), /^events\.0\.instance: /],
    ["no connector", JSON.stringify({ events: [upsertEvent("x")] }), /^connector: /],
  ])("answers 400 for %s", async (_label, raw, pattern) => {
    const res = await ingest(testEnv(), undefined, { raw });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { response: { message: string | string[] } };
    expect([body.response.message].flat().join("\n")).toMatch(pattern);
  });

  it("answers 413 for a body over 5 MiB", async () => {
    const raw = JSON.stringify({ connector: "c1", events: [{ ...upsertEvent("x"), payload: "y".repeat(MAX_BATCH_BYTES) }] });
    const res = await ingest(testEnv(), undefined, { raw });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ status: 413, error: "Payload Too Large" });
  });
});

describe("ingest storage", () => {
  it("stores events and deliveries, enqueues only delivery ids, and answers accepted/duplicates", async () => {
    const instance = await seedInstance();
    const events = [upsertEvent(instance.name, "one"), upsertEvent(instance.name, "two")];
    const e = testEnv();
    const res = await ingest(e, { connector: "c1", events });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    const rows = await deliveriesOf(instance.name);
    expect(rows).toHaveLength(2);
    expect(rows.every((r) => r.status === "pending" && r.target === "instance" && r.attempts === 0)).toBe(true);
    expect(e.DELIVERY_QUEUE.sent.sort()).toEqual(rows.map((r) => r.id).sort());
  });

  it("a replayed batch is all duplicates and creates no new deliveries", async () => {
    const instance = await seedInstance();
    const events = [upsertEvent(instance.name, "one"), upsertEvent(instance.name, "two")];
    const first = testEnv();
    await ingest(first, { connector: "c1", events });
    const replay = testEnv();
    const res = await ingest(replay, { connector: "c1", events: [...events, upsertEvent(instance.name, "three")] });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 2 });
    expect(await deliveriesOf(instance.name)).toHaveLength(3);
    expect(replay.DELIVERY_QUEUE.sent).toHaveLength(1);
  });

  it("an id repeated inside one batch counts once", async () => {
    const instance = await seedInstance();
    const event = upsertEvent(instance.name);
    const res = await ingest(testEnv(), { connector: "c1", events: [event, event] });
    expect(await res.json()).toEqual({ accepted: 1, duplicates: 1 });
    expect(await deliveriesOf(instance.name)).toHaveLength(1);
  });

  it("a batch larger than D1's 100 bound parameters per statement is stored whole", async () => {
    const instance = await seedInstance();
    const events = Array.from({ length: 120 }, (_, i) => upsertEvent(instance.name, `m${i}`));
    const res = await ingest(testEnv(), { connector: "c1", events });
    expect(await res.json()).toEqual({ accepted: 120, duplicates: 0 });
    expect(await deliveriesOf(instance.name)).toHaveLength(120);
  });

  it("still answers 200 when the queue send fails: the rows are stored for the sweep", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    e.DELIVERY_QUEUE.failNext = true;
    const res = await ingest(e, { connector: "c1", events: [upsertEvent(instance.name)] });
    expect(res.status).toBe(200);
    const [row] = await deliveriesOf(instance.name);
    expect(row?.status).toBe("pending");
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it("an instance without a webhook or unsubscribed stores no event", async () => {
    const bare = await seedInstance(null);
    const unsubscribed = await seedInstance({ events: ["CALL"] });
    const res = await ingest(testEnv(), { connector: "c1", events: [upsertEvent(bare.name), upsertEvent(unsubscribed.name)] });
    expect(await res.json()).toEqual({ accepted: 2, duplicates: 0 });
    expect(await storedEventCount(bare.name)).toBe(0);
    expect(await storedEventCount(unsubscribed.name)).toBe(0);
  });

  it("an unknown instance is accepted; only the global webhook gets its events", async () => {
    const name = unique("ghost");
    const without = await ingest(testEnv(), { connector: "c1", events: [upsertEvent(name)] });
    expect(await without.json()).toEqual({ accepted: 1, duplicates: 0 });
    expect(await deliveriesOf(name)).toEqual([]);
    const e = testEnv(GLOBAL_VARS);
    await ingest(e, { connector: "c1", events: [upsertEvent(name)] });
    const rows = await deliveriesOf(name);
    expect(rows.map((r) => [r.target, r.instanceId])).toEqual([["global", null]]);
  });

  it("applies the connection state to the instance row in the same batch", async () => {
    const instance = await seedInstance(null);
    const open = {
      id: unique("conn"), instance: instance.name, type: "connection.update", at: Date.now(),
      me: { id: "15551234567:3@s.whatsapp.net", name: "Sales Team" }, payload: { connection: "open" },
    };
    await ingest(testEnv(), { connector: "conn-7", events: [open] });
    const row = await getDb(env.DB).select().from(instances).where(eq(instances.id, instance.id)).get();
    expect(row).toMatchObject({ status: "open", statusReason: 200, ownerJid: "15551234567@s.whatsapp.net", profileName: "Sales Team", connectorId: "conn-7" });
  });
});
