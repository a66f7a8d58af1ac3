// A 20 MB history sync through everything real (fake WhatsApp → Baileys in the connector →
// worker → webhook receiver) reaches the receiver completely, as several messages.set,
// chats.set and contacts.set deliveries: nothing is dropped for its size.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { proto } from "@whiskeysockets/baileys";
import { createWithQr, scanAndWaitOpen } from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const INSTANCE = "history";
const CHATS = 400;
const PER_CHAT = 10;
const jidOf = (i: number) => `1555${String(i).padStart(7, "0")}@s.whatsapp.net`;

function conversation(chat: number): proto.IConversation {
  const messages = Array.from({ length: PER_CHAT }, (_, m) => ({
    message: {
      key: { remoteJid: jidOf(chat), fromMe: false, id: `HIST${chat}X${m}` },
      messageTimestamp: 1_795_000_000 + chat * PER_CHAT + m,
      message: { conversation: `chat ${chat} message ${m} `.padEnd(5_000, "lorem ipsum ") },
    },
  }));
  return { id: jidOf(chat), name: `Contact ${chat}`, conversationTimestamp: 1_795_000_000 + chat, messages };
}

describe("e2e: large history sync", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack("e2e-history");
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("delivers a 20 MB history as several messages.set / chats.set / contacts.set", async () => {
    const phone = stack.wa.phone("15551230000");
    const qr = await createWithQr(stack, INSTANCE);
    await scanAndWaitOpen(stack, INSTANCE, phone, qr.code);
    const conversations = Array.from({ length: CHATS }, (_, i) => conversation(i));
    expect(proto.HistorySync.encode({ syncType: 0, conversations }).finish().length).toBeGreaterThan(20_000_000);
    phone.historySync({ syncType: proto.HistorySync.HistorySyncType.INITIAL_BOOTSTRAP, conversations });

    const of = (event: string) => stack.inbox.received.filter((w) => w.body.instance === INSTANCE && w.body.event === event);
    const items = (event: string) => of(event).flatMap((w) => w.body.data as unknown as { id?: string; key?: { id: string } }[]);
    await eventually(async () => (items("messages.set").length >= CHATS * PER_CHAT ? true : undefined), "every history message", 120_000);
    await eventually(async () => (items("chats.set").length >= CHATS && items("contacts.set").length >= CHATS ? true : undefined), "every chat and contact", 30_000);

    expect(of("messages.set").length).toBeGreaterThan(10);
    const ids = new Set(items("messages.set").map((m) => m.key!.id));
    expect(ids.size).toBe(CHATS * PER_CHAT);
    expect(new Set(items("chats.set").map((c) => c.id)).size).toBe(CHATS);
    expect(new Set(items("contacts.set").map((c) => c.id)).size).toBe(CHATS);
    expect(of("contacts.upsert")).toHaveLength(0);
    expect(stack.connector.outbox.quarantined()).toEqual([]);
  }, 240_000);
});
