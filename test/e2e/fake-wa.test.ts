// A real, unmodified Baileys 7.0.0-rc14 socket against the fake WhatsApp server: pairing, inbound
// traffic, a decrypted outbound send with ack + receipts, group notifications and stream errors.
import { proto, type ConnectionState, type WAMessage } from "@whiskeysockets/baileys";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestClient, type TestClient } from "../fake-wa/client.ts";
import { startFakeWhatsApp, type FakePhone, type FakeWhatsApp } from "../fake-wa/index.ts";

const CAROL = "15552223333";
const ERIN = "15559998887";

async function pairNewClient(wa: FakeWhatsApp, phone: FakePhone): Promise<TestClient> {
  const client = connectTestClient(wa.url);
  const { qr } = await client.waitFor("connection.update", (u) => !!u.qr);
  await phone.scanQr(qr!);
  await client.waitFor("connection.update", (u) => u.connection === "open");
  await phone.waitForOnline();
  return client;
}

const closeCode = (update: Partial<ConnectionState>) =>
  (update.lastDisconnect?.error as { output?: { statusCode?: number } } | undefined)?.output?.statusCode;

const upserted = (client: TestClient, id: string) =>
  client.waitFor("messages.upsert", (u) => u.messages.some((m) => m.key.id === id)).then((u) => u.messages.find((m) => m.key.id === id)!);

describe("fake WhatsApp server with a real Baileys rc14 socket", () => {
  let wa: FakeWhatsApp;
  let phone: FakePhone;
  let client: TestClient;

  beforeAll(async () => {
    wa = await startFakeWhatsApp();
    phone = wa.phone("15551234567");
  });
  afterAll(async () => {
    client?.end();
    await wa.close();
  });

  it("emits a QR, pairs when the phone scans it, restarts on 515 and opens", async () => {
    client = await pairNewClient(wa, phone);
    expect(client.closes).toEqual([515]);
    await client.waitFor("connection.update", (u) => u.isNewLogin === true);
    expect(client.auth.creds.me?.id).toMatch(/^15551234567:\d+@s\.whatsapp\.net$/);
    expect(client.auth.creds.me?.lid).toBe(`${phone.account.lid}:${client.auth.creds.me!.id.split(":")[1]!.split("@")[0]}@lid`);
    expect(phone.account.clientKeys?.preKeys.length).toBeGreaterThan(0);
  });

  it("delivers an inbound 1:1 text with PN addressing", async () => {
    const { id } = await phone.sendText({ from: CAROL, text: "hello from Carol", pushName: "Carol" });
    const msg = await upserted(client, id);
    expect(msg.key).toMatchObject({ remoteJid: `${CAROL}@s.whatsapp.net`, fromMe: false, id, addressingMode: "pn" });
    expect(msg.message?.conversation).toBe("hello from Carol");
    expect(msg.pushName).toBe("Carol");
  });

  it("delivers an inbound 1:1 text with LID addressing (remoteJidAlt = PN)", async () => {
    const erin = phone.contact(ERIN);
    const { id } = await phone.sendText({ from: ERIN, text: "hi via LID", addressing: "lid" });
    const msg = await upserted(client, id);
    expect(msg.key).toMatchObject({ remoteJid: erin.lidJid, remoteJidAlt: `${ERIN}@s.whatsapp.net`, addressingMode: "lid" });
  });

  it("delivers a Signal-encrypted inbound text (pkmsg, then msg) and a reply", async () => {
    const first = await phone.sendText({ from: CAROL, text: "encrypted hello", encrypt: true });
    expect(((await upserted(client, first.id)) as WAMessage).message?.conversation).toBe("encrypted hello");
    const second = await phone.sendText({
      from: CAROL, text: "encrypted reply", encrypt: true, quoted: { id: first.id, participant: `${CAROL}@s.whatsapp.net`, text: "encrypted hello" },
    });
    const reply = await upserted(client, second.id);
    expect(reply.message?.extendedTextMessage?.text).toBe("encrypted reply");
    expect(reply.message?.extendedTextMessage?.contextInfo?.stanzaId).toBe(first.id);
  });

  it("announces a group, delivers a group message with participant and a participant add", async () => {
    const group = phone.createGroup({ subject: "Fake group", participants: [CAROL] });
    const [created] = await client.waitFor("groups.upsert", (g) => g.some((x) => x.id === group));
    expect(created?.subject).toBe("Fake group");

    const { id } = await phone.sendText({ from: ERIN, group, text: "group hello", addressing: "lid" });
    const msg = await upserted(client, id);
    expect(msg.key).toMatchObject({
      remoteJid: group, participant: phone.contact(ERIN).lidJid, participantAlt: `${ERIN}@s.whatsapp.net`,
    });

    phone.groupUpdate({ group, action: "add", participants: [ERIN] });
    const update = await client.waitFor("group-participants.update", (u) => u.id === group && u.action === "add");
    expect(update.participants.map((p) => p.id)).toEqual([`${ERIN}@s.whatsapp.net`]);
  });

  it("records and decrypts what the client sends, acks it, and maps receipts to status updates", async () => {
    const carol = `${CAROL}@s.whatsapp.net`;
    const own = await client.sock.sendMessage(carol, { text: "hi Carol, from the API" });
    const sent = await phone.waitForSent((m) => m.id === own!.key.id);
    expect(sent.to).toBe(carol);
    expect(sent.errors).toEqual([]);
    expect(sent.message?.extendedTextMessage?.text ?? sent.message?.conversation).toBe("hi Carol, from the API");
    await phone.waitForStanza((n) => n.tag === "message" && n.attrs.id === sent.id);

    // Wait for the own-send upsert and send one receipt at a time: Baileys' event buffer folds a
    // status update into a still-buffered upsert (or into the previous update).
    await upserted(client, sent.id);
    const statusOf = (status: number) => (updates: { key: { id?: string | null }; update: { status?: number | null } }[]) =>
      updates.some((u) => u.key.id === sent.id && u.update.status === status);
    phone.receipt({ id: sent.id, type: "delivery" });
    await client.waitFor("messages.update", statusOf(proto.WebMessageInfo.Status.DELIVERY_ACK));
    phone.receipt({ id: sent.id, type: "read" });
    await client.waitFor("messages.update", statusOf(proto.WebMessageInfo.Status.READ));
  });

  it("decrypts a group message the client sends with sender keys", async () => {
    const group = phone.createGroup({ subject: "Outbound group", participants: [CAROL, ERIN] });
    await client.waitFor("groups.upsert", (g) => g.some((x) => x.id === group));
    for (const text of ["first group send", "second group send"]) {
      const own = await client.sock.sendMessage(group, { text });
      const sent = await phone.waitForSent((m) => m.id === own!.key.id);
      expect(sent.errors).toEqual([]);
      expect(sent.message?.extendedTextMessage?.text ?? sent.message?.conversation).toBe(text);
    }
  });

  it("sends presence, a call offer and an inline history sync", async () => {
    phone.presence({ from: CAROL, type: "available" });
    const presence = await client.waitFor("presence.update", (p) => p.id === `${CAROL}@s.whatsapp.net`);
    expect(presence.presences[`${CAROL}@s.whatsapp.net`]?.lastKnownPresence).toBe("available");

    const callId = phone.call({ from: CAROL });
    const [call] = await client.waitFor("call", (calls) => calls.some((c) => c.id === callId));
    expect(call).toMatchObject({ from: `${CAROL}@s.whatsapp.net`, status: "offer" });

    phone.historySync({
      conversations: [{ id: `${CAROL}@s.whatsapp.net`, name: "Carol", messages: [{ message: {
        key: { remoteJid: `${CAROL}@s.whatsapp.net`, fromMe: false, id: "HIST0001" },
        message: { conversation: "old message" }, messageTimestamp: 1_700_000_000,
      } }] }],
    });
    const history = await client.waitFor("messaging-history.set");
    expect(history.messages.map((m) => m.key.id)).toContain("HIST0001");
  });

  it("closes with 440 on a replaced stream error and does not come back", async () => {
    phone.streamError(440);
    const update = await client.waitFor("connection.update", (u) => u.connection === "close" && closeCode(u) !== 515);
    expect(closeCode(update)).toBe(440);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(client.closes).toEqual([515, 440]);
    expect(wa.server.liveConnections(phone.account)).toHaveLength(0);
  });

  it("a second login of the same device replaces the first with 440, and is recorded", async () => {
    const other = wa.phone("15550002222");
    const first = await pairNewClient(wa, other);
    expect(wa.server.doubleLogins).toEqual([]);
    const second = connectTestClient(wa.url, first.auth);
    await second.waitFor("connection.update", (u) => u.connection === "open");
    const update = await first.waitFor("connection.update", (u) => u.connection === "close" && closeCode(u) !== 515);
    expect(closeCode(update)).toBe(440);
    const device = `15550002222:${first.auth.creds.me!.id.split(":")[1]!.split("@")[0]}`;
    expect(wa.server.doubleLogins).toEqual([{ device, at: expect.any(Number) }]);
    expect(second.closes).toEqual([]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(wa.server.liveConnections(other.account)).toHaveLength(1);
    second.end();
    first.end();
  });

  it("closes with 401 when the device is removed, and refuses that device afterwards", async () => {
    const other = wa.phone("15550001111");
    const second = await pairNewClient(wa, other);
    other.streamError(401);
    const update = await second.waitFor("connection.update", (u) => u.connection === "close" && closeCode(u) !== 515);
    expect(closeCode(update)).toBe(401);
    expect(second.closes).toEqual([515, 401]);

    const again = connectTestClient(wa.url, second.auth);
    await again.waitFor("connection.update", (u) => u.connection === "close");
    expect(again.closes).toEqual([401]);
  });
});
