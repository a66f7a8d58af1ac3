// Housekeeping's storage policy (docs/delivery.md#retention): nothing delivered or failed is
// kept past RETENTION_MAX_DAYS, and the database is kept under STORAGE_BUDGET_MB as D1 itself
// reports its size (meta.size_after): the oldest succeeded deliveries and their events go
// first, failed and pending ones last. Set-based range deletes on primary keys, in chunks,
// bounded per run; each statement is small, so ingest is never held up for long.
import type { Config, Env } from "../env.ts";
import { log } from "../log.ts";
import { databaseSize } from "../storage/db.ts";
import { deleteOldestDeliveries } from "../storage/deliveries.ts";
import { deleteIngestedEventsBefore } from "../storage/ingested-events.ts";
import { deleteEventsWithoutDeliveries, deleteOrphanEvents } from "../storage/webhook-events.ts";
import type { DeliveryStatus } from "../storage/schema.ts";
import { lastKnownDbSize } from "../usage.ts";
import { idFloorAt } from "./ids.ts";

/** Rows per delete statement: small enough to never hold D1 long, large enough for 1,000 events/s. */
export const PRUNE_CHUNK = 2_000;
/** One run stops starting chunks after this long (the cron fires every minute). */
export const PRUNE_RUN_BUDGET_MS = 40_000;
/** Pruning for the budget starts above this share of it… */
export const BUDGET_HIGH_WATER = 0.9;
/** …and deletes succeeded deliveries down to this share, so it does not run every minute. */
export const BUDGET_LOW_WATER = 0.8;
/** Dedup ids are kept at least this long even under budget pressure: the connector resends an
 * unanswered batch within seconds (docs/protocol.md#forwarding); an hour leaves room for restarts. */
export const DEDUP_MIN_MS = 60 * 60_000;

export interface PruneReport {
  expired: number;
  forBudget: Record<DeliveryStatus, number>;
  events: number;
  dedupIds: number;
  sizeBytes: number;
  /** False when the run stopped at its time budget with more to delete (the next run continues). */
  caughtUp: boolean;
}

export interface PruneOptions {
  clock: () => number;
  /** Rows per delete statement (tests use small ones). */
  chunk: number;
}

interface PruneRun extends PruneOptions {
  d1: D1Database;
  deadline: number;
  report: PruneReport;
}

/** Deletes oldest-first chunks of `statuses` below `beforeId` (with their events) while `more()` holds. */
async function pruneDeliveries(run: PruneRun, statuses: DeliveryStatus[], beforeId: string, more: () => boolean, count: (n: number) => void): Promise<void> {
  while (more()) {
    if (run.clock() >= run.deadline) return void (run.report.caughtUp = false);
    const { deleted, eventIds } = await deleteOldestDeliveries(run.d1, statuses, beforeId, run.chunk);
    run.report.events += await deleteEventsWithoutDeliveries(run.d1, eventIds);
    count(deleted);
    if (deleted < run.chunk) return;
  }
}

async function pruneDedup(run: PruneRun, before: number, more: () => boolean): Promise<void> {
  while (more()) {
    if (run.clock() >= run.deadline) return void (run.report.caughtUp = false);
    const deleted = await deleteIngestedEventsBefore(run.d1, before, run.chunk);
    run.report.dedupIds += deleted;
    if (deleted < run.chunk) return;
  }
}

/** Retention: succeeded and failed deliveries, events and dedup ids older than RETENTION_MAX_DAYS. */
async function pruneExpired(run: PruneRun, config: Config, now: number): Promise<void> {
  const cutoff = now - config.retentionMaxMs;
  await pruneDeliveries(run, ["succeeded", "failed"], idFloorAt("msg", cutoff), () => true, (n) => (run.report.expired += n));
  run.report.events += await deleteOrphanEvents(run.d1, idFloorAt("evt", cutoff), run.chunk);
  await pruneDedup(run, cutoff, () => true);
}

/**
 * The budget, driven by D1's reported size: above the high-water mark, the oldest succeeded
 * deliveries go down to the low-water mark, then dedup ids past DEDUP_MIN_MS; failed and then
 * pending deliveries only while the database is still over the high-water mark.
 */
async function pruneToBudget(run: PruneRun, config: Config, now: number): Promise<void> {
  const budget = config.storageBudgetBytes;
  const size = () => lastKnownDbSize() ?? Number.POSITIVE_INFINITY;
  if ((await databaseSize(run.d1)) <= budget * BUDGET_HIGH_WATER) return;
  const all = idFloorAt("msg", now + 1);
  const { forBudget } = run.report;
  await pruneDeliveries(run, ["succeeded"], all, () => size() > budget * BUDGET_LOW_WATER, (n) => (forBudget.succeeded += n));
  await pruneDedup(run, now - DEDUP_MIN_MS, () => size() > budget * BUDGET_LOW_WATER);
  await pruneDeliveries(run, ["failed"], all, () => size() > budget * BUDGET_HIGH_WATER, (n) => (forBudget.failed += n));
  await pruneDeliveries(run, ["pending"], all, () => size() > budget * BUDGET_HIGH_WATER, (n) => (forBudget.pending += n));
  if (forBudget.failed || forBudget.pending) {
    log.error("storage_budget_pruned_undelivered", { failed: forBudget.failed, pending: forBudget.pending, budgetBytes: budget, sizeBytes: size() });
  }
}

/** One housekeeping prune: retention first, then the budget. Bounded by PRUNE_RUN_BUDGET_MS. */
export async function pruneStorage(env: Env, config: Config, now: number, options: Partial<PruneOptions> = {}): Promise<PruneReport> {
  const report: PruneReport = { expired: 0, forBudget: { succeeded: 0, failed: 0, pending: 0 }, events: 0, dedupIds: 0, sizeBytes: 0, caughtUp: true };
  const clock = options.clock ?? Date.now;
  const run: PruneRun = { d1: env.DB, deadline: clock() + PRUNE_RUN_BUDGET_MS, clock, chunk: options.chunk ?? PRUNE_CHUNK, report };
  await pruneExpired(run, config, now);
  await pruneToBudget(run, config, now);
  report.sizeBytes = await databaseSize(env.DB);
  return report;
}
