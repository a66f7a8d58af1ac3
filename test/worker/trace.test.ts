// Trace: GET /trace/{instance}/{messageId} lists every stored event that carries the message id
// (the upsert, an edit, a receipt…) with its sequence and time of receipt, and each delivery with
// its webhook, status and attempts; an instance token sees only its own webhooks' deliveries.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { ConnectorEvent } from "../../protocol/envelope.ts";
import { app, consume, deps, fakeReceiver, GLOBAL_KEY, GLOBAL_VARS, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

function updateEvent(instance: string, key: { remoteJid: string; fromMe: boolean; id: string }, update: Record<string, unknown>): ConnectorEvent {
  return { id: `up-${crypto.randomUUID()}`, instance, type: "messages.update", at: 1_732_460_001_000, me: { id: "15551234567:12@s.whatsapp.net", name: "Sales" }, payload: [{ key, update }] };
}

async function trace(e: ReturnType<typeof testEnv>, name: string, messageId: string, key = GLOBAL_KEY) {
  const res = await app.request(`/trace/${name}/${messageId}`, { headers: { apikey: key } }, e);
  return { status: res.status, json: (await res.json()) as any };
}

describe("GET /trace/{instance}/{messageId}", () => {
  it("shows an inbound message that was edited and read: three events, in order, with their deliveries and attempts", async () => {
    const instance = await seedInstance();
    const e = testEnv(GLOBAL_VARS);
    const upsert = upsertEvent(instance.name, "original");
    const key = (upsert.payload as { messages: Array<{ key: { remoteJid: string; fromMe: boolean; id: string } }> }).messages[0]!.key;
    const edit = updateEvent(instance.name, key, { message: { editedMessage: { message: { conversation: "edited" } } }, messageTimestamp: 1_732_460_001 });
    const read = updateEvent(instance.name, key, { status: 4 });
    await ingest(e, { connector: "c1", events: [upsert, upsertEvent(instance.name, "unrelated"), edit, read] });
    const receiver = fakeReceiver((req) => new Response("", { status: req.url.includes("global") ? 500 : 200 }));
    await consume(e, e.DELIVERY_QUEUE.sent, deps(receiver.fetch).consumerDeps);

    const res = await trace(e, instance.name, key.id);
    expect(res.status).toBe(200);
    expect(res.json.instance).toBe(instance.name);
    expect(res.json.messageId).toBe(key.id);
    const events = res.json.events as any[];
    expect(events.map((ev) => [ev.event, ev.sequence])).toEqual([["messages.upsert", 1], ["messages.update", 3], ["messages.update", 4]]);
    expect(events[1].data).toMatchObject({ id: key.id, message: { conversation: "edited" } });
    expect(events[2].data).toMatchObject({ id: key.id, status: "READ" });
    expect(events[0].receivedAt).toEqual(expect.any(String));
    const upsertDeliveries = [...events[0].deliveries].sort((a: any, b: any) => a.target.localeCompare(b.target)).reverse();
    expect(upsertDeliveries.map((d: any) => [d.target, d.webhookId, d.status])).toEqual([["instance", "default", "succeeded"], ["global", null, "pending"]]);
    expect(upsertDeliveries[0].attempts).toMatchObject([{ attempt: 1, statusCode: 200, outcome: "succeeded" }]);
    expect(upsertDeliveries[1].attempts).toMatchObject([{ attempt: 1, statusCode: 500, outcome: "retry" }]);
    // The instance token sees its own webhook's deliveries only.
    const own = await trace(e, instance.name, key.id, instance.token);
    expect(own.json.events[0].deliveries.map((d: any) => d.target)).toEqual(["instance"]);
  });

  it("answers an empty list for an id nothing was stored for", async () => {
    const instance = await seedInstance();
    expect((await trace(testEnv(), instance.name, "NOPE")).json).toEqual({ instance: instance.name, messageId: "NOPE", events: [] });
  });
});
