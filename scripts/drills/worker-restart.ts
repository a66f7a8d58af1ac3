// The worker is killed (SIGKILL) mid-stream and restarted: local queues are in memory, so the
// queued delivery jobs are gone and only the cron sweep (driven here through /__scheduled) can
// recover the pending deliveries from D1.
import { UNRECORDED_LIMIT } from "../../worker/delivery/recorder.ts";
import { triggerScheduled } from "../lib/wrangler.ts";
import { deliveryIds, sleep, withDrill, type DrillResult } from "./harness.ts";

/**
 * Bounds the recovery: deliveries leased at the kill wait out their batch lease (up to 3 messages
 * of 50 ids here: ceil(150 / 6) x 1 s timeout + 30 s margin = 55 s, worker/delivery/settle.ts),
 * then the sweep's 5 s grace (harness.ts).
 */
const SWEEP_WINDOW_MS = 120_000;

export function workerKilledMidStream(): Promise<DrillResult> {
  return withDrill("worker-restart", { receiverMode: "ok", testScheduled: true }, async (ctx) => {
    await ctx.send(300, 100);
    const deadline = Date.now() + 30_000;
    while (ctx.receiver.stats().distinctEvents < 10 && Date.now() < deadline) await sleep(50);
    await ctx.worker.stop("SIGKILL");
    const before = ctx.receiver.stats().distinctEvents;
    ctx.check(before < 300, `all 300 were delivered before the kill (${before}); nothing was mid-stream`);
    ctx.notes.push(`killed with ${before}/300 delivered`);
    await ctx.worker.restart();
    const pendingAfterRestart = (await deliveryIds(ctx.worker, "pending")).length;
    ctx.notes.push(`after restart: >= ${pendingAfterRestart} pending deliveries in D1 (first page)`);
    const sweepDeadline = Date.now() + SWEEP_WINDOW_MS;
    let sweeps = 0;
    while (ctx.receiver.stats().distinctEvents < 300 && Date.now() < sweepDeadline) {
      await triggerScheduled(ctx.worker.baseUrl);
      sweeps++;
      await sleep(5_000);
    }
    ctx.notes.push(`${sweeps} scheduled runs triggered; recovered after ${Math.round((SWEEP_WINDOW_MS - (sweepDeadline - Date.now())) / 1000)} s`);
    // The duplicate window (docs/delivery.md#consumer): outcomes are recorded in small groups, so
    // the batch in flight at the kill (the local queue runs one at a time) re-sends at most this many.
    await sleep(1_500);
    const duplicates = ctx.receiver.stats().duplicateWebhookIds;
    ctx.notes.push(`${duplicates} deliveries sent again (bound: ${UNRECORDED_LIMIT} per batch in flight)`);
    ctx.check(duplicates <= UNRECORDED_LIMIT, `${duplicates} deliveries were sent twice; the bound is ${UNRECORDED_LIMIT} per batch in flight`);
  }, 60_000);
}
