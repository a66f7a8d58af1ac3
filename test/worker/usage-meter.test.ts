// The usage meter: D1's own meta (rows read and written, size) and queue messages, per
// invocation (docs/delivery.md#usage). The figures behind BENCHMARKS.md's rows written per event.
import { describe, expect, it } from "vitest";
import { runHousekeeping } from "../../worker/delivery/sweep.ts";
import { currentUsage, withUsage, type Usage } from "../../worker/usage.ts";
import { consume, deps, fakeReceiver, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

const ok = () => new Response("ok", { status: 200 });

/** Runs `work` as one metered invocation and returns what it used. */
export async function metered(work: () => Promise<unknown>): Promise<Usage> {
  return withUsage("test", {}, async () => {
    await work();
    return { ...currentUsage()! };
  });
}

describe("usage meter", () => {
  it("counts D1 rows written by ingest, the consumer and pruning, and queue messages sent", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const events = Array.from({ length: 20 }, () => upsertEvent(instance.name));
    const ingested = await metered(() => ingest(e, { connector: "c1", events }));
    const ids = [...e.DELIVERY_QUEUE.sent];
    expect(ids).toHaveLength(20);
    const consumed = await metered(() => consume(e, ids, deps(fakeReceiver(ok).fetch).consumerDeps));
    const pruned = await metered(() => runHousekeeping(testEnv(), Date.now() + 30 * 24 * 3600_000));
    console.log(`rows written per event: ingest ${ingested.d1RowsWritten / 20}, consumer ${consumed.d1RowsWritten / 20}, prune ${pruned.d1RowsWritten / 20}`);
    expect(ingested.d1RowsWritten).toBeGreaterThanOrEqual(20 * 3); // at least an event and a delivery row each
    expect(ingested.queueMessagesSent).toBe(1);
    expect(consumed.d1RowsWritten).toBeGreaterThanOrEqual(20); // every delivery settled
    expect(pruned.d1RowsWritten).toBeGreaterThanOrEqual(20 * 2); // event and delivery deleted
    expect(pruned.dbSizeBytes).toBeGreaterThan(0);
    // The write budget (docs/delivery.md#usage): at most half of the 25.32 rows per delivered event
    // measured on main with engine v2 before the cut (BENCHMARKS.md), pruning included.
    const perEvent = (ingested.d1RowsWritten + consumed.d1RowsWritten + pruned.d1RowsWritten) / 20;
    expect(perEvent).toBeLessThanOrEqual(25.32 / 2);
  });
});
