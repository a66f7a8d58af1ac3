// What the connector drops at the source and how inbound media is handled: status posts and
// newsletters are ignored by default; media is downloaded only while the worker says a webhook
// wants base64 (`mediaBase64`, applied live and kept across restarts), in parallel under one
// deadline (video notes included); a send answers at once even while an inbound download is in flight.
import { proto, type WAMessage } from "@whiskeysockets/baileys";
import { afterEach, describe, expect, it } from "vitest";
import { COMMAND_PATHS, DEFAULT_CONNECTOR_SETTINGS } from "../../protocol/commands.ts";
import { ignoresJid } from "../../connector/instance-settings.ts";
import { socketCommand } from "./fleet-stub.ts";
import { inboundText, openSocket, waitFor } from "./helpers.ts";
import { connected, setMediaBase64, startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

function media(id: string, kind: "imageMessage" | "ptvMessage" = "imageMessage"): WAMessage {
  return proto.WebMessageInfo.fromObject({
    key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: false, id },
    messageTimestamp: 1795534562,
    message: { [kind]: { url: "https://mmg.whatsapp.net/x", directPath: "/v/x", mediaKey: Buffer.alloc(32, 2), fileLength: 12, mimetype: "video/mp4" } },
  }) as WAMessage;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const upsertIds = (harness: Harness) => harness.ofType("messages.upsert").flatMap((e) => (e.payload as any).messages.map((m: any) => m.key.id));

describe("ignored chats", () => {
  it.each([
    ["status@broadcast", false, true],
    ["status@broadcast", true, false],
    ["120363000000000001@newsletter", false, true],
    ["120363000000000001@newsletter", true, true],
    ["15552223333@s.whatsapp.net", false, false],
    ["120363000000000002@g.us", false, false],
  ])("%s with readStatus %s → ignored %s", (jid, readStatus, ignored) => {
    expect(ignoresJid({ ...DEFAULT_CONNECTOR_SETTINGS, readStatus }, jid)).toBe(ignored);
  });

  it("asks Baileys to ignore them and drops any that still arrive as upserts", async () => {
    h = await startHarness();
    const sock = await connected(h);
    expect(sock.config.shouldIgnoreJid!("status@broadcast")).toBe(true);
    expect(sock.config.shouldIgnoreJid!("1203@newsletter")).toBe(true);
    expect(sock.config.shouldIgnoreJid!("15552223333@s.whatsapp.net")).toBe(false);
    const status = inboundText("STATUS1", "my holiday", "status@broadcast");
    const channel = inboundText("NEWS1", "breaking", "120363000000000001@newsletter");
    sock.emit("messages.upsert", { messages: [status, channel, inboundText("REAL1", "hi")], type: "append" });
    sock.emit("messages.upsert", { messages: [inboundText("REAL2", "again")], type: "notify" });
    await h.expectEvents("messages.upsert", 2);
    expect(upsertIds(h)).toEqual(["REAL1", "REAL2"]);
  });
});

/** A downloader that records which messages it was asked for. */
function recordingDownloader() {
  const asked: string[] = [];
  return { asked, downloadMedia: async (m: WAMessage) => (asked.push(m.key.id!), Buffer.from(`bytes ${m.key.id}`)) };
}
const base64Of = (upsert: { payload: unknown } | undefined) => (upsert!.payload as any).messages[0].message.base64 ?? null;

describe("media only when a webhook wants base64", () => {
  it("downloads nothing while no webhook wants base64 (the default)", async () => {
    const downloads = recordingDownloader();
    h = await startHarness({ deps: { downloadMedia: downloads.downloadMedia } });
    const sock = await connected(h);
    sock.emit("messages.upsert", { messages: [media("OFF1")], type: "notify" });
    const [upsert] = await h.expectEvents("messages.upsert", 1);
    expect(base64Of(upsert)).toBeNull();
    expect(downloads.asked).toEqual([]);
  });

  it("follows mediaBase64 live: on downloads, off again stops", async () => {
    const downloads = recordingDownloader();
    h = await startHarness({ deps: { downloadMedia: downloads.downloadMedia } });
    const sock = await connected(h);
    await setMediaBase64(h, true);
    sock.emit("messages.upsert", { messages: [media("ON1")], type: "notify" });
    await h.expectEvents("messages.upsert", 1);
    await setMediaBase64(h, false);
    sock.emit("messages.upsert", { messages: [media("OFF2")], type: "notify" });
    const upserts = await h.expectEvents("messages.upsert", 2);
    expect(upserts.map(base64Of)).toEqual([Buffer.from("bytes ON1").toString("base64"), null]);
    expect(downloads.asked).toEqual(["ON1"]);
  });

  it("keeps mediaBase64 across a restart, and takes it from the connect command before the socket starts", async () => {
    const downloads = recordingDownloader();
    h = await startHarness({ deps: { downloadMedia: downloads.downloadMedia } });
    const connect = socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.connect("sales"), { settings: { ...DEFAULT_CONNECTOR_SETTINGS, mediaBase64: true } });
    await waitFor(() => h!.sockets.sockets.length > 0, 5_000, "the socket");
    openSocket(h.sockets.sockets.at(-1)!);
    expect((await connect).status).toBe(200);
    h.sockets.sockets.at(-1)!.emit("messages.upsert", { messages: [media("FIRST")], type: "notify" });
    await h.expectEvents("messages.upsert", 1);
    const dir = h.dir.path;
    await h.stop({ keepDir: true });
    h = await startHarness({ dir, deps: { downloadMedia: downloads.downloadMedia } });
    expect(h.connector.registry.getOrCreate("sales").settings.mediaBase64).toBe(true);
    expect(downloads.asked).toEqual(["FIRST"]);
  });
});

describe("inbound media", () => {
  it("downloads video notes (ptvMessage) too", async () => {
    h = await startHarness({ deps: { downloadMedia: async () => Buffer.from("ptv-bytes") } });
    const sock = await connected(h);
    await setMediaBase64(h, true);
    sock.emit("messages.upsert", { messages: [media("PTV1", "ptvMessage")], type: "notify" });
    const [upsert] = await h.expectEvents("messages.upsert", 1);
    expect((upsert!.payload as any).messages[0].message.base64).toBe(Buffer.from("ptv-bytes").toString("base64"));
  });

  it("downloads an upsert's media in parallel under one deadline", async () => {
    h = await startHarness({
      deps: { downloadMedia: async (m) => (await sleep(m.key.id === "SLOW" ? 5_000 : 300), Buffer.from(`bytes ${m.key.id}`)) },
      tuning: { mediaDownloadTimeoutMs: 800 },
    });
    const sock = await connected(h);
    await setMediaBase64(h, true);
    const started = Date.now();
    sock.emit("messages.upsert", { messages: [media("A"), media("B"), media("C"), media("SLOW")], type: "notify" });
    const [upsert] = await h.expectEvents("messages.upsert", 1);
    expect(Date.now() - started).toBeLessThan(1_500);
    const base64 = (upsert!.payload as any).messages.map((m: any) => m.message.base64 ?? null);
    expect(base64).toEqual([...["A", "B", "C"].map((id) => Buffer.from(`bytes ${id}`).toString("base64")), null]);
  });

  it("answers a send in under a second while a slow inbound download holds the queue", async () => {
    let downloading = false;
    h = await startHarness({ deps: { downloadMedia: async () => ((downloading = true), await sleep(4_000), Buffer.from("late")) }, tuning: { mediaDownloadTimeoutMs: 5_000 } });
    const sock = await connected(h);
    await setMediaBase64(h, true);
    sock.emit("messages.upsert", { messages: [media("BIG")], type: "notify" });
    await sleep(50);
    expect(downloading).toBe(true);
    const started = Date.now();
    const response = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "fast" });
    expect(response.status).toBe(200);
    expect(Date.now() - started).toBeLessThan(1_000);
    await h.expectEvents("message.sent", 1);
  });
});
