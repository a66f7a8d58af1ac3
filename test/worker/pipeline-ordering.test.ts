// Order per chat (`ordered: true`): a chat's deliveries go to the webhook one at a time in
// sequence order; the next waits until the previous succeeded or finally failed; other chats
// and unordered webhooks are not held up.
import { afterEach, describe, expect, it, vi } from "vitest";
import { consume, deliveryRow, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

afterEach(() => vi.restoreAllMocks());

const CHAT_X = "15550000001@s.whatsapp.net";
const CHAT_Y = "15550000002@s.whatsapp.net";

function chatEvent(instance: string, chat: string, text: string) {
  const event = upsertEvent(instance, text);
  (event.payload as { messages: Array<{ key: { remoteJid: string } }> }).messages[0]!.key.remoteJid = chat;
  return event;
}

const textOf = (body: string) => JSON.parse(body).data.message.conversation as string;

/** Ingests X1, X2, X3 (chat X) and Y1 (chat Y) in one batch; returns the env and the ids by text. */
async function fourMessages(ordered: boolean) {
  const instance = await seedInstance({ ordered });
  const e = testEnv();
  const texts = [["x1", CHAT_X], ["x2", CHAT_X], ["y1", CHAT_Y], ["x3", CHAT_X]] as const;
  await ingest(e, { connector: "c1", events: texts.map(([t, chat]) => chatEvent(instance.name, chat, t)) });
  const ids = [...e.DELIVERY_QUEUE.sent];
  expect(ids).toHaveLength(4);
  return { e, ids, byText: Object.fromEntries(texts.map(([t], i) => [t, ids[i]!])) as Record<"x1" | "x2" | "x3" | "y1", string> };
}

describe("an ordered webhook", () => {
  it("sends one delivery per chat at a time; a retrying head holds its chat only, and success releases the next", async () => {
    const { e, ids, byText } = await fourMessages(true);
    let failX1 = 2;
    const receiver = fakeReceiver((req) => (textOf(req.body) === "x1" && failX1-- > 0 ? new Response("", { status: 500 }) : new Response("ok")));
    const sent = () => receiver.received.map((r) => textOf(r.body));
    const { clock, consumerDeps } = deps(receiver.fetch);
    await consume(e, ids, consumerDeps);
    expect(sent().sort()).toEqual(["x1", "y1"]);
    expect(await deliveryRow(byText.x2)).toMatchObject({ status: "pending", attempts: 0 });

    // x1 fails again; x2 (queued beside it) is still held.
    clock.now += 60_000;
    await consume(e, [byText.x1, byText.x2], consumerDeps);
    expect(sent().filter((t) => t !== "y1")).toEqual(["x1", "x1"]);
    const sentBefore = e.DELIVERY_QUEUE.sent.length;
    clock.now += 60_000;
    await consume(e, [byText.x1], consumerDeps);
    expect(await deliveryRow(byText.x1)).toMatchObject({ status: "succeeded", attempts: 3 });
    // Its success enqueued the chat's next delivery, and only that one.
    expect(e.DELIVERY_QUEUE.sent.slice(sentBefore)).toEqual([byText.x2]);
    await consume(e, [byText.x2, byText.x3], consumerDeps);
    expect(e.DELIVERY_QUEUE.sent.at(-1)).toBe(byText.x3);
    await consume(e, [byText.x3], consumerDeps);
    expect(sent().filter((t) => t !== "y1")).toEqual(["x1", "x1", "x1", "x2", "x3"]);
  });

  it("a head that finally fails releases the next one", async () => {
    const { e, ids, byText } = await fourMessages(true);
    const receiver = fakeReceiver((req) => new Response("", { status: textOf(req.body) === "x1" ? 400 : 200 }));
    const { consumerDeps } = deps(receiver.fetch);
    await consume(e, ids, consumerDeps);
    expect(await deliveryRow(byText.x1)).toMatchObject({ status: "failed" });
    expect(e.DELIVERY_QUEUE.sent.at(-1)).toBe(byText.x2);
    await consume(e, [byText.x2], consumerDeps);
    expect(await deliveryRow(byText.x2)).toMatchObject({ status: "succeeded" });
  });
});

describe("an unordered webhook", () => {
  it("sends every delivery at once", async () => {
    const { e, ids } = await fourMessages(false);
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(e, ids, deps(receiver.fetch).consumerDeps);
    expect(receiver.received).toHaveLength(4);
  });
});
