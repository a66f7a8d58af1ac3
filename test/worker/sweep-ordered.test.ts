// The sweep's watermark (issue 15) with order per chat (engine v2): a delivery held by an
// earlier one of its chat is neither sent early by the sweep nor skipped by its watermark; when
// the message that should release it is lost, a later sweep sends it once its chat moved on.
import { describe, expect, it } from "vitest";
import { sweepStuckDeliveries } from "../../worker/delivery/sweep.ts";
import { loadHousekeepingState } from "../../worker/storage/housekeeping-state.ts";
import { consume, deliveryRow, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

const CHAT = "15550000001@s.whatsapp.net";
const MINUTE = 60_000;

function chatEvent(instance: string, text: string) {
  const event = upsertEvent(instance, text);
  (event.payload as { messages: Array<{ key: { remoteJid: string } }> }).messages[0]!.key.remoteJid = CHAT;
  return event;
}

describe("the sweep and an ordered chat", () => {
  it("touches a held delivery without sending it, moves its watermark past it, and sends it once the chat moved on", async () => {
    const instance = await seedInstance({ ordered: true });
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [chatEvent(instance.name, "x1"), chatEvent(instance.name, "x2")] });
    const [x1, x2] = e.DELIVERY_QUEUE.sent as [string, string];
    const start = Date.now();
    // x1 fails (a retry in 5 s, whose queue message is then lost); x2 is held behind it.
    await consume(e, [x1, x2], deps(fakeReceiver(() => new Response("", { status: 500 })).fetch, start).consumerDeps);
    expect(await deliveryRow(x2)).toMatchObject({ status: "pending", attempts: 0 });
    // A later delivery of another chat, delivered at once: the watermark should get past x2 to it.
    await new Promise((r) => setTimeout(r, 2));
    await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "z1")] });
    const z1 = e.DELIVERY_QUEUE.sent.at(-1)!;
    expect(z1 > x2).toBe(true);
    await consume(e, [z1], deps(fakeReceiver(() => new Response("ok")).fetch, start).consumerDeps);

    const first = testEnv();
    await sweepStuckDeliveries(first, start + 3 * MINUTE);
    expect(first.DELIVERY_QUEUE.sent).toContain(x1);
    expect(first.DELIVERY_QUEUE.sent).not.toContain(x2);
    const touched = await deliveryRow(x2);
    expect(touched).toMatchObject({ status: "pending", attempts: 0, nextAttemptAt: start + 3 * MINUTE });
    expect((await loadHousekeepingState(first.DB))?.sweepWatermark).toBe(z1);

    // x1 succeeds, but the message that releases x2 is lost.
    const lossy = testEnv();
    lossy.DELIVERY_QUEUE.failNext = true;
    await consume(lossy, [x1], deps(fakeReceiver(() => new Response("ok")).fetch, start + 3 * MINUTE).consumerDeps);
    expect(await deliveryRow(x1)).toMatchObject({ status: "succeeded" });
    expect(lossy.DELIVERY_QUEUE.sent).toEqual([]);

    const later = testEnv();
    await sweepStuckDeliveries(later, start + 6 * MINUTE);
    expect(later.DELIVERY_QUEUE.sent).toContain(x2);
    const receiver = fakeReceiver(() => new Response("ok"));
    await consume(later, [x2], deps(receiver.fetch, start + 6 * MINUTE).consumerDeps);
    expect(await deliveryRow(x2)).toMatchObject({ status: "succeeded", attempts: 1 });
    expect(receiver.received).toHaveLength(1);
  });

  it("never re-enqueues a held delivery while its chat's head is still pending", async () => {
    const instance = await seedInstance({ ordered: true });
    const e = testEnv();
    await ingest(e, { connector: "c1", events: [chatEvent(instance.name, "y1"), chatEvent(instance.name, "y2")] });
    const [y1, y2] = e.DELIVERY_QUEUE.sent as [string, string];
    const start = Date.now();
    await consume(e, [y1, y2], deps(fakeReceiver(() => new Response("", { status: 500 })).fetch, start).consumerDeps);
    for (const minutes of [3, 6, 9]) {
      const sweep = testEnv();
      await sweepStuckDeliveries(sweep, start + minutes * MINUTE);
      expect(sweep.DELIVERY_QUEUE.sent).not.toContain(y2);
    }
    expect(await deliveryRow(y2)).toMatchObject({ status: "pending", attempts: 0 });
  });
});
