// Per-connector authority at ingest (docs/protocol.md#ingest-authority): each connector signs with
// its own key, and an event is accepted only from its instance's owner at the current epoch. Holding
// one connector's key does not let anyone speak for another connector's instances.
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { INGEST_PATH } from "../../protocol/envelope.ts";
import { rejectedIndexes } from "../../protocol/ingest-errors.ts";
import { connectorSignatureHeaders } from "../../protocol/signing.ts";
import { fleetRegistry } from "../../worker/fleet/registry.ts";
import { getDb } from "../../worker/storage/db.ts";
import { ingestedEvents, webhookEvents } from "../../worker/storage/schema.ts";
import { CONNECTOR_SECRET, app, ingest, seedInstance, testEnv, unique, upsertEvent } from "./helpers/pipeline.ts";

const unauthorizedBody = { status: 401, error: "Unauthorized", response: { message: "Unauthorized" } };

/** Accepted: stored as webhook events (their ids are its dedup record) or, without a target, as a dedup row. */
async function wasIngested(eventId: string) {
  const db = getDb(env.DB);
  const stored = await db.select({ id: webhookEvents.id }).from(webhookEvents).where(eq(webhookEvents.sourceEventId, eventId)).get();
  return stored !== undefined || (await db.select().from(ingestedEvents).where(eq(ingestedEvents.id, eventId)).get()) !== undefined;
}

/** Two live connectors; `name` placed on one of them. Returns the owner, the other one and the epoch. */
async function ownedInstance() {
  const instance = await seedInstance();
  const registry = fleetRegistry(env);
  const [mine, theirs] = [unique("mine"), unique("theirs")];
  const now = Date.now();
  // Connectors of earlier tests go down: only `mine`, then `theirs`, take placements here.
  for (const c of await registry.connectors(now)) await registry.connectorDown(c.id, now);
  await registry.connectorUp(mine, "test", 100_000, now);
  const owner = await registry.place(instance.name, now);
  await registry.connectorUp(theirs, "test", 10, now);
  expect(owner?.connectorId).toBe(mine);
  return { instance, mine, theirs, epoch: owner!.epoch };
}

describe("ingest authority", () => {
  it("accepts the owner's events at its current epoch", async () => {
    const { instance, mine, epoch } = await ownedInstance();
    const event = upsertEvent(instance.name, "hi", { epoch });
    const res = await ingest(testEnv(), { connector: mine, events: [event] }, { asIs: true });
    expect(res.status).toBe(200);
    expect(await wasIngested(event.id)).toBe(true);
  });

  it("refuses another connector's events for my instance, naming them, and stores nothing", async () => {
    const { instance, theirs, epoch } = await ownedInstance();
    const forged = upsertEvent(instance.name, "forged", { epoch });
    const e = testEnv();
    const res = await ingest(e, { connector: theirs, events: [forged] }, { asIs: true });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(JSON.parse(text).response.message).toEqual([`events.0.epoch: connector does not own instance ${instance.name}`]);
    expect(rejectedIndexes(text)).toEqual([0]);
    expect(await wasIngested(forged.id)).toBe(false);
    expect(e.DELIVERY_QUEUE.sent).toEqual([]);
  });

  it("refuses the owner's events at a stale epoch (the instance moved away and back), and events without one", async () => {
    const { instance, mine, theirs, epoch: first } = await ownedInstance();
    const registry = fleetRegistry(env);
    expect(await registry.drain(mine, Date.now())).toEqual([theirs]);
    await registry.connectorUp(mine, "test", 100_000, Date.now());
    expect(await registry.drain(theirs, Date.now())).toEqual([mine]);
    const epoch = first + 2;
    expect(await registry.owner(instance.name, Date.now())).toMatchObject({ connectorId: mine, epoch });
    const stale = upsertEvent(instance.name, "old", { epoch: first });
    const missing = upsertEvent(instance.name, "no epoch");
    const current = upsertEvent(instance.name, "now", { epoch });
    const res = await ingest(testEnv(), { connector: mine, events: [current, stale, missing] }, { asIs: true });
    expect(res.status).toBe(400);
    const text = await res.text();
    expect(rejectedIndexes(text)).toEqual([1, 2]);
    expect(JSON.parse(text).response.message).toEqual([
      `events.1.epoch: stale epoch ${first} for instance ${instance.name}`,
      `events.2.epoch: stale epoch 0 for instance ${instance.name}`,
    ]);
    expect(await wasIngested(current.id)).toBe(false);
  });

  it("refuses events of an instance that moved to another connector after a failover", async () => {
    const { instance, mine, theirs, epoch } = await ownedInstance();
    const registry = fleetRegistry(env);
    const moved = await registry.drain(mine, Date.now());
    expect(moved).toEqual([theirs]);
    const late = upsertEvent(instance.name, "late", { epoch });
    expect((await ingest(testEnv(), { connector: mine, events: [late] }, { asIs: true })).status).toBe(400);
    const next = upsertEvent(instance.name, "new owner", { epoch: epoch + 1 });
    expect((await ingest(testEnv(), { connector: theirs, events: [next] }, { asIs: true })).status).toBe(200);
  });

  it.each([
    ["signed with the shared CONNECTOR_SECRET itself", async (raw: string, mine: string) => ({ "x-l2msg-connector": mine, ...(await connectorSignatureHeaders(CONNECTOR_SECRET, raw, Date.now())) })],
    ["without the connector header", async (raw: string) => connectorSignatureHeaders(CONNECTOR_SECRET, raw, Date.now())],
  ])("answers 401 to a batch %s", async (_label, headersFor) => {
    const { instance, mine, epoch } = await ownedInstance();
    const event = upsertEvent(instance.name, "hi", { epoch });
    const raw = JSON.stringify({ connector: mine, events: [event] });
    const res = await app.request(INGEST_PATH, { method: "POST", headers: { "content-type": "application/json", ...(await headersFor(raw, mine)) }, body: raw }, testEnv());
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unauthorizedBody);
  });

  it("answers 401 when a connector signs a batch that names another connector", async () => {
    const { instance, mine, theirs, epoch } = await ownedInstance();
    const event = upsertEvent(instance.name, "hi", { epoch });
    const res = await ingest(testEnv(), { connector: mine, events: [event] }, { asIs: true, signAs: theirs });
    expect(res.status).toBe(401);
    expect(await wasIngested(event.id)).toBe(false);
  });
});
