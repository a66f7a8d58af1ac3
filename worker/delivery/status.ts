// What GET /status shows (docs/api.md#status) and the short-horizon warning: database size
// against the budget, the oldest delivery kept (how far back a replay can go), pending and
// failed counts, recent events, and housekeeping's last run. Reads only; decides nothing.
import type { Config, Env } from "../env.ts";
import { log } from "../log.ts";
import { databaseSize } from "../storage/db.ts";
import { countEventsSince, oldestDeliveryCreatedAt, openDeliveryCounts } from "../storage/deliveries.ts";
import { loadHousekeepingState } from "../storage/housekeeping-state.ts";
import type { HousekeepingStateRow } from "../storage/schema.ts";
import { idFloorAt } from "./ids.ts";

/** A replay horizon shorter than this is worth a warning… */
export const HORIZON_WARNING_MS = 24 * 3600_000;
/** …logged at most this often. */
export const HORIZON_WARNING_EVERY_MS = 3600_000;

export interface StatusView {
  database: { sizeBytes: number; budgetBytes: number; usedPercent: number };
  deliveries: { oldestKeptAt: string | null; replayHorizonHours: number | null; pending: number; failed: number };
  events: { lastMinute: number; lastHour: number };
  housekeeping: { lastRunAt: string; lastRun: Record<string, unknown> } | null;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());
const hours = (ms: number) => Math.round((ms / 3600_000) * 100) / 100;

export async function readStatus(env: Env, config: Config, now: number): Promise<StatusView> {
  const state = await loadHousekeepingState(env.DB);
  const [sizeBytes, oldestCreatedAt, open, lastMinute, lastHour] = await Promise.all([
    databaseSize(env.DB),
    oldestDeliveryCreatedAt(env.DB),
    openDeliveryCounts(env.DB, state?.sweepWatermark ?? ""),
    countEventsSince(env.DB, idFloorAt("msg", now - 60_000)),
    countEventsSince(env.DB, idFloorAt("msg", now - 3600_000)),
  ]);
  const budgetBytes = config.storageBudgetBytes;
  return {
    database: { sizeBytes, budgetBytes, usedPercent: Math.round((sizeBytes / budgetBytes) * 1000) / 10 },
    deliveries: {
      oldestKeptAt: iso(oldestCreatedAt),
      replayHorizonHours: oldestCreatedAt === null ? null : hours(now - oldestCreatedAt),
      pending: open.pending,
      failed: open.failed,
    },
    events: { lastMinute, lastHour },
    housekeeping: state?.lastRunAt ? { lastRunAt: iso(state.lastRunAt)!, lastRun: state.lastRun } : null,
  };
}

/**
 * Whether to warn now: the budget (not the deployment's age) is what limits the horizon — it
 * pruned within the last hour — the horizon is under 24 h, and no warning fired in the last hour.
 */
export function shouldWarnHorizon(state: Pick<HousekeepingStateRow, "lastBudgetPruneAt" | "horizonWarnedAt"> | undefined, oldestCreatedAt: number | null, now: number): boolean {
  if (oldestCreatedAt === null || !state?.lastBudgetPruneAt) return false;
  if (now - state.lastBudgetPruneAt > HORIZON_WARNING_EVERY_MS) return false;
  if (now - oldestCreatedAt >= HORIZON_WARNING_MS) return false;
  return !state.horizonWarnedAt || now - state.horizonWarnedAt >= HORIZON_WARNING_EVERY_MS;
}

export function logHorizonWarning(oldestCreatedAt: number, now: number, config: Config): void {
  log.warn("replay_horizon_short", {
    horizonHours: hours(now - oldestCreatedAt), oldestKeptAt: iso(oldestCreatedAt), budgetBytes: config.storageBudgetBytes,
    hint: "the storage budget keeps less than a day of deliveries: raise STORAGE_BUDGET_MB or lower the event rate",
  });
}
