// The durable outbox and forwarder against a signature-checking worker stand-in: crash recovery
// with stable ids, worker outages (503, connection refused), 400 quarantine, and the disk bound.
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { Forwarder } from "../../connector/forward.ts";
import { Outbox, type NewEvent } from "../../connector/outbox.ts";
import { ingestRejection } from "../../protocol/ingest-errors.ts";
import { captureLogger, SECRET, startWorkerStub, tempDir, testConfig, waitFor } from "./helpers.ts";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function events(count: number, instance = "sales", from = 0): NewEvent[] {
  return Array.from({ length: count }, (_, i) => ({ instance, type: "messages.upsert", at: 1_700_000_000_000 + from + i, me: null, payload: { n: from + i } }));
}

function setup(workerUrl: string, options: { maxEvents?: number; dir?: string; maxEventBytes?: number } = {}) {
  const dir = options.dir ?? tempDir().path;
  const { logger, lines } = captureLogger();
  const config = testConfig(dir, workerUrl);
  const outbox = new Outbox(join(dir, "outbox.sqlite"), { maxEvents: options.maxEvents ?? 1_000_000, maxBytes: 1 << 30, maxEventBytes: options.maxEventBytes ?? 1 << 20, logger });
  const forwarder = new Forwarder({ outbox, workerUrl, connectorId: "c1", key: config.connectorKey, tuning: config.tuning, logger, fetch, now: Date.now, random: () => 0.5 });
  return { dir, outbox, forwarder, lines };
}

const payloads = (list: { payload: unknown }[]) => list.map((e) => (e.payload as { n: number }).n);

describe("outbox + forwarder", () => {
  it("survives a crash before sending: reopened, every event arrives once with its original id", async () => {
    const down = await startWorkerStub(() => 503);
    cleanups.push(down.close);
    const first = setup(down.url);
    first.forwarder.start();
    const stored = first.outbox.append(events(30));
    await waitFor(() => down.attempts.length >= 1, 5_000, "a first attempt");
    await first.forwarder.stop(); // "kill": no flush
    first.outbox.close();

    const up = await startWorkerStub();
    cleanups.push(up.close);
    const second = setup(up.url, { dir: first.dir });
    cleanups.push(() => second.outbox.close(), () => second.forwarder.stop());
    expect(second.outbox.pending().events).toBe(30);
    second.forwarder.start();
    second.forwarder.notify();
    await waitFor(() => second.outbox.pending().events === 0, 5_000, "outbox drained");
    expect(up.events().map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(down.attempts[0]!.events.map((e) => e.id)).toEqual(stored.map((e) => e.id));
    expect(payloads(up.events())).toEqual([...Array(30).keys()]);
    expect(second.outbox.pending().events).toBe(0);
    expect(up.badSignatures()).toBe(0);
  });

  it("keeps retrying through 503s and refused connections, then delivers everything in order", async () => {
    let failuresLeft = 4;
    const worker = await startWorkerStub(() => (failuresLeft-- > 0 ? 503 : 200));
    cleanups.push(worker.close);
    const refusedUrl = "http://127.0.0.1:1"; // nothing listens on port 1
    const refused = setup(refusedUrl);
    refused.forwarder.start();
    refused.outbox.append(events(10, "sales"));
    refused.outbox.append(events(10, "support", 10));
    await waitFor(() => refused.lines.some((l) => l.msg === "forward: worker unavailable, will retry"), 5_000, "retry log");
    await refused.forwarder.stop();
    refused.outbox.close();

    const back = setup(worker.url, { dir: refused.dir });
    cleanups.push(() => back.outbox.close(), () => back.forwarder.stop());
    back.forwarder.start();
    back.outbox.append(events(600, "sales", 20));
    await waitFor(() => worker.events().length === 620, 10_000, "all 620 events");
    expect(worker.attempts.length).toBeGreaterThanOrEqual(5);
    expect(payloads(worker.events())).toEqual([...Array(620).keys()]);
    expect(Math.max(...worker.batches.map((b) => b.events.length))).toBeLessThanOrEqual(500);
    expect(new Set(worker.events().map((e) => e.id)).size).toBe(620);
  });

  it("quarantines the events a 400 names and delivers the rest", async () => {
    const worker = await startWorkerStub((batch) => {
      const bad = batch.events.findIndex((e) => (e.payload as { n: number }).n === 3);
      return bad >= 0 ? { status: 400, body: ingestRejection([{ path: ["events", bad, "payload"], message: "bad" }]) } : 200;
    });
    cleanups.push(worker.close);
    const s = setup(worker.url);
    cleanups.push(() => s.outbox.close(), () => s.forwarder.stop());
    s.forwarder.start();
    const stored = s.outbox.append(events(6));
    await waitFor(() => worker.events().length === 5, 5_000, "the good events");
    expect(payloads(worker.events())).toEqual([0, 1, 2, 4, 5]);
    expect(s.outbox.quarantined().map((q) => q.id)).toEqual([stored[3]!.id]);
  });

  it("bisects a 400 that names nothing down to the bad event, never spinning", async () => {
    const worker = await startWorkerStub((batch) => (batch.events.some((e) => (e.payload as { n: number }).n === 5) ? { status: 400, body: { error: "bad" } } : 200));
    cleanups.push(worker.close);
    const s = setup(worker.url);
    cleanups.push(() => s.outbox.close(), () => s.forwarder.stop());
    s.forwarder.start();
    s.outbox.append(events(8));
    await waitFor(() => s.outbox.pending().events === 0, 5_000, "outbox drained");
    expect(payloads(worker.events())).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(s.outbox.quarantined()).toHaveLength(1);
    expect(worker.attempts.length).toBeLessThan(12);
  });

  it("drops the oldest events at the bound with exactly one warn line", async () => {
    const s = setup("http://127.0.0.1:1", { maxEvents: 5 });
    cleanups.push(() => s.outbox.close());
    for (let i = 0; i < 4; i++) s.outbox.append(events(3, "sales", i * 3));
    expect(s.outbox.pending().events).toBe(5);
    expect(payloads(s.outbox.peek(10, 1 << 20).map((r) => JSON.parse(r.body)))).toEqual([7, 8, 9, 10, 11]);
    const warns = s.lines.filter((l) => l.msg === "outbox: bound reached, dropping oldest events");
    expect(warns).toHaveLength(1);
    expect(warns[0]!.level).toBe(40);
  });

  it("keeps every event quarantined in the same millisecond", async () => {
    const s = setup("http://127.0.0.1:1", { maxEventBytes: 400 });
    cleanups.push(() => s.outbox.close());
    const big = (n: number): NewEvent => ({ instance: "sales", type: "messages.upsert", at: 1_700_000_000_000, me: null, payload: { n, pad: "x".repeat(500) } });
    expect(s.outbox.append([big(1), big(2), big(3)])).toEqual([]);
    expect(s.outbox.quarantined()).toHaveLength(3);
    expect(s.outbox.quarantined().every((q) => q.reason.includes("exceeds the batch limit"))).toBe(true);
  });

  it("splits a batch the worker keeps failing with 5xx and quarantines only the poison event", async () => {
    const worker = await startWorkerStub((batch) => (batch.events.some((e) => (e.payload as { n: number }).n === 5) ? { status: 500, body: { error: "boom" } } : 200));
    cleanups.push(worker.close);
    const s = setup(worker.url);
    cleanups.push(() => s.outbox.close(), () => s.forwarder.stop());
    s.forwarder.start();
    const stored = s.outbox.append([...events(8), ...events(2, "support", 8)]);
    await waitFor(() => s.outbox.pending().events === 0, 10_000, "outbox drained");
    const order = (instance: string) => payloads(worker.events().filter((e) => e.instance === instance));
    expect(order("sales")).toEqual([0, 1, 2, 3, 4, 6, 7]);
    expect(order("support")).toEqual([8, 9]);
    expect(s.outbox.quarantined()).toEqual([{ id: stored[5]!.id, reason: expect.stringContaining("5xx") }]);
    expect(s.lines.filter((l) => l.msg === "forward: worker fails on one event only, quarantined")).toHaveLength(1);
  });

  it("finds a poison event of a connector with a single instance too", async () => {
    const worker = await startWorkerStub((batch) => (batch.events.some((e) => (e.payload as { n: number }).n === 2) ? 502 : 200));
    cleanups.push(worker.close);
    const s = setup(worker.url);
    cleanups.push(() => s.outbox.close(), () => s.forwarder.stop());
    s.forwarder.start();
    const stored = s.outbox.append(events(4));
    await waitFor(() => s.outbox.pending().events === 0, 10_000, "outbox drained");
    expect(payloads(worker.events())).toEqual([0, 1, 3]);
    expect(s.outbox.quarantined().map((q) => q.id)).toEqual([stored[2]!.id]);
  });

  it("quarantines nothing while the worker answers 5xx to everything, then delivers all in order", async () => {
    let failuresLeft = 40;
    const worker = await startWorkerStub(() => (failuresLeft-- > 0 ? 500 : 200));
    cleanups.push(worker.close);
    const s = setup(worker.url);
    cleanups.push(() => s.outbox.close(), () => s.forwarder.stop());
    s.forwarder.start();
    s.outbox.append([...events(6), ...events(4, "support", 6)]);
    await waitFor(() => s.outbox.pending().events === 0, 15_000, "outbox drained");
    expect(worker.attempts.length).toBeGreaterThan(40);
    const order = (instance: string) => payloads(worker.events().filter((e) => e.instance === instance));
    expect(order("sales")).toEqual([0, 1, 2, 3, 4, 5]);
    expect(order("support")).toEqual([6, 7, 8, 9]);
    expect(s.outbox.quarantined()).toEqual([]);
  });
});
