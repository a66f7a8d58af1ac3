// End to end through everything real: fake WhatsApp ← Baileys in the connector → signed ingest →
// worker (wrangler dev, local D1 + Queues) → signed webhook POSTs at a local receiver. Asserts on
// what a user sees: API responses and the webhook bodies/headers the receiver got. The stack is
// shared; each test creates and pairs its own instance (own name, own phone), so none depends on
// another having run.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectionState, connectionWebhook, createWithQr, freshAccount, pairFreshInstance, scanAndWaitOpen, webhookOf, webhooksSince,
} from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const CAROL = "15552223333";
const ERIN = "15559998887";
// Baileys 7 emits the QR payload as a wa.me link around the classic `2@ref,noise,identity,adv` string.
const QR_CODE = /^(https:\/\/wa\.me\/settings\/linked_devices#)?2@[^,]+(,[^,]+){3,4}$/;
const jidOf = (pn: string) => `${pn}@s.whatsapp.net`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("e2e: fake WhatsApp → connector → worker → webhook receiver", () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack("e2e-stack");
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  /** Sends a text through the API and waits until the fake server decrypted it; returns its id. */
  async function sendThroughApi(name: string, phone: ReturnType<typeof freshAccount>["phone"], to: string, text: string) {
    const res = await stack.api("POST", `/message/sendText/${name}`, { number: to, text });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    const id = res.json.key.id as string;
    const onWire = await phone.waitForSent((m) => m.id === id, 15_000);
    return { res, id, onWire };
  }

  it("pairs by QR: create returns a QR, the phone scans it, 515, reconnect, open", async () => {
    const { name, pn, phone } = freshAccount(stack, "pair");
    const qr = await createWithQr(stack, name);
    expect(qr).toMatchObject({ count: 1, code: expect.stringMatching(QR_CODE) });
    expect(qr.base64).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);

    const qrWebhook = await webhookOf(stack, name, "qrcode.updated", (d) => (d.qrcode as { code?: string }).code === qr.code);
    expect(qrWebhook.body.data.qrcode).toMatchObject({ instance: name, code: qr.code, base64: qr.base64 });

    const open = await scanAndWaitOpen(stack, name, phone, qr.code);
    const restart = await connectionWebhook(stack, name, "close", 515);
    expect(stack.inbox.received.indexOf(restart)).toBeLessThan(stack.inbox.received.indexOf(open));
    expect(open.body).toMatchObject({
      event: "connection.update",
      instance: name,
      data: { instance: name, state: "open", statusReason: 200, wuid: jidOf(pn) },
      sender: jidOf(pn),
      server_url: stack.worker.baseUrl,
      destination: stack.inbox.url,
    });
    expect(new Date(open.body.date_time!).toISOString()).toBe(open.body.date_time);
    expect(open.body).not.toHaveProperty("apikey");

    // Standard Webhooks headers, verified with the instance's own secret by an independent library.
    expect(open.headers["webhook-id"]).toMatch(/^msg_/);
    expect(open.headers["webhook-timestamp"]).toMatch(/^\d+$/);
    expect(open.headers["webhook-signature"]).toMatch(/^v1,/);
    expect(open.headers["content-type"]).toBe("application/json");
    const secret = await stack.api("GET", `/webhook/secret/${name}`);
    expect(secret.status).toBe(200);
    const verified = new Webhook(secret.json.secret).verify(open.raw, open.headers as Record<string, string>);
    expect(verified).toMatchObject({ event: "connection.update", instance: name });

    expect(await connectionState(stack, name)).toBe("open");
    const connect = await stack.api("GET", `/instance/connect/${name}`);
    expect(connect.json).toEqual({ instance: { instanceName: name, state: "open" } });
    const listed = await stack.api("GET", `/instance/fetchInstances?instanceName=${name}`);
    expect(listed.status).toBe(200);
    // The fake phone sends no push name (no app-state sync), so profileName stays null.
    expect(listed.json).toEqual([{ instance: expect.objectContaining({ instanceName: name, owner: jidOf(pn), status: "open", profileName: null }) }]);
  }, 60_000);

  it("delivers an inbound text as messages.upsert", async () => {
    const { name, jid, phone } = await pairFreshInstance(stack, "inbound");
    const { id } = await phone.sendText({ from: CAROL, text: "hello from Carol", pushName: "Carol" });
    const upsert = await webhookOf(stack, name, "messages.upsert", (d) => d.key?.id === id);
    expect(upsert.body).toMatchObject({
      sender: jid,
      data: {
        key: { remoteJid: jidOf(CAROL), fromMe: false, id },
        pushName: "Carol",
        message: { conversation: "hello from Carol" },
        messageType: "conversation",
        owner: name,
      },
    });
    expect(upsert.body.data.messageTimestamp).toEqual(expect.any(Number));
    expect(Math.abs((upsert.body.data.messageTimestamp as number) - Date.now() / 1000)).toBeLessThan(120);
  }, 60_000);

  it("sends a text through the API: 201, decrypted by the fake server, send.message webhook", async () => {
    const { name, phone } = await pairFreshInstance(stack, "send");
    const { res, id, onWire } = await sendThroughApi(name, phone, CAROL, "hi Carol, from the API");
    expect(res.json.key).toMatchObject({ remoteJid: jidOf(CAROL), fromMe: true, id: expect.any(String) });
    expect(res.json.messageTimestamp).toEqual(expect.any(Number));
    expect(res.json.status).toEqual(expect.any(String));
    const apiText = res.json.message?.extendedTextMessage?.text ?? res.json.message?.conversation;
    expect(apiText).toBe("hi Carol, from the API");

    expect(onWire.to).toBe(jidOf(CAROL));
    expect(onWire.errors).toEqual([]);
    expect(onWire.message?.extendedTextMessage?.text ?? onWire.message?.conversation).toBe("hi Carol, from the API");

    const sent = await webhookOf(stack, name, "send.message", (d) => d.key?.id === id);
    expect(sent.body.data).toMatchObject({ key: { remoteJid: jidOf(CAROL), fromMe: true, id }, messageType: expect.any(String), owner: name });
  }, 60_000);

  it("maps delivery and read receipts to messages.update, and never echoes the API send as an upsert", async () => {
    const { name, phone } = await pairFreshInstance(stack, "receipts");
    // Carol writes first. Without that, a freshly paired Baileys folded these receipts into its
    // still-buffered own-send upsert and no messages.update came out.
    const inbound = await phone.sendText({ from: CAROL, text: "are you there?" });
    await webhookOf(stack, name, "messages.upsert", (d) => d.key?.id === inbound.id);
    const { id } = await sendThroughApi(name, phone, CAROL, "did you get this?");
    await webhookOf(stack, name, "send.message", (d) => d.key?.id === id);
    phone.receipt({ id, type: "delivery" });
    const delivered = await webhookOf(stack, name, "messages.update", (d) => d.id === id && d.status === "DELIVERY_ACK");
    expect(delivered.body.data).toMatchObject({ remoteJid: jidOf(CAROL), fromMe: true, id, owner: name });
    phone.receipt({ id, type: "read" });
    await webhookOf(stack, name, "messages.update", (d) => d.id === id && d.status === "READ");

    const echoes = stack.inbox.received.filter((w) => w.body.event === "messages.upsert" && w.body.data.key?.id === id);
    expect(echoes).toEqual([]);
  }, 60_000);

  it("reports a participant added to a group as group-participants.update", async () => {
    const { name, phone } = await pairFreshInstance(stack, "group");
    const group = phone.createGroup({ subject: "E2E group", participants: [CAROL] });
    await webhookOf(stack, name, "groups.upsert", (d) => Array.isArray(d) && d.some((g: { id?: string }) => g.id === group));
    phone.groupUpdate({ group, action: "add", participants: [ERIN] });
    const added = await webhookOf(stack, name, "group-participants.update", (d) => d.id === group && d.action === "add");
    expect(added.body.data).toMatchObject({ id: group, action: "add", participants: [jidOf(ERIN)] });
  }, 60_000);

  it("stays down after a 440 (replaced) stream error: close 440, no reconnect; connect logs in again without a QR", async () => {
    const { name, phone } = await pairFreshInstance(stack, "replaced");
    // Any socket that appears after this (even one still in its handshake) would be a reconnect.
    const socketsBefore = new Set(stack.wa.server.connections);
    const newSockets = () => [...stack.wa.server.connections].filter((c) => !socketsBefore.has(c));

    phone.streamError(440);
    const closed = await connectionWebhook(stack, name, "close", 440);
    const afterClose = stack.inbox.received.indexOf(closed);
    expect(await connectionState(stack, name)).toBe("close");
    // A reconnect would come within the 1 s backoff (+ jitter); give it clearly more than that.
    await sleep(3_000);
    expect(newSockets()).toHaveLength(0);
    const later = webhooksSince(stack, name, afterClose + 1).filter((w) => w.body.event === "connection.update");
    expect(later.map((w) => w.body.data.state)).toEqual([]);
    expect(await connectionState(stack, name)).toBe("close");

    // The paired credentials survived the 440: connect logs in again without a QR.
    const reconnect = await stack.api("GET", `/instance/connect/${name}`);
    expect(reconnect.status, JSON.stringify(reconnect.json)).toBe(200);
    expect(reconnect.json).not.toHaveProperty("code");
    await phone.waitForOnline(20_000);
    await eventually(async () => ((await connectionState(stack, name)) === "open" ? true : undefined), `${name} open`, 20_000);
  }, 60_000);

  it("after a 401 (device removed) the instance is logged out: close 401, and connect starts over with a QR", async () => {
    const { name, phone } = await pairFreshInstance(stack, "removed");
    phone.streamError(401);
    const closed = await connectionWebhook(stack, name, "close", 401);
    expect(closed.body.data).toMatchObject({ instance: name, state: "close", statusReason: 401 });
    expect(await connectionState(stack, name)).toBe("close");
    const listed = await stack.api("GET", `/instance/fetchInstances?instanceName=${name}`);
    expect(listed.json[0].instance.status).toBe("close");

    // Credentials were wiped: the next connect is a fresh pairing.
    const fresh = await stack.api("GET", `/instance/connect/${name}`);
    expect(fresh.status).toBe(200);
    expect(fresh.json).toMatchObject({ code: expect.stringMatching(QR_CODE), base64: expect.stringMatching(/^data:image\/png;base64,/) });
  }, 60_000);

  it("signs every webhook with its own instance's secret and sends the Evolution envelope", async () => {
    const { name, phone } = await pairFreshInstance(stack, "signed");
    const { id } = await phone.sendText({ from: CAROL, text: "sign this" });
    await webhookOf(stack, name, "messages.upsert", (d) => d.key?.id === id);
    // Another instance's secret must not verify them.
    const other = freshAccount(stack, "unpaired");
    expect((await stack.api("POST", "/instance/create", { instanceName: other.name, webhook: stack.inbox.url })).status).toBe(201);
    const own = new Webhook((await stack.api("GET", `/webhook/secret/${name}`)).json.secret);
    const foreign = new Webhook((await stack.api("GET", `/webhook/secret/${other.name}`)).json.secret);

    // qrcode.updated, connection.update (close 515, open) and messages.upsert at least.
    const hooks = stack.inbox.received.filter((w) => w.body.instance === name);
    expect(hooks.length).toBeGreaterThanOrEqual(4);
    for (const hook of hooks) {
      const { body } = hook;
      expect(Object.keys(body)).toEqual(expect.arrayContaining(["data", "date_time", "destination", "event", "instance", "server_url"]));
      expect(body.server_url).toBe(stack.worker.baseUrl);
      expect(new Date(body.date_time!).toISOString()).toBe(body.date_time);
      expect(hook.headers["user-agent"]).toMatch(/^l2msg\//);
      expect(() => own.verify(hook.raw, hook.headers as Record<string, string>)).not.toThrow();
      expect(() => foreign.verify(hook.raw, hook.headers as Record<string, string>)).toThrow();
    }
  }, 60_000);

  it("logs out and deletes: 200 SUCCESS bodies, close 401 webhook, state close, instance gone", async () => {
    const { name, phone } = await pairFreshInstance(stack, "logout");
    const logout = await stack.api("DELETE", `/instance/logout/${name}`);
    expect(logout.status, JSON.stringify(logout.json)).toBe(200);
    expect(logout.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance logged out" } });
    await connectionWebhook(stack, name, "close", 401);
    expect(await connectionState(stack, name)).toBe("close");
    expect(stack.wa.server.liveConnections(phone.account)).toHaveLength(0);

    const deleted = await stack.api("DELETE", `/instance/delete/${name}`);
    expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
    expect(deleted.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance deleted" } });
    const gone = await stack.api("GET", `/instance/fetchInstances?instanceName=${name}`);
    expect(gone.status).toBe(404);
  }, 60_000);
});
