// The `housekeeping_state` table: one row with housekeeping's last run, for GET /status and for
// warnings that must fire at most once an hour whichever isolate runs the cron. db first.
import { eq } from "drizzle-orm";
import { getDb } from "./db.ts";
import { housekeepingState, type HousekeepingStateRow } from "./schema.ts";

const ROW_ID = 1;

export async function loadHousekeepingState(d1: D1Database): Promise<HousekeepingStateRow | undefined> {
  return getDb(d1).select().from(housekeepingState).where(eq(housekeepingState.id, ROW_ID)).get();
}

export type HousekeepingStateUpdate = Omit<HousekeepingStateRow, "id" | "sweepWatermark">;

/** One upsert per housekeeping run. */
export async function saveHousekeepingState(d1: D1Database, state: HousekeepingStateUpdate): Promise<void> {
  await getDb(d1).insert(housekeepingState).values({ id: ROW_ID, ...state })
    .onConflictDoUpdate({ target: housekeepingState.id, set: state });
}

/** Where the next sweep's scan of untouched pending deliveries starts (docs/delivery.md#sweep). */
export async function saveSweepWatermark(d1: D1Database, sweepWatermark: string): Promise<void> {
  await getDb(d1).insert(housekeepingState).values({ id: ROW_ID, lastRunAt: 0, lastRun: {}, sweepWatermark })
    .onConflictDoUpdate({ target: housekeepingState.id, set: { sweepWatermark } });
}
