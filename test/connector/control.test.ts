// The control API: signature checks on every route, command shapes from protocol/commands.ts,
// and send-text (409 when not connected; message.sent emitted; the socket's echo filtered out).
import { afterEach, describe, expect, it } from "vitest";
import {
  COMMAND_PATHS,
  healthResponseSchema,
  instanceListResponseSchema,
  instanceStatusSchema,
  sendTextResponseSchema,
} from "../../protocol/commands.ts";
import { signConnectorRequest, verifyConnectorRequest } from "../../protocol/signing.ts";
import { inboundText, openSocket, SECRET, signedRequest, waitFor } from "./helpers.ts";
import { startHarness, type Harness } from "./fixture.ts";

let h: Harness | undefined;

/** The worker verifies every answer's signature; so do we. */
function responseSignature(response: Response, text: string) {
  return verifyConnectorRequest(SECRET, response.headers.get("x-l2msg-timestamp"), response.headers.get("x-l2msg-signature"), text, Date.now());
}
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

describe("control API auth", () => {
  it.each([
    ["unsigned", async (url: string) => fetch(`${url}${COMMAND_PATHS.health}`)],
    [
      "stale",
      async (url: string) => {
        const ts = Math.floor(Date.now() / 1000) - 301;
        return fetch(`${url}${COMMAND_PATHS.health}`, { headers: { "x-l2msg-timestamp": String(ts), "x-l2msg-signature": await signConnectorRequest("test-secret-0123456789abcdef", ts, "") } });
      },
    ],
    [
      "wrong secret",
      async (url: string) => {
        const ts = Math.floor(Date.now() / 1000);
        return fetch(`${url}${COMMAND_PATHS.health}`, { headers: { "x-l2msg-timestamp": String(ts), "x-l2msg-signature": await signConnectorRequest("other", ts, "") } });
      },
    ],
    [
      "body changed after signing",
      async (url: string) => {
        const ts = Math.floor(Date.now() / 1000);
        const signature = await signConnectorRequest("test-secret-0123456789abcdef", ts, '{"jid":"a@s.whatsapp.net","text":"hi"}');
        return fetch(`${url}${COMMAND_PATHS.sendText("sales")}`, {
          method: "POST",
          headers: { "x-l2msg-timestamp": String(ts), "x-l2msg-signature": signature },
          body: '{"jid":"a@s.whatsapp.net","text":"evil"}',
        });
      },
    ],
  ])("%s → 401 JSON", async (_name, send) => {
    h = await startHarness();
    const response = await send(h.connector.url);
    expect(response.status).toBe(401);
    const text = await response.text();
    expect(JSON.parse(text)).toMatchObject({ error: "unauthorized", message: expect.any(String) });
    expect(await responseSignature(response, text)).toEqual({ ok: true });
  });

  it("signed requests get 200 with the contract shapes", async () => {
    h = await startHarness();
    const health = await signedRequest(h.connector.url, "GET", COMMAND_PATHS.health);
    expect(health.status).toBe(200);
    const healthText = await health.text();
    expect(await responseSignature(health, healthText)).toEqual({ ok: true });
    expect(healthResponseSchema.parse(JSON.parse(healthText))).toMatchObject({ connector: "c1", instances: 0 });
    const state = await signedRequest(h.connector.url, "GET", COMMAND_PATHS.state("nobody"));
    expect(instanceStatusSchema.parse(await state.json())).toMatchObject({ instance: "nobody", state: "close" });
    const list = await signedRequest(h.connector.url, "GET", COMMAND_PATHS.list);
    expect(instanceListResponseSchema.parse(await list.json())).toEqual({ instances: [] });
    expect((await signedRequest(h.connector.url, "GET", "/v1/nothing")).status).toBe(404);
    expect((await signedRequest(h.connector.url, "GET", COMMAND_PATHS.state("bad name!"))).status).toBe(400);
  });
});

describe("control API commands", () => {
  async function connectAndOpen(harness: Harness) {
    const response = signedRequest(harness.connector.url, "POST", COMMAND_PATHS.connect("sales"), {});
    await waitFor(() => harness.sockets.sockets.length === 1, 5_000, "the socket");
    openSocket(harness.sockets.sockets[0]!);
    const status = instanceStatusSchema.parse(await (await response).json());
    expect(status).toMatchObject({ instance: "sales", state: "open", statusReason: 200, me: { id: "15550001111@s.whatsapp.net" } });
    return harness.sockets.sockets[0]!;
  }

  it("send-text answers 409 when not connected and 400 on a bad body", async () => {
    h = await startHarness();
    const notConnected = await signedRequest(h.connector.url, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "hi" });
    expect(notConnected.status).toBe(409);
    expect(await notConnected.json()).toMatchObject({ error: "not_connected" });
    await connectAndOpen(h);
    const bad = await signedRequest(h.connector.url, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net" });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: "invalid_request", message: expect.stringContaining("text") });
  });

  it("send-text returns the sent message, emits message.sent and drops the socket's echo from upserts", async () => {
    h = await startHarness();
    const sock = await connectAndOpen(h);
    const response = await signedRequest(h.connector.url, "POST", COMMAND_PATHS.sendText("sales"), { jid: "15552223333@s.whatsapp.net", text: "hello from the API" });
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
    const logout = await signedRequest(h.connector.url, "POST", COMMAND_PATHS.logout("sales"));
    expect(instanceStatusSchema.parse(await logout.json())).toMatchObject({ state: "close", statusReason: 401 });
    expect(sock.loggedOut).toBe(1);
    const closes = (await h.expectEvents("connection.update", 3)).filter((e) => (e.payload as any).connection === "close");
    expect((closes.at(-1)!.payload as any).lastDisconnect.error.statusCode).toBe(401);
    const again = await signedRequest(h.connector.url, "POST", COMMAND_PATHS.logout("sales"));
    expect(again.status).toBe(409);
    expect(await again.json()).toMatchObject({ error: "not_connected" });
    const removed = await signedRequest(h.connector.url, "DELETE", COMMAND_PATHS.remove("sales"));
    expect(await removed.json()).toEqual({ instance: "sales", removed: true });
    const list = await signedRequest(h.connector.url, "GET", COMMAND_PATHS.list);
    expect(await list.json()).toEqual({ instances: [] });
  });

  it("restart ends the socket (never logs out) and opens a new one", async () => {
    h = await startHarness();
    const first = await connectAndOpen(h);
    const restarting = signedRequest(h.connector.url, "POST", COMMAND_PATHS.restart("sales"));
    await waitFor(() => h!.sockets.sockets.length === 2, 5_000, "a second socket");
    openSocket(h.sockets.sockets[1]!);
    expect(instanceStatusSchema.parse(await (await restarting).json())).toMatchObject({ state: "open" });
    expect(first.ended).toEqual([undefined]);
    expect(first.loggedOut).toBe(0);
  });
});
