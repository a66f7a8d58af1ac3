// Commands from the worker as they arrive in production: signed frames on the connector's socket.
// Refused when stale, forged, altered or replayed; the connector opens no listening port; command
// shapes from protocol/commands.ts; connect, send-text, logout, remove, restart run through them.
import { afterEach, describe, expect, it } from "vitest";
import {
  COMMAND_PATHS,
  healthResponseSchema,
  instanceListResponseSchema,
  instanceStatusSchema,
  sendTextResponseSchema,
} from "../../protocol/commands.ts";
import { FLEET_PATHS, randomId, type CommandFrame } from "../../protocol/fleet.ts";
import { initAuthCreds, proto } from "@whiskeysockets/baileys";
import { SqliteAuthStore } from "../../connector/auth-store.ts";
import { socketCommand } from "./fleet-stub.ts";
import { inboundText, ME_JID, openSocket, tempDir, waitFor } from "./helpers.ts";
import { startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;

afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const listeningServers = () => process.getActiveResourcesInfo().filter((name) => name === "TCPServerWrap").length;
const sendText = (text: string) => ({ method: "POST" as const, path: COMMAND_PATHS.sendText("sales"), instance: "sales", epoch: 0, body: JSON.stringify({ jid: "15552223333@s.whatsapp.net", text }) });

describe("command transport", () => {
  it("opens no listening port: the only server in the process is the worker stand-in's", async () => {
    const before = listeningServers();
    h = await startHarness();
    expect(listeningServers()).toBe(before + 1);
  });

  type Tamper = ((frame: CommandFrame) => CommandFrame) | undefined;
  it.each<[string, { ts?: number }, Tamper, string]>([
    ["stale", { ts: Math.floor(Date.now() / 1000) - 301 }, undefined, "signature stale"],
    ["body changed after signing", {}, (f) => ({ ...f, body: f.body.replace("hi", "evil") }), "signature mismatch"],
    ["epoch changed after signing", {}, (f) => ({ ...f, epoch: f.epoch + 5 }), "signature mismatch"],
    ["signed with another key", {}, (f) => ({ ...f, sig: `v1=${"0".repeat(64)}` }), "signature mismatch"],
  ])("%s → 401, nothing runs, the refusal is signed", async (_name, fields, tamper, message) => {
    h = await startHarness();
    const answer = await h.fleet.send({ ...sendText("hi"), ...fields }, tamper);
    expect(answer).toEqual({ status: 401, body: { error: "unauthorized", message }, check: "ok" });
    expect(h.connector.registry.names()).toEqual([]);
  });

  it("a replayed send-text frame (same id, same signature) is refused and sends nothing twice", async () => {
    h = await startHarness();
    await connectAndOpen(h);
    const id = randomId();
    const first = await h.fleet.send({ ...sendText("once"), id });
    expect(first.status).toBe(200);
    const replay = await h.fleet.send({ ...sendText("once"), id });
    expect(replay).toMatchObject({ status: 401, body: { message: "signature replayed" } });
    expect(h.sockets.sockets[0]!.sent).toHaveLength(1);
  });

  it("signed commands get 200 with the contract shapes", async () => {
    h = await startHarness();
    const health = await socketCommand(h.fleet, h.connector, "GET", COMMAND_PATHS.health);
    expect(health.status).toBe(200);
    expect(healthResponseSchema.parse(await health.json())).toMatchObject({ connector: "c1", instances: 0 });
    const state = await socketCommand(h.fleet, h.connector, "GET", COMMAND_PATHS.state("nobody"));
    expect(instanceStatusSchema.parse(await state.json())).toMatchObject({ instance: "nobody", state: "close" });
    const list = await socketCommand(h.fleet, h.connector, "GET", COMMAND_PATHS.list);
    expect(instanceListResponseSchema.parse(await list.json())).toEqual({ instances: [] });
    expect((await socketCommand(h.fleet, h.connector, "GET", "/v1/nothing")).status).toBe(404);
    expect((await socketCommand(h.fleet, h.connector, "PUT", COMMAND_PATHS.sendText("sales"), {})).status).toBe(405);
  });
});

async function connectAndOpen(harness: Harness) {
  const response = socketCommand(harness.fleet, harness.connector, "POST", COMMAND_PATHS.connect("sales"), {});
  await waitFor(() => harness.sockets.sockets.length === 1, 5_000, "the socket");
  openSocket(harness.sockets.sockets[0]!);
  const status = instanceStatusSchema.parse(await (await response).json());
  expect(status).toMatchObject({ instance: "sales", state: "open", statusReason: 200, me: { id: "15550001111@s.whatsapp.net" } });
  return harness.sockets.sockets[0]!;
}

describe("instance commands", () => {
  it("connect with a number answers the QR and the pairing code", async () => {
    h = await startHarness();
    const connecting = socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.connect("sales"), { number: "15550001111" });
    await waitFor(() => h!.sockets.sockets.length === 1, 5_000, "the socket");
    h.sockets.sockets[0]!.emit("connection.update", { qr: "2@ref,noise,identity,adv,9" });
    const status = instanceStatusSchema.parse(await (await connecting).json());
    expect(status).toMatchObject({ instance: "sales", state: "connecting", qr: { code: "2@ref,noise,identity,adv,9", count: 1 }, pairingCode: "ABCD1234" });
  });

  it("acquire logs a paired instance in at the frame's epoch; release closes it without logging out", async () => {
    const dir = tempDir();
    const store = new SqliteAuthStore(`${dir.path}/auth.sqlite`);
    store.saveCreds("sales", { ...initAuthCreds(), me: { id: ME_JID, name: "Sales" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) });
    store.close();
    h = await startHarness({ dir: dir.path });
    const acquired = await h.fleet.send({ method: "POST", path: FLEET_PATHS.acquire("sales"), instance: "sales", epoch: 7, body: "" });
    expect(acquired).toMatchObject({ status: 200, body: { instance: "sales" }, check: "ok" });
    expect(h.connector.fleet.epochOf("sales")).toBe(7);
    await waitFor(() => h!.sockets.sockets.length === 1, 5_000, "the acquired instance's socket");
    const released = await h.fleet.send({ method: "POST", path: FLEET_PATHS.release("sales"), instance: "sales", epoch: 7, body: "" });
    expect(released).toEqual({ status: 200, body: { instance: "sales", released: true }, check: "ok" });
    expect(h.sockets.sockets[0]!.ended).toEqual([undefined]);
    expect(h.sockets.sockets[0]!.loggedOut).toBe(0);
    expect(h.connector.fleet.epochOf("sales")).toBeUndefined();
    await h.stop();
    h = undefined;
    dir.cleanup();
  });

  it("send-text answers 409 when not connected and 400 on a bad body", async () => {
    h = await startHarness();
    const notConnected = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "hi" });
    expect(notConnected.status).toBe(409);
    expect(await notConnected.json()).toMatchObject({ error: "not_connected" });
    await connectAndOpen(h);
    const bad = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_request", message: expect.stringContaining("text") });
  });

  it("send-text returns the sent message, emits message.sent and drops the socket's echo from upserts", async () => {
    h = await startHarness();
    const sock = await connectAndOpen(h);
    const response = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "hello from the API" });
    expect(response.status).toBe(200);
    const sent = sendTextResponseSchema.parse(await response.json());
    expect(sent).toMatchObject({ key: { remoteJid: "15552223333@s.whatsapp.net", fromMe: true }, status: "PENDING" });
    expect(sent.messageTimestamp).toBeGreaterThan(1_600_000_000);
    expect((sent.message as any).extendedTextMessage.text).toBe("hello from the API");
    expect(sock.sent[0]!.key.id).toBe(sent.key.id);

    sock.emit("messages.upsert", { messages: [inboundText("INBOUND1", "a reply")], type: "notify" });
    const [messageSent] = await h.expectEvents("message.sent", 1);
    expect((messageSent!.payload as any).message.key.id).toBe(sent.key.id);
    const upserts = await h.expectEvents("messages.upsert", 1);
    await h.drained();
    const upsertIds = h.ofType("messages.upsert").flatMap((e) => (e.payload as any).messages.map((m: any) => m.key.id));
    expect(upsertIds).toEqual(["INBOUND1"]);
    expect(upserts).toHaveLength(1);
  });

  it("logout wipes the instance and reports close/401; remove forgets it", async () => {
    h = await startHarness();
    const sock = await connectAndOpen(h);
    const logout = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.logout("sales"));
    expect(instanceStatusSchema.parse(await logout.json())).toMatchObject({ state: "close", statusReason: 401 });
    expect(sock.loggedOut).toBe(1);
    const closes = (await h.expectEvents("connection.update", 3)).filter((e) => (e.payload as any).connection === "close");
    expect((closes.at(-1)!.payload as any).lastDisconnect.error.statusCode).toBe(401);
    const again = await socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.logout("sales"));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "not_connected" });
    const removed = await socketCommand(h.fleet, h.connector, "DELETE", COMMAND_PATHS.remove("sales"));
    expect(await removed.json()).toEqual({ instance: "sales", removed: true });
    const list = await socketCommand(h.fleet, h.connector, "GET", COMMAND_PATHS.list);
    expect(await list.json()).toEqual({ instances: [] });
  });

  it("restart ends the socket (never logs out) and opens a new one", async () => {
    h = await startHarness();
    const first = await connectAndOpen(h);
    const restarting = socketCommand(h.fleet, h.connector, "POST", COMMAND_PATHS.restart("sales"));
    await waitFor(() => h!.sockets.sockets.length === 2, 5_000, "a second socket");
    openSocket(h.sockets.sockets[1]!);
    expect(instanceStatusSchema.parse(await (await restarting).json())).toMatchObject({ state: "open" });
    expect(first.ended).toEqual([undefined]);
    expect(first.loggedOut).toBe(0);
  });
});
