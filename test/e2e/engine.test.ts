// Webhook engine v2 end to end (fake WhatsApp → connector → worker → receivers): sequences without
// gaps on a webhook subscribed to everything, order per chat on an ordered webhook whose receiver
// fails the first message of a chat twice, replay with /events?after=, and the trace of an
// inbound message that was edited and read.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakePhone } from "../fake-wa/index.ts";
import { createWithQr, scanAndWaitOpen, webhookOf } from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const ENGINE = "engine";
const ENGINE_PN = "15553330000";
const CAROL = "15552223333";
const ERIN = "15559998887";
const jidOf = (pn: string) => `${pn}@s.whatsapp.net`;

interface Arrival { text: string | undefined; status: number; sequence: number }

/** A receiver for the ordered webhook: answers 500 to the first two attempts of `failText`, 200 otherwise. */
async function flakyReceiver(failText: string) {
  const arrivals: Arrival[] = [];
  let failures = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
      const text = body.data?.message?.conversation as string | undefined;
      const status = text === failText && failures < 2 ? 500 : 200;
      if (status === 500) failures += 1;
      arrivals.push({ text, status, sequence: body.sequence });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ordered`;
  const close = () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); });
  return { url, arrivals, close };
}

describe("e2e: webhook engine v2", () => {
  let stack: Stack;
  let phone: FakePhone;
  let flaky: Awaited<ReturnType<typeof flakyReceiver>>;

  beforeAll(async () => {
    // Short retry delays: the ordered webhook's receiver fails twice before it succeeds.
    stack = await startStack("e2e-engine", { WEBHOOK_RETRY_INITIAL_DELAY_SECONDS: "1", WEBHOOK_RETRY_JITTER_FACTOR: "0" });
    phone = stack.wa.phone(ENGINE_PN);
    flaky = await flakyReceiver("A1");
    const qr = await createWithQr(stack, ENGINE);
    await scanAndWaitOpen(stack, ENGINE, phone, qr.code);
  }, 150_000);

  afterAll(async () => {
    await flaky?.close();
    await stack?.stop();
  }, 60_000);

  /** The sequences the inbox (the default webhook, every event) got, one per delivery. */
  const inboxSequences = () => {
    const byId = new Map<string, number>();
    for (const w of stack.inbox.received) if (w.body.instance === ENGINE) byId.set(String(w.headers["webhook-id"]), w.body.sequence!);
    return [...byId.values()].sort((a, b) => a - b);
  };

  it("an ordered webhook gets a chat's messages one at a time, even after failing the first twice; another chat is not held up", async () => {
    const created = await stack.api("POST", `/webhooks/${ENGINE}`, { url: flaky.url, ordered: true, events: ["MESSAGES_UPSERT"] });
    expect(created.status, JSON.stringify(created.json)).toBe(201);
    expect(created.json).toMatchObject({ ordered: true, events: ["MESSAGES_UPSERT"] });

    await phone.sendText({ from: CAROL, text: "A1" });
    await eventually(async () => (flaky.arrivals.some((a) => a.text === "A1") ? true : undefined), "A1 first attempt");
    await phone.sendText({ from: CAROL, text: "A2" });
    await phone.sendText({ from: ERIN, text: "B1" });
    await phone.sendText({ from: CAROL, text: "A3" });
    await eventually(async () => (flaky.arrivals.some((a) => a.text === "A3") ? true : undefined), "A3 delivered", 60_000);

    const ok = flaky.arrivals.filter((a) => a.status === 200).map((a) => a.text);
    expect(flaky.arrivals.filter((a) => a.text === "A1").map((a) => a.status)).toEqual([500, 500, 200]);
    // Chat A in order, each only after the previous succeeded; chat B got through meanwhile.
    expect(ok.filter((t) => t?.startsWith("A"))).toEqual(["A1", "A2", "A3"]);
    const a1Success = flaky.arrivals.findIndex((a) => a.text === "A1" && a.status === 200);
    expect(flaky.arrivals.findIndex((a) => a.text === "A2")).toBeGreaterThan(a1Success);
    expect(flaky.arrivals.findIndex((a) => a.text === "B1")).toBeLessThan(a1Success);
    const seqs = flaky.arrivals.filter((a) => a.status === 200 && a.text?.startsWith("A")).map((a) => a.sequence);
    expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
  }, 90_000);

  it("numbers every event of the instance without gaps on the webhook subscribed to everything", async () => {
    const last = await stack.api("GET", `/events/${ENGINE}?after=0&limit=500`);
    expect(last.status).toBe(200);
    const stored = (last.json.events as Array<{ sequence: number }>).map((e) => e.sequence);
    expect(stored).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    const max = stored.at(-1)!;
    await eventually(async () => (inboxSequences().at(-1)! >= max ? true : undefined), `the inbox got sequence ${max}`, 30_000);
    expect(inboxSequences().filter((s) => s <= max)).toEqual(stored);
  }, 60_000);

  it("/events?after=N returns exactly the events after N, in order, with next", async () => {
    const all = (await stack.api("GET", `/events/${ENGINE}?limit=500`)).json.events as Array<{ sequence: number; event: string }>;
    const n = all[Math.floor(all.length / 2)]!.sequence;
    const page = await stack.api("GET", `/events/${ENGINE}?after=${n}&limit=3`);
    expect(page.json.events.map((e: { sequence: number }) => e.sequence)).toEqual([n + 1, n + 2, n + 3]);
    expect(page.json.next).toBe(n + 3);
    const rest = await stack.api("GET", `/events/${ENGINE}?after=${n}&limit=500`);
    expect(rest.json.events).toEqual(all.filter((e) => e.sequence > n));
  });

  it("traces an inbound message that was edited and read: upsert, edit and receipt, with their deliveries", async () => {
    const { id, key } = await phone.sendText({ from: CAROL, text: "to be edited" });
    await webhookOf(stack, ENGINE, "messages.upsert", (d) => d.key?.id === id);
    await phone.sendEdit({ from: CAROL, key, text: "edited" });
    await webhookOf(stack, ENGINE, "messages.update", (d) => d.id === id && d.message !== undefined);
    // Read on the phone itself: a read-self receipt from the account for Carol's message.
    stack.wa.server.deliver(phone.account, {
      tag: "receipt", attrs: { from: phone.jid, recipient: jidOf(CAROL), id, type: "read-self", t: String(Math.floor(Date.now() / 1000)) },
    });
    await webhookOf(stack, ENGINE, "messages.update", (d) => d.id === id && d.status === "READ");

    const trace = await stack.api("GET", `/trace/${ENGINE}/${id}`);
    expect(trace.status).toBe(200);
    const events = trace.json.events as Array<{ event: string; sequence: number; data: Record<string, unknown>; deliveries: Array<{ webhookId: string; status: string; attempts: unknown[] }> }>;
    expect(events.map((e) => e.event)).toEqual(["messages.upsert", "messages.update", "messages.update"]);
    expect(events.map((e) => e.sequence)).toEqual([...events.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(events[1]!.data).toMatchObject({ id, message: { conversation: "edited" } });
    expect(events[2]!.data).toMatchObject({ id, status: "READ" });
    expect(events[0]!.deliveries.map((d) => d.webhookId).sort()).toEqual(expect.arrayContaining(["default"]));
    for (const event of events) expect(event.deliveries.find((d) => d.webhookId === "default")).toMatchObject({ status: "succeeded", attempts: [expect.anything()] });
  }, 60_000);
});
