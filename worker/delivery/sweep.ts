// Cron housekeeping: re-enqueue pending deliveries whose queue message was lost (a failed send
// after the D1 write, a local queue lost on restart), then prune old rows. Never touches
// succeeded or failed deliveries except pruning succeeded ones past retention.
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { pruneOldRows, takeStuckDeliveries } from "../storage/pipeline-deliveries.ts";
import { enqueueDeliveries } from "./enqueue.ts";

/** A pending delivery this far past its next_attempt_at (and not leased) is considered stuck. */
export const STUCK_GRACE_MS = 2 * 60 * 1000;
/** At most this many deliveries are re-enqueued per run. */
export const SWEEP_LIMIT = 500;
/** Succeeded deliveries (and their attempts) are kept this long; failed ones are kept. */
export const SUCCEEDED_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
/** How long a connector event id is remembered for dedup. */
export const DEDUP_RETENTION_MS = 7 * 24 * 60 * 60 * 1000;
const PRUNE_LIMIT = 1_000;

export async function sweepStuckDeliveries(env: Env, now: number): Promise<number> {
  const ids = await takeStuckDeliveries(env.DB, now, STUCK_GRACE_MS, SWEEP_LIMIT);
  if (!ids.length) return 0;
  const sent = await enqueueDeliveries(env.DELIVERY_QUEUE, ids);
  log.warn("stuck_deliveries_requeued", { found: ids.length, enqueued: sent });
  return sent;
}

export async function runHousekeeping(env: Env, now: number): Promise<void> {
  await sweepStuckDeliveries(env, now);
  await pruneOldRows(env.DB, now - SUCCEEDED_RETENTION_MS, now - DEDUP_RETENTION_MS, PRUNE_LIMIT);
}
