// Cron housekeeping: re-enqueue pending deliveries whose queue message was lost (a failed send
// after the D1 write, a local queue lost on restart), prune for retention and the storage budget
// (retention.ts), disable webhooks failing too long (auto-disable.ts). The sweep itself never
// touches succeeded or failed deliveries.
import { loadConfig, type Env } from "../env.ts";
import { log } from "../log.ts";
import { takeStuckDeliveries } from "../storage/deliveries.ts";
import { oldestDeliveryCreatedAt } from "../storage/deliveries.ts";
import { loadHousekeepingState, saveHousekeepingState, saveSweepWatermark } from "../storage/housekeeping-state.ts";
import { idFloorAt } from "./ids.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { autoDisableFailingWebhooks } from "./auto-disable.ts";
import { pruneStorage, type PruneReport } from "./retention.ts";
import { logHorizonWarning, shouldWarnHorizon } from "./status.ts";

/** At most this many deliveries are re-enqueued per run. */
export const SWEEP_LIMIT = 500;

/**
 * A pending delivery more than WEBHOOK_SWEEP_GRACE_SECONDS past its next_attempt_at and not
 * leased is stuck. A short grace is safe: a leased delivery is never taken, and a re-enqueued
 * delivery that is still queued elsewhere is sent by whichever message claims it first.
 */
export async function sweepStuckDeliveries(env: Env, now: number): Promise<number> {
  const graceMs = loadConfig(env).sweepGraceSeconds * 1000;
  const from = (await loadHousekeepingState(env.DB))?.sweepWatermark ?? "";
  const { ids, held, watermark } = await takeStuckDeliveries(env.DB, now, graceMs, SWEEP_LIMIT, from, idFloorAt("msg", now - graceMs));
  if (watermark !== from) await saveSweepWatermark(env.DB, watermark);
  if (held) log.info("held_deliveries_touched", { held });
  if (!ids.length) return 0;
  const sent = await enqueueDeliveries(env.DELIVERY_QUEUE, ids);
  log.warn("stuck_deliveries_requeued", { found: ids.length, enqueued: sent });
  return sent;
}

/** Saves the run for GET /status and warns (at most hourly) when the budget leaves under 24 h of deliveries. */
async function recordRun(env: Env, now: number, run: { requeued: number; autoDisabled: number } & PruneReport): Promise<void> {
  const [state, oldestCreatedAt] = await Promise.all([loadHousekeepingState(env.DB), oldestDeliveryCreatedAt(env.DB)]);
  const budgetPruned = run.forBudget.succeeded + run.forBudget.failed + run.forBudget.pending > 0;
  const lastBudgetPruneAt = budgetPruned ? now : (state?.lastBudgetPruneAt ?? null);
  const warn = shouldWarnHorizon({ lastBudgetPruneAt, horizonWarnedAt: state?.horizonWarnedAt ?? null }, oldestCreatedAt, now);
  if (warn && oldestCreatedAt !== null) logHorizonWarning(oldestCreatedAt, now, loadConfig(env));
  await saveHousekeepingState(env.DB, {
    lastRunAt: now, lastRun: { ...run }, lastBudgetPruneAt, horizonWarnedAt: warn ? now : (state?.horizonWarnedAt ?? null),
  });
}

export async function runHousekeeping(env: Env, now: number): Promise<void> {
  const requeued = await sweepStuckDeliveries(env, now);
  const pruned = await pruneStorage(env, loadConfig(env), now);
  const autoDisabled = await autoDisableFailingWebhooks(env, loadConfig(env), now);
  log.info("housekeeping", { requeued, autoDisabled, ...pruned });
  await recordRun(env, now, { requeued, autoDisabled, ...pruned });
}
