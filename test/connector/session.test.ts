// One instance's lifecycle through the real connector with socket doubles: ordered and guarded
// event handling, creds never forwarded, the reconnect policy, QR/pairing, restore and shutdown.
import { proto, type WAMessage } from "@whiskeysockets/baileys";
import { afterEach, describe, expect, it } from "vitest";
import { closeWith, inboundText, openSocket, ME_JID, waitFor, type FakeSocket } from "./helpers.ts";
import { setMediaBase64, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function connected(harness: Harness): Promise<FakeSocket> {
  const session = harness.connector.registry.getOrCreate("sales");
  const connecting = session.connect(undefined);
  const sock = harness.sockets.sockets.at(-1)!;
  openSocket(sock);
  await connecting;
  return sock;
}

function image(id: string): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: false, id },
    messageTimestamp: 1795534562,
    message: { imageMessage: { url: "https://mmg.whatsapp.net/x", directPath: "/v/x", mediaKey: Buffer.alloc(32, 2), fileLength: 12, mimetype: "image/jpeg" } },
  }) as WAMessage;
}

describe("instance session", () => {
  it("forwards concurrent events in emission order even when handlers are slow", async () => {
    const delays = [40, 0, 25, 5, 30, 0, 10];
    let call = 0;
    h = await startHarness({
      deps: {
        downloadMedia: async () => {
          await new Promise((r) => setTimeout(r, delays[call++ % delays.length]));
          return Buffer.from("image-bytes");
        },
      },
    });
    const sock = await connected(h);
    await setMediaBase64(h, true);
    const expected: string[] = [];
    for (let i = 0; i < 14; i++) {
      const id = `M${i}`;
      expected.push(id);
      sock.emit("messages.upsert", { messages: [i % 2 === 0 ? image(id) : inboundText(id, `text ${i}`)], type: "notify" });
      sock.emit("presence.update", { id: `P${i}@s.whatsapp.net`, presences: {} });
    }
    const upserts = await h.expectEvents("messages.upsert", 14);
    expect(upserts.map((e) => (e.payload as any).messages[0].key.id)).toEqual(expected);
    const sequence = h.worker.events().filter((e) => e.type === "messages.upsert" || e.type === "presence.update");
    expect(sequence.map((e) => e.type)).toEqual(expected.flatMap(() => ["messages.upsert", "presence.update"]));
    const first = upserts[0]!.payload as any;
    expect(first.messages[0].message.base64).toBe(Buffer.from("image-bytes").toString("base64"));
    expect((upserts[1]!.payload as any).messages[0].message.base64).toBeUndefined();
    expect(upserts[0]!.me).toEqual({ id: "15550001111@s.whatsapp.net", name: "Sales" });
  });

  it("saves creds.update and never forwards it; a throwing handler does not stop the queue", async () => {
    h = await startHarness();
    const sock = await connected(h);
    const creds = sock.config.auth!.creds;
    Object.assign(creds, { me: { id: ME_JID, name: "Sales" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) });
    sock.emit("creds.update", { me: creds.me });
    sock.emit("messages.upsert", { messages: null as never, type: "notify" });
    sock.emit("messages.upsert", { messages: [inboundText("AFTER", "still alive")], type: "notify" });
    const upserts = await h.expectEvents("messages.upsert", 1);
    expect((upserts[0]!.payload as any).messages[0].key.id).toBe("AFTER");
    expect(h.worker.events().some((e) => e.type === "creds.update")).toBe(false);
    expect(JSON.stringify(h.worker.events())).not.toContain(Buffer.from(creds.noiseKey.private).toString("base64"));
    expect(h.lines.some((l) => l.msg === "event handler failed" && l.level === 50)).toBe(true);
    const { SqliteAuthStore } = await import("../../connector/auth-store.ts");
    const store = new SqliteAuthStore(`${h.dir.path}/auth.sqlite`);
    expect(store.loadCreds("sales")?.me?.id).toBe(ME_JID);
    expect(store.pairedInstances()).toEqual(["sales"]);
    store.close();
  });

  it.each([
    [515, "Stream Errored (restart required)", 2, "connecting"],
    [428, "Connection Closed", 2, "connecting"],
    [503, "Service Unavailable", 2, "connecting"],
    [401, "Connection Failure", 1, "close"],
    [440, "Stream Errored (conflict)", 1, "close"],
    [403, "Forbidden", 1, "close"],
    [408, "QR refs attempts ended", 1, "close"],
  ])("close %i (%s) → %i socket(s), state %s", async (code, message, sockets, state) => {
    h = await startHarness();
    const sock = await connected(h);
    const sameCreds = sock.config.auth!.creds;
    closeWith(sock, code, message);
    const closes = await h.expectEvents("connection.update", 3);
    expect((closes.at(-1)!.payload as any).lastDisconnect.error).toEqual({ message, statusCode: code });
    if (sockets === 2) await waitFor(() => h!.sockets.sockets.length === 2, 2_000, "a new socket");
    else await new Promise((r) => setTimeout(r, 150));
    expect(h.sockets.sockets).toHaveLength(sockets);
    const status = h.connector.registry.status("sales");
    expect(status.state).toBe(state);
    if (sockets === 2) expect(h.sockets.sockets[1]!.config.auth!.creds).toBe(sameCreds);
    else expect(status.statusReason).toBe(code);
    const { SqliteAuthStore } = await import("../../connector/auth-store.ts");
    const store = new SqliteAuthStore(`${h.dir.path}/auth.sqlite`);
    expect(store.loadCreds("sales") === undefined).toBe(code === 401);
    store.close();
  });

  it("connect waits for the QR, requests a pairing code for a number, and forwards both", async () => {
    h = await startHarness();
    const session = h.connector.registry.getOrCreate("sales");
    const pending = session.connect("15550001111");
    const sock = h.sockets.sockets[0]!;
    expect(sock.config.markOnlineOnConnect).toBe(false);
    expect(sock.config.syncFullHistory).toBe(false);
    sock.emit("connection.update", { qr: "2@ref,noise,identity,adv,9" });
    const status = await pending;
    expect(status.state).toBe("connecting");
    expect(status.qr).toMatchObject({ code: "2@ref,noise,identity,adv,9", count: 1 });
    expect(status.qr!.base64).toMatch(/^data:image\/png;base64,/);
    expect(status.pairingCode).toBe("ABCD1234");
    expect(sock.pairingRequests).toEqual(["15550001111"]);
    const [qrEvent] = await h.expectEvents("connection.update", 1);
    expect(qrEvent!.payload).toMatchObject({ qr: "2@ref,noise,identity,adv,9", pairingCode: "ABCD1234" });
    expect((qrEvent!.payload as any).qrBase64).toBe(status.qr!.base64);
  });

  it("restores paired instances after a restart with connector.startup, and shuts down without logging out", async () => {
    h = await startHarness();
    const sock = await connected(h);
    Object.assign(sock.config.auth!.creds, { me: { id: ME_JID, name: "Sales" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) });
    sock.emit("creds.update", {});
    h.connector.registry.getOrCreate("unpaired").connect(undefined).catch(() => undefined);
    await h.drained();
    const dir = h.dir.path;
    await h.stop({ keepDir: true });
    expect(sock.ended).toEqual([undefined]);
    expect(sock.loggedOut).toBe(0);

    // Only what the worker assigns comes back: "sales" is, "unpaired" is not.
    h = await startHarness({ dir, owned: [{ instance: "sales", epoch: 2 }] });
    const [startup] = await h.expectEvents("connector.startup", 1);
    expect(startup!.payload).toEqual({ connector: "c1", version: expect.any(String) });
    // Stamped with the epoch the worker assigned: the worker's ingest fence accepts it from the owner at that epoch.
    expect(startup!.epoch).toBe(2);
    expect(h.ofType("connector.startup", "unpaired")).toHaveLength(0);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.sockets.sockets[0]!.config.auth!.creds.me?.id).toBe(ME_JID);
  });
});
