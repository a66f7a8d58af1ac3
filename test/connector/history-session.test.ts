// History through a session with socket doubles: each chunk Baileys emits keeps its own syncType
// even while the event buffer is on, and a 20 MB history reaches the worker whole, in pieces.
import { afterEach, describe, expect, it } from "vitest";
import { inboundText, waitFor } from "./helpers.ts";
import { connected, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const contact = (i: number) => ({ id: `1555${String(i).padStart(7, "0")}@s.whatsapp.net`, notify: `contact ${i}`.padEnd(300, ".") });

describe("history sync", () => {
  it("keeps each buffered chunk's own syncType instead of one merged event", async () => {
    h = await startHarness();
    const sock = await connected(h);
    sock.ev.buffer();
    sock.emit("messaging-history.set", { chats: [], contacts: [contact(1)], messages: [inboundText("H1", "old")], syncType: 0, isLatest: true });
    sock.emit("messaging-history.set", { chats: [], contacts: [contact(2)], messages: [inboundText("H2", "older")], syncType: 3, isLatest: false });
    sock.ev.flush();
    const sets = await h.expectEvents("messaging-history.set", 2);
    expect(sets.map((e) => [(e.payload as any).syncType, (e.payload as any).contacts[0].id])).toEqual([
      [0, contact(1).id],
      [3, contact(2).id],
    ]);
  });

  it("forwards a 20 MB history as several events, nothing quarantined", async () => {
    h = await startHarness();
    const sock = await connected(h);
    const messages = Array.from({ length: 3_600 }, (_, i) => inboundText(`H${i}`, `${i}`.padEnd(5_000, "x")));
    const contacts = Array.from({ length: 2_000 }, (_, i) => contact(i));
    sock.emit("messaging-history.set", { chats: [], contacts, messages, syncType: 0, isLatest: true });
    await waitFor(() => h!.ofType("messaging-history.set").flatMap((e) => (e.payload as any).messages).length === 3_600, 20_000, "every history message");
    const sets = h.ofType("messaging-history.set");
    expect(sets.length).toBeGreaterThan(10);
    expect(sets.flatMap((e) => (e.payload as any).messages.map((m: any) => m.key.id))).toEqual(messages.map((m) => m.key.id));
    expect(sets.flatMap((e) => (e.payload as any).contacts)).toHaveLength(2_000);
    expect(sets.every((e) => (e.payload as any).syncType === 0)).toBe(true);
    expect(h.connector.outbox.quarantined()).toEqual([]);
  });
});
