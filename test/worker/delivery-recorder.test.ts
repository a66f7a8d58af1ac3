// Outcomes are recorded in small groups as they come (worker/delivery/recorder.ts): never more
// than UNRECORDED_LIMIT deliveries started or sent without their outcome written, so a crash
// re-sends at most that many (docs/delivery.md#consumer).
import { describe, expect, it } from "vitest";
import { OutcomeRecorder, RECORD_GROUP_SIZE, UNRECORDED_LIMIT } from "../../worker/delivery/recorder.ts";
import type { BatchSettlement } from "../../worker/delivery/store.ts";
import type { SettledAttempt } from "../../worker/storage/deliveries.ts";

const settled = (id: string): SettledAttempt => ({
  deliveryId: id, status: "succeeded", nextAttemptAt: 0, lastError: null, keepAttemptRow: false,
  attempt: { attempt: 1, startedAt: 0, url: "https://x", statusCode: 200, latencyMs: 1, outcome: "succeeded", error: null, responseBody: null },
});

const tick = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends `count` deliveries over `lanes` lanes through a recorder whose writes take `writeMs`. */
async function run(count: number, lanes: number, writeMs: number, failOnWrite?: number) {
  const written: string[][] = [];
  let started = 0;
  let maxUnrecorded = 0;
  const recorder = new OutcomeRecorder(async (s: BatchSettlement) => {
    await tick(writeMs);
    if (written.length + 1 === failOnWrite) throw new Error("D1 unavailable");
    written.push(s.attempts.map((a) => a.deliveryId));
  }, () => Date.now());
  let next = 0;
  await Promise.all(Array.from({ length: lanes }, async () => {
    while (next < count) {
      const id = `d${next++}`;
      if (!(await recorder.acquire())) continue;
      started++;
      maxUnrecorded = Math.max(maxUnrecorded, started - written.flat().length);
      await tick(1);
      recorder.addAttempt(settled(id));
    }
  }));
  const error = await recorder.finish().then(() => undefined, (e: unknown) => e);
  return { written, started, maxUnrecorded, error };
}

describe("outcome recorder", () => {
  it.each([
    ["fast writes", 300, 6, 1],
    ["writes slower than sends", 120, 6, 10],
    ["one lane", 40, 1, 2],
  ])("%s: every outcome is written once, never more than the limit unwritten", async (_label, count, lanes, writeMs) => {
    const r = await run(count, lanes, writeMs);
    expect(r.error).toBeUndefined();
    expect(r.written.flat().sort()).toEqual(Array.from({ length: count }, (_, i) => `d${i}`).sort());
    expect(r.maxUnrecorded).toBeLessThanOrEqual(UNRECORDED_LIMIT);
    expect(Math.max(...r.written.map((g) => g.length))).toBeLessThanOrEqual(UNRECORDED_LIMIT);
    expect(r.written.length).toBeGreaterThanOrEqual(Math.ceil(count / UNRECORDED_LIMIT));
    // Few round trips: no small group is flushed behind a running write (two per limit at most).
    expect(r.written.length).toBeLessThanOrEqual(2 * Math.ceil(count / UNRECORDED_LIMIT) + 1);
  });

  it.each([
    ["fast writes", 300, 6, 1],
    ["writes slower than sends", 120, 6, 10],
  ])("%s: full groups, one write per UNRECORDED_LIMIT outcomes (each D1 round trip costs)", async (_label, count, lanes, writeMs) => {
    const r = await run(count, lanes, writeMs);
    expect(r.written.map((g) => g.length)).toEqual(Array.from({ length: Math.ceil(count / UNRECORDED_LIMIT) }, (_, i) =>
      Math.min(UNRECORDED_LIMIT, count - i * UNRECORDED_LIMIT)));
  });

  it("stops sending after a failed write and reports it", async () => {
    const r = await run(300, 6, 2, 3);
    expect(r.error).toBeInstanceOf(Error);
    expect(r.written).toHaveLength(2);
    // What was started after the failure is bounded too: the slots of the failed group and the lanes.
    expect(r.started).toBeLessThanOrEqual(2 * RECORD_GROUP_SIZE + UNRECORDED_LIMIT + 6);
  });
});
