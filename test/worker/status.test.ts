// GET /status (global key) and GET /health (public), and the short-horizon warning
// (docs/api.md#status, docs/delivery.md#retention).
import { env } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { HORIZON_WARNING_EVERY_MS, shouldWarnHorizon } from "../../worker/delivery/status.ts";
import { runHousekeeping } from "../../worker/delivery/sweep.ts";
import { getDb } from "../../worker/storage/db.ts";
import { loadHousekeepingState, saveHousekeepingState } from "../../worker/storage/housekeeping-state.ts";
import { deliveries, housekeepingState, ingestedEvents, webhookEvents } from "../../worker/storage/schema.ts";
import { call, createTestInstance } from "./helpers/api.ts";
import { consume, deps, fakeReceiver, ingestOne, seedInstance, testEnv } from "./helpers/pipeline.ts";

const HOUR = 3600_000;

beforeEach(async () => {
  const db = getDb(env.DB);
  await db.batch([db.delete(deliveries), db.delete(webhookEvents), db.delete(ingestedEvents), db.delete(housekeepingState)]);
});

describe("GET /health", () => {
  it("answers ok to anyone, with no details", async () => {
    const res = await call("GET", "/health", { key: null });
    expect(res.status).toBe(200);
    expect(res.text).toBe("ok");
  });
});

describe("GET /status", () => {
  it("needs the global key", async () => {
    const { instanceName, token } = await createTestInstance();
    expect((await call("GET", "/status", { key: null })).status).toBe(401);
    expect((await call("GET", "/status", { key: token })).status).toBe(401);
    expect(instanceName).toBeTruthy();
  });

  it("shows size against the budget, the replay horizon, pending and failed counts, recent events and the last housekeeping run", async () => {
    const instance = await seedInstance();
    const old = await ingestOne(instance.name, {}, "old");
    await getDb(env.DB).update(deliveries).set({ createdAt: Date.now() - 30 * HOUR }).where(eq(deliveries.id, old.ids[0]!));
    const failed = await ingestOne(instance.name, {}, "failed");
    await consume(failed.e, failed.ids, deps(fakeReceiver(() => new Response(null, { status: 400 })).fetch).consumerDeps);
    const empty = await call("GET", "/status");
    expect(empty.json.housekeeping).toBeNull();
    await runHousekeeping(testEnv(), Date.now());

    const res = await call("GET", "/status");
    expect(res.status).toBe(200);
    const body = res.json;
    expect(body.database.budgetBytes).toBe(4096 * 1024 * 1024);
    expect(body.database.sizeBytes).toBeGreaterThan(0);
    // The horizon is the oldest delivery kept: the first one is pending, so it is still there.
    expect(body.deliveries.replayHorizonHours).toBeGreaterThanOrEqual(29.9);
    expect(body.deliveries.replayHorizonHours).toBeLessThan(30.1);
    expect(body.deliveries).toMatchObject({ pending: 1, failed: 1 });
    expect(body.events).toEqual({ lastMinute: 2, lastHour: 2 });
    expect(body.housekeeping.lastRun).toMatchObject({ requeued: expect.any(Number), caughtUp: true });
  });
});

describe("short replay horizon warning", () => {
  it.each([
    ["the budget pruned recently and the horizon is 2 h", { lastBudgetPruneAt: 0, horizonWarnedAt: null }, 2 * HOUR, true],
    ["already warned 10 minutes ago", { lastBudgetPruneAt: 0, horizonWarnedAt: -10 * 60_000 }, 2 * HOUR, false],
    ["warned over an hour ago", { lastBudgetPruneAt: 0, horizonWarnedAt: -HORIZON_WARNING_EVERY_MS - 1 }, 2 * HOUR, true],
    ["the horizon is 25 h", { lastBudgetPruneAt: 0, horizonWarnedAt: null }, 25 * HOUR, false],
    ["young deployment: the budget never pruned", { lastBudgetPruneAt: null, horizonWarnedAt: null }, 2 * HOUR, false],
  ])("%s", (_label, state, horizonMs, expected) => {
    const now = 1_800_000_000_000;
    const at = (offset: number | null) => (offset === null ? null : now + offset);
    expect(shouldWarnHorizon({ lastBudgetPruneAt: at(state.lastBudgetPruneAt), horizonWarnedAt: at(state.horizonWarnedAt) }, now - horizonMs, now)).toBe(expected);
  });

  it("housekeeping logs it at most once an hour while the budget keeps the horizon under a day", async () => {
    const instance = await seedInstance();
    await ingestOne(instance.name, {}, "kept: pending, created now");
    const warn = vi.spyOn(console, "warn");
    const warnings = () => warn.mock.calls.filter(([line]) => String(line).includes("replay_horizon_short")).length;
    const t0 = Date.now();
    // As if the budget had just pruned (storage-budget.test.ts covers the prune itself).
    const budgetPrunedAt = async (at: number) => {
      const state = await loadHousekeepingState(env.DB);
      await saveHousekeepingState(env.DB, { lastRunAt: at, lastRun: {}, horizonWarnedAt: state?.horizonWarnedAt ?? null, lastBudgetPruneAt: at });
    };
    await runHousekeeping(testEnv(), t0);
    expect(warnings()).toBe(0); // the budget never pruned: a young deployment, not a short horizon
    await budgetPrunedAt(t0);
    await runHousekeeping(testEnv(), t0 + 60_000);
    expect(warnings()).toBe(1);
    await budgetPrunedAt(t0 + 10 * 60_000);
    await runHousekeeping(testEnv(), t0 + 11 * 60_000);
    expect(warnings()).toBe(1);
    await budgetPrunedAt(t0 + HOUR);
    await runHousekeeping(testEnv(), t0 + HOUR + 2 * 60_000);
    expect(warnings()).toBe(2);
    warn.mockRestore();
  });
});
