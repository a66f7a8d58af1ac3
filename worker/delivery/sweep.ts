// Cron housekeeping: re-enqueue pending deliveries whose queue message was lost (a failed send
// after the D1 write, a local queue lost on restart), then prune old rows. Never touches
// succeeded or failed deliveries except pruning succeeded ones past retention.
import { loadConfig, type Env } from "../env.ts";
import { log } from "../log.ts";
import { takeStuckDeliveries } from "../storage/deliveries.ts";
import { pruneOldRows } from "./store.ts";
import { enqueueDeliveries } from "./enqueue.ts";
import { autoDisableFailingWebhooks } from "./auto-disable.ts";

/** At most this many deliveries are re-enqueued per run. */
export const SWEEP_LIMIT = 500;
/** Succeeded deliveries (and their attempts) are kept this long; failed ones are kept. */
export const SUCCEEDED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How long a connector event id is remembered for dedup. */
export const DEDUP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_LIMIT = 1_000;

/**
 * A pending delivery more than WEBHOOK_SWEEP_GRACE_SECONDS past its next_attempt_at and not
 * leased is stuck. A short grace is safe: a leased delivery is never taken, and a re-enqueued
 * delivery that is still queued elsewhere is sent by whichever message claims it first.
 */
export async function sweepStuckDeliveries(env: Env, now: number): Promise<number> {
  const graceMs = loadConfig(env).sweepGraceSeconds * 1000;
  const ids = await takeStuckDeliveries(env.DB, now, graceMs, SWEEP_LIMIT);
  if (!ids.length) return 0;
  const sent = await enqueueDeliveries(env.DELIVERY_QUEUE, ids);
  log.warn("stuck_deliveries_requeued", { found: ids.length, enqueued: sent });
  return sent;
}

export async function runHousekeeping(env: Env, now: number): Promise<void> {
  await sweepStuckDeliveries(env, now);
  await pruneOldRows(env.DB, now - SUCCEEDED_RETENTION_MS, now - DEDUP_RETENTION_MS, PRUNE_LIMIT);
  await autoDisableFailingWebhooks(env, loadConfig(env), now);
}
