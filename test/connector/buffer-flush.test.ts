// Baileys acks a message before its upsert leaves the event buffer, and end() destroys that
// buffer: whatever is buffered when a socket closes or is torn down must still reach the outbox.
import { afterEach, describe, expect, it } from "vitest";
import { boom, inboundText } from "./helpers.ts";
import { connected, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const upsertIds = (harness: Harness) => harness.ofType("messages.upsert").map((e) => (e.payload as any).messages[0].key.id);

describe("buffered events at close", () => {
  it("forwards what Baileys still buffered when the socket closes, before the close", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.ev.buffer();
    sock.emit("messages.upsert", { messages: [inboundText("ACKED", "hello")], type: "notify" });
    await sock.end(boom("Connection Closed", 428));
    await h.expectEvents("messages.upsert", 1);
    expect(upsertIds(h)).toEqual(["ACKED"]);
    const order = h.worker.events().map((e) => (e.type === "connection.update" ? (e.payload as any).connection ?? "qr" : e.type));
    expect(order.indexOf("messages.upsert")).toBeLessThan(order.lastIndexOf("close"));
  });

  it("forwards what was buffered when the connector restarts the socket itself", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.ev.buffer();
    sock.emit("messages.upsert", { messages: [inboundText("BEFORE-RESTART", "hi")], type: "notify" });
    await h.connector.registry.getOrCreate("sales").restart();
    await h.expectEvents("messages.upsert", 1);
    expect(upsertIds(h)).toEqual(["BEFORE-RESTART"]);
  });

  it("forwards what was buffered on a graceful shutdown", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.ev.buffer();
    sock.emit("messages.upsert", { messages: [inboundText("AT-SHUTDOWN", "bye")], type: "notify" });
    await h.connector.stop();
    expect(h.worker.events().filter((e) => e.type === "messages.upsert")).toHaveLength(1);
  });
});
