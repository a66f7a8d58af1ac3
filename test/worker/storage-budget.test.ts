// The storage budget (docs/delivery.md#retention): housekeeping prunes by the size D1 reports,
// oldest succeeded deliveries (and their events) first, failed and then pending ones last.
import { env } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import { loadConfig } from "../../worker/env.ts";
import { BUDGET_HIGH_WATER, BUDGET_LOW_WATER, pruneStorage } from "../../worker/delivery/retention.ts";
import { databaseSize, getDb } from "../../worker/storage/db.ts";
import { deliveries, ingestedEvents, webhookEvents } from "../../worker/storage/schema.ts";
import { consume, deliveriesOf, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

const TEXT = "x".repeat(2_000);

/** Ingests `count` ~2 KB events and sends each once to a receiver answering `status` (none: left pending). */
async function deliveriesWith(instance: string, count: number, status?: number): Promise<string[]> {
  const e = testEnv();
  for (let i = 0; i < count; i += 100) {
    const events = Array.from({ length: Math.min(100, count - i) }, () => upsertEvent(instance, TEXT));
    expect((await ingest(e, { connector: "c1", events })).status).toBe(200);
  }
  const ids = [...e.DELIVERY_QUEUE.sent];
  // One consumer invocation takes at most ~300 ids (maxIdsPerInvocation); hand them over in slices.
  for (let i = 0; status && i < ids.length; i += 300) {
    await consume(e, ids.slice(i, i + 300), deps(fakeReceiver(() => new Response(null, { status })).fetch).consumerDeps);
  }
  await new Promise((r) => setTimeout(r, 5)); // the next group's ids sort after these
  return ids;
}

async function statusCounts(instance: string) {
  const rows = await deliveriesOf(instance);
  const count = (s: string) => rows.filter((r) => r.status === s).length;
  return { rows, succeeded: count("succeeded"), failed: count("failed"), pending: count("pending") };
}

/** Runs the prune with a budget set so that the database is at `share` of it. */
async function pruneAtShare(share: number) {
  const budget = Math.floor((await databaseSize(env.DB)) / share);
  const config = { ...loadConfig(testEnv()), storageBudgetBytes: budget };
  // Small chunks: with a few hundred rows, the production chunk (2,000) would take everything at once.
  return { budget, report: await pruneStorage(testEnv(), config, Date.now(), { chunk: 25 }) };
}

describe("storage budget", () => {
  // Each case measures the whole database: start from empty pipeline tables.
  beforeEach(async () => {
    const db = getDb(env.DB);
    await db.batch([db.delete(deliveries), db.delete(webhookEvents), db.delete(ingestedEvents)]);
  });

  it("is driven by D1's size: under the high-water mark nothing recent is pruned", async () => {
    const instance = await seedInstance();
    await deliveriesWith(instance.name, 100, 200);
    const { report } = await pruneAtShare(BUDGET_HIGH_WATER - 0.05);
    expect(report.forBudget).toEqual({ succeeded: 0, failed: 0, pending: 0 });
    expect((await statusCounts(instance.name)).succeeded).toBe(100);
  });

  it("over the high-water mark, deletes the oldest succeeded deliveries (and their events) before any failed or pending one", async () => {
    const instance = await seedInstance();
    await deliveriesWith(instance.name, 200, 400); // failed, and older than the succeeded ones
    await deliveriesWith(instance.name, 200); // pending
    const group = (await deliveriesWith(instance.name, 600, 200)).sort();
    const { budget, report } = await pruneAtShare(0.95);
    const after = await statusCounts(instance.name);
    expect(after.failed).toBe(200);
    expect(after.pending).toBe(200);
    expect(after.succeeded).toBeGreaterThan(0);
    expect(after.succeeded).toBeLessThan(600);
    expect(report.events).toBeGreaterThanOrEqual(report.forBudget.succeeded);
    expect(report.sizeBytes).toBeLessThanOrEqual(budget * BUDGET_LOW_WATER);
    // Oldest first: the ones left are the newest of the group.
    const kept = after.rows.filter((r) => r.status === "succeeded").map((r) => r.id);
    expect(kept).toEqual(group.slice(600 - kept.length).sort());
  });

  it("takes failed deliveries only when succeeded ones are not enough, and pending ones last", async () => {
    const instance = await seedInstance();
    await deliveriesWith(instance.name, 300); // pending, the oldest
    await deliveriesWith(instance.name, 300, 400); // failed
    await deliveriesWith(instance.name, 50, 200);
    const { budget, report } = await pruneAtShare(1.3);
    const after = await statusCounts(instance.name);
    expect(after.succeeded).toBe(0);
    expect(report.forBudget.failed).toBeGreaterThan(0);
    expect(after.pending).toBe(300);
    expect(report.sizeBytes).toBeLessThanOrEqual(budget * BUDGET_HIGH_WATER);

    const last = await pruneAtShare(3);
    expect(last.report.forBudget.pending).toBeGreaterThan(0);
    expect((await statusCounts(instance.name)).failed).toBe(0);
  });
});
