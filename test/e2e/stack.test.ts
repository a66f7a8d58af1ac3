// End to end through everything real: fake WhatsApp ← Baileys in the connector → signed ingest →
// worker (wrangler dev, local D1 + Queues) → signed webhook POSTs at a local receiver. Asserts on
// what a user sees: API responses and the webhook bodies/headers the receiver got.
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakePhone } from "../fake-wa/index.ts";
import { connectionState, connectionWebhook, createWithQr, scanAndWaitOpen, webhookOf, webhooksSince } from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const SALES = "sales";
const SUPPORT = "support";
const SALES_PN = "15551234567";
const SUPPORT_PN = "15550001111";
const CAROL = "15552223333";
const ERIN = "15559998887";
// Baileys 7 emits the QR payload as a wa.me link around the classic `2@ref,noise,identity,adv` string.
const QR_CODE = /^(https:\/\/wa\.me\/settings\/linked_devices#)?2@[^,]+(,[^,]+){3,4}$/;
const jidOf = (pn: string) => `${pn}@s.whatsapp.net`;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("e2e: fake WhatsApp → connector → worker → webhook receiver", () => {
  let stack: Stack;
  let sales: FakePhone;
  let support: FakePhone;
  let sentId: string;

  beforeAll(async () => {
    stack = await startStack("e2e-stack");
    sales = stack.wa.phone(SALES_PN);
    support = stack.wa.phone(SUPPORT_PN);
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  it("pairs by QR: create returns a QR, the phone scans it, 515, reconnect, open", async () => {
    const qr = await createWithQr(stack, SALES);
    expect(qr).toMatchObject({ count: 1, code: expect.stringMatching(QR_CODE) });
    expect(qr.base64).toMatch(/^data:image\/png;base64,[A-Za-z0-9+/]{100,}/);

    const qrWebhook = await webhookOf(stack, SALES, "qrcode.updated", (d) => (d.qrcode as { code?: string }).code === qr.code);
    expect(qrWebhook.body.data.qrcode).toMatchObject({ instance: SALES, code: qr.code, base64: qr.base64 });

    const open = await scanAndWaitOpen(stack, SALES, sales, qr.code);
    const restart = await connectionWebhook(stack, SALES, "close", 515);
    expect(stack.inbox.received.indexOf(restart)).toBeLessThan(stack.inbox.received.indexOf(open));
    expect(open.body).toMatchObject({
      event: "connection.update",
      instance: SALES,
      data: { instance: SALES, state: "open", statusReason: 200, wuid: jidOf(SALES_PN) },
      sender: jidOf(SALES_PN),
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
    const secret = await stack.api("GET", `/webhook/secret/${SALES}`);
    expect(secret.status).toBe(200);
    const verified = new Webhook(secret.json.secret).verify(open.raw, open.headers as Record<string, string>);
    expect(verified).toMatchObject({ event: "connection.update", instance: SALES });

    expect(await connectionState(stack, SALES)).toBe("open");
    const connect = await stack.api("GET", `/instance/connect/${SALES}`);
    expect(connect.json).toEqual({ instance: { instanceName: SALES, state: "open" } });
    const listed = await stack.api("GET", `/instance/fetchInstances?instanceName=${SALES}`);
    expect(listed.status).toBe(200);
    // The fake phone sends no push name (no app-state sync), so profileName stays null.
    expect(listed.json).toEqual([{ instance: expect.objectContaining({ instanceName: SALES, owner: jidOf(SALES_PN), status: "open", profileName: null }) }]);
  }, 60_000);

  it("delivers an inbound text as messages.upsert", async () => {
    const { id } = await sales.sendText({ from: CAROL, text: "hello from Carol", pushName: "Carol" });
    const upsert = await webhookOf(stack, SALES, "messages.upsert", (d) => d.key?.id === id);
    expect(upsert.body).toMatchObject({
      sender: jidOf(SALES_PN),
      data: {
        key: { remoteJid: jidOf(CAROL), fromMe: false, id },
        pushName: "Carol",
        message: { conversation: "hello from Carol" },
        messageType: "conversation",
        owner: SALES,
      },
    });
    expect(upsert.body.data.messageTimestamp).toEqual(expect.any(Number));
    expect(Math.abs((upsert.body.data.messageTimestamp as number) - Date.now() / 1000)).toBeLessThan(120);
  });

  it("sends a text through the API: 201, decrypted by the fake server, send.message webhook", async () => {
    const res = await stack.api("POST", `/message/sendText/${SALES}`, { number: CAROL, text: "hi Carol, from the API" });
    expect(res.status, JSON.stringify(res.json)).toBe(201);
    expect(res.json.key).toMatchObject({ remoteJid: jidOf(CAROL), fromMe: true, id: expect.any(String) });
    expect(res.json.messageTimestamp).toEqual(expect.any(Number));
    expect(res.json.status).toEqual(expect.any(String));
    const apiText = res.json.message?.extendedTextMessage?.text ?? res.json.message?.conversation;
    expect(apiText).toBe("hi Carol, from the API");
    sentId = res.json.key.id;

    const onWire = await sales.waitForSent((m) => m.id === sentId, 15_000);
    expect(onWire.to).toBe(jidOf(CAROL));
    expect(onWire.errors).toEqual([]);
    expect(onWire.message?.extendedTextMessage?.text ?? onWire.message?.conversation).toBe("hi Carol, from the API");

    const sent = await webhookOf(stack, SALES, "send.message", (d) => d.key?.id === sentId);
    expect(sent.body.data).toMatchObject({ key: { remoteJid: jidOf(CAROL), fromMe: true, id: sentId }, messageType: expect.any(String), owner: SALES });
  });

  it("maps delivery and read receipts to messages.update, and never echoes the API send as an upsert", async () => {
    sales.receipt({ id: sentId, type: "delivery" });
    const delivered = await webhookOf(stack, SALES, "messages.update", (d) => d.id === sentId && d.status === "DELIVERY_ACK");
    expect(delivered.body.data).toMatchObject({ remoteJid: jidOf(CAROL), fromMe: true, id: sentId, owner: SALES });
    sales.receipt({ id: sentId, type: "read" });
    await webhookOf(stack, SALES, "messages.update", (d) => d.id === sentId && d.status === "READ");

    const echoes = stack.inbox.received.filter((w) => w.body.event === "messages.upsert" && w.body.data.key?.id === sentId);
    expect(echoes).toEqual([]);
  });

  it("reports a participant added to a group as group-participants.update", async () => {
    const group = sales.createGroup({ subject: "E2E group", participants: [CAROL] });
    await webhookOf(stack, SALES, "groups.upsert", (d) => Array.isArray(d) && d.some((g: { id?: string }) => g.id === group));
    sales.groupUpdate({ group, action: "add", participants: [ERIN] });
    const added = await webhookOf(stack, SALES, "group-participants.update", (d) => d.id === group && d.action === "add");
    expect(added.body.data).toMatchObject({ id: group, action: "add", participants: [jidOf(ERIN)] });
  });

  it("stays down after a 440 (replaced) stream error: close 440, no reconnect", async () => {
    const qr = await createWithQr(stack, SUPPORT);
    await scanAndWaitOpen(stack, SUPPORT, support, qr.code);
    // Any socket other than the sales one (even one still in its handshake) would be a reconnect.
    const otherSockets = () => [...stack.wa.server.connections].filter((c) => c.account !== sales.account);

    support.streamError(440);
    const closed = await connectionWebhook(stack, SUPPORT, "close", 440);
    const afterClose = stack.inbox.received.indexOf(closed);
    expect(await connectionState(stack, SUPPORT)).toBe("close");
    // A reconnect would come within the 1 s backoff (+ jitter); give it clearly more than that.
    await sleep(3_000);
    expect(otherSockets()).toHaveLength(0);
    const later = webhooksSince(stack, SUPPORT, afterClose + 1).filter((w) => w.body.event === "connection.update");
    expect(later.map((w) => w.body.data.state)).toEqual([]);
    expect(await connectionState(stack, SUPPORT)).toBe("close");
  }, 60_000);

  it("after a 401 (device removed) the instance is logged out: close 401, and connect starts over with a QR", async () => {
    // The paired credentials survived the 440: connect logs in again without a QR.
    const reconnect = await stack.api("GET", `/instance/connect/${SUPPORT}`);
    expect(reconnect.status, JSON.stringify(reconnect.json)).toBe(200);
    await support.waitForOnline(20_000);
    await eventually(async () => ((await connectionState(stack, SUPPORT)) === "open" ? true : undefined), `${SUPPORT} open`, 20_000);

    support.streamError(401);
    const closed = await connectionWebhook(stack, SUPPORT, "close", 401);
    expect(closed.body.data).toMatchObject({ instance: SUPPORT, state: "close", statusReason: 401 });
    expect(await connectionState(stack, SUPPORT)).toBe("close");
    const listed = await stack.api("GET", `/instance/fetchInstances?instanceName=${SUPPORT}`);
    expect(listed.json[0].instance.status).toBe("close");

    // Credentials were wiped: the next connect is a fresh pairing.
    const fresh = await stack.api("GET", `/instance/connect/${SUPPORT}`);
    expect(fresh.status).toBe(200);
    expect(fresh.json).toMatchObject({ code: expect.stringMatching(QR_CODE), base64: expect.stringMatching(/^data:image\/png;base64,/) });
  }, 60_000);

  it("signs every webhook with its instance's secret and sends the Evolution envelope", async () => {
    const secrets = new Map<string, Webhook>();
    for (const name of [SALES, SUPPORT]) secrets.set(name, new Webhook((await stack.api("GET", `/webhook/secret/${name}`)).json.secret));
    expect(stack.inbox.received.length).toBeGreaterThan(10);
    for (const hook of stack.inbox.received) {
      const { body } = hook;
      expect(Object.keys(body)).toEqual(expect.arrayContaining(["data", "date_time", "destination", "event", "instance", "server_url"]));
      expect(body.server_url).toBe(stack.worker.baseUrl);
      expect(new Date(body.date_time!).toISOString()).toBe(body.date_time);
      expect(hook.headers["user-agent"]).toMatch(/^l2msg\//);
      expect(() => secrets.get(body.instance)!.verify(hook.raw, hook.headers as Record<string, string>)).not.toThrow();
    }
  });

  it("logs out and deletes: 200 SUCCESS bodies, close 401 webhook, state close, instance gone", async () => {
    const logout = await stack.api("DELETE", `/instance/logout/${SALES}`);
    expect(logout.status, JSON.stringify(logout.json)).toBe(200);
    expect(logout.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance logged out" } });
    await connectionWebhook(stack, SALES, "close", 401);
    expect(await connectionState(stack, SALES)).toBe("close");
    expect(stack.wa.server.liveConnections(sales.account)).toHaveLength(0);

    for (const name of [SALES, SUPPORT]) {
      const deleted = await stack.api("DELETE", `/instance/delete/${name}`);
      expect(deleted.status, JSON.stringify(deleted.json)).toBe(200);
      expect(deleted.json).toEqual({ status: "SUCCESS", error: false, response: { message: "Instance deleted" } });
      const gone = await stack.api("GET", `/instance/fetchInstances?instanceName=${name}`);
      expect(gone.status).toBe(404);
    }
  }, 60_000);
});

