// Pure helpers behind `npm run bench`'s report: the burst's two phases read from the worker log,
// and the capacity targets judged against the node relay of the same run.
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { burstPhases } from "../../scripts/bench/phases.ts";
import { relativeTargetsMet, runtimeCeiling } from "../../scripts/bench/report.ts";
import type { WorkloadResult } from "../../scripts/bench/workload.ts";

const line = (msg: string, secondsIn: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ level: "info", msg, time: new Date(Date.UTC(2026, 10, 30, 8, 0, 0) + secondsIn * 1000).toISOString(), ...extra });

function logOf(lines: string[]): string {
  const file = join(mkdtempSync(join(tmpdir(), "l2msg-phases-")), "worker.log");
  writeFileSync(file, lines.join("\n"));
  return file;
}

describe("burstPhases", () => {
  it("splits deliveries at the last burst ingest batch and rates the consumer alone until the latency phase", () => {
    const file = logOf([
      line("ingest_batch", 0),
      "[wrangler:info] POST /connector/v1/events 200 OK (12ms)",
      line("delivery_batch", 0.5, { claimed: 100 }),
      line("ingest_batch", 1),
      line("ingest_batch", 2),
      line("delivery_batch", 2, { claimed: 50 }), // at the end of ingest: still "during"
      line("delivery_batch", 3, { claimed: 300 }),
      `▲ [WARNING] ${line("delivery_batch", 4, { claimed: 300 })}`,
      line("delivery_batch", 6, { claimed: 0 }),
      line("ingest_batch", 7), // the latency phase's first batch
      line("delivery_batch", 8, { claimed: 10 }),
    ]);
    expect(burstPhases(file, 3)).toEqual({ ingestSeconds: 2, deliveredDuringIngest: 150, deliveryOnlyPerSec: 600 / 4 });
  });

  it("is undefined when the log has fewer ingest batches than the burst made", () => {
    const file = logOf([line("ingest_batch", 0), line("delivery_batch", 1, { claimed: 5 })]);
    expect(burstPhases(file, 2)).toBeUndefined();
  });
});

describe("relativeTargetsMet", () => {
  const result = (deliveredPerSec: number, p99: number, lost = 0, duplicateEvents = 0): WorkloadResult => ({
    throughput: { sent: 1000, accepted: 1000, ingestPerSec: 3000, deliveredPerSec, lost, retries: 0, seconds: 1 },
    latency: { sent: 100, p50: 1, p95: 1, p99, max: p99, lost: 0 },
    duplicateEvents, duplicateWebhookIds: duplicateEvents, distinctWebhookIds: 1000,
  });

  it.each([
    [1_400, 200, 0, 0, 3_000, true],
    [1_300, 200, 0, 0, 3_000, false], // under 0.45x the relay
    [1_100, 200, 0, 0, 2_000, false], // 0.55x, but under 1,200/s
    [1_400, 251, 0, 0, 3_000, false],
    [1_400, 200, 1, 0, 3_000, false],
    [1_400, 200, 0, 1, 3_000, false],
  ])("%d/s, p99 %d ms, %d lost, %d duplicates against a %d/s relay: %s", (delivered, p99, lost, duplicates, relay, met) => {
    expect(relativeTargetsMet(result(delivered, p99, lost, duplicates), result(relay, 10))).toBe(met);
  });

  it("cannot be judged without a relay run", () => {
    expect(relativeTargetsMet(result(5_000, 1), undefined)).toBeUndefined();
  });
});

describe("runtimeCeiling", () => {
  const delivering = (deliveredPerSec: number): WorkloadResult => ({
    throughput: { sent: 1000, accepted: 1000, ingestPerSec: 3000, deliveredPerSec, lost: 0, retries: 0, seconds: 1 },
    latency: { sent: 100, p50: 1, p95: 1, p99: 1, max: 1, lost: 0 },
    duplicateEvents: 0, duplicateWebhookIds: 0, distinctWebhookIds: 1000,
  });

  it("asks for 0.45x the node relay when that is above 1,200/s, as a share of the Worker relay", () => {
    // 0.45 × 3,468 = 1,560.6/s, against a Worker relay of 1,940/s: 0.80 of it.
    const c = runtimeCeiling(delivering(3_468), delivering(1_940))!;
    expect(c.neededPerSec).toBeCloseTo(1_560.6, 5);
    expect(c.shareOfWorkerRelay).toBeCloseTo(1_560.6 / 1_940, 10);
  });

  it("asks for 1,200/s when 0.45x the node relay is less", () => {
    const c = runtimeCeiling(delivering(2_000), delivering(1_500))!;
    expect(c).toEqual({ neededPerSec: 1_200, shareOfWorkerRelay: 0.8 });
  });

  it("needs both relay runs", () => {
    expect(runtimeCeiling(undefined, delivering(1_940))).toBeUndefined();
    expect(runtimeCeiling(delivering(3_468), undefined)).toBeUndefined();
  });
});
