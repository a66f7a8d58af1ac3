// Storage soak: steady ingest through the real local stack with STORAGE_BUDGET_MB=8 and the cron
// fired every few seconds. The local database file must stay under the budget + 10 %, the
// budget must prune only succeeded deliveries, and every event must be delivered
// (docs/delivery.md#retention).
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { postBatch, textMessageEvent } from "../lib/ingest-client.ts";
import { triggerScheduled } from "../lib/wrangler.ts";
import { workerLogLines, type WorkerLogLine } from "../lib/worker-log.ts";
import { INSTANCE, sleep, withDrill, type DrillContext, type DrillResult } from "./harness.ts";

const BUDGET_MB = 8;
/**
 * 9,000 events of ~3 KB stored either way; CI runs the same volume in half the time
 * (L2MSG_SOAK_SECONDS=75, L2MSG_SOAK_RATE=120) to stay inside its time budget.
 */
const SOAK_SECONDS = positiveFromEnv("L2MSG_SOAK_SECONDS", 150);
const EVENTS_PER_SECOND = positiveFromEnv("L2MSG_SOAK_RATE", 60);
/** Every 3 s at 60 events/s: the same bytes arrive between two housekeeping runs at any rate. */
const CRON_EVERY_MS = Math.round((3_000 * 60) / EVENTS_PER_SECOND);
/** ~2 KB of text per event: about 3 KB stored, so the run stores several times the budget. */
const FILLER = "lorem ipsum ".repeat(170);

function positiveFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got "${raw}"`);
  return value;
}

/**
 * The local D1 database file (the largest `.sqlite` under the persist directory) and its
 * write-ahead log, in bytes. The WAL is SQLite's journal, checkpointed into the file; it is
 * reported, not held to the budget.
 */
function databaseFileBytes(dir: string): { file: number; wal: number } {
  let largest = { file: 0, wal: 0 };
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.name.endsWith(".sqlite") && statSync(full).size > largest.file) {
        let wal = 0;
        try {
          wal = statSync(`${full}-wal`).size;
        } catch {
          // no WAL file
        }
        largest = { file: statSync(full).size, wal };
      }
    }
  };
  walk(join(dir, "state"));
  return largest;
}

/** Sums the `housekeeping` log lines: what the budget pruned, by status. */
function budgetPrunes(logFile: string): { succeeded: number; failed: number; pending: number; runs: number } {
  const out = { succeeded: 0, failed: 0, pending: 0, runs: 0 };
  type HousekeepingLine = WorkerLogLine & { forBudget?: { succeeded: number; failed: number; pending: number } };
  for (const entry of workerLogLines<HousekeepingLine>(logFile, "housekeeping")) {
    out.runs += 1;
    out.succeeded += entry.forBudget?.succeeded ?? 0;
    out.failed += entry.forBudget?.failed ?? 0;
    out.pending += entry.forBudget?.pending ?? 0;
  }
  return out;
}

async function steadyIngest(ctx: DrillContext, until: number): Promise<void> {
  let n = 0;
  while (Date.now() < until) {
    const tick = Date.now();
    const events = Array.from({ length: EVENTS_PER_SECOND }, () => {
      const event = textMessageEvent(INSTANCE, `soak-${ctx.worker.port}-${n++}`, Date.now());
      (event.payload as { messages: { message: { conversation: string } }[] }).messages[0]!.message.conversation = `${FILLER}${n}`;
      return event;
    });
    await postBatch(ctx.worker.ingest, events);
    ctx.ids.push(...events.map((e) => e.id));
    await sleep(Math.max(0, 1_000 - (Date.now() - tick)));
  }
}

export function storageSoak(): Promise<DrillResult> {
  return withDrill("storage-soak", { receiverMode: "ok", vars: { STORAGE_BUDGET_MB: String(BUDGET_MB) } }, async (ctx) => {
    const budget = BUDGET_MB * 1024 * 1024;
    const until = Date.now() + SOAK_SECONDS * 1_000;
    let peak = 0;
    let peakWal = 0;
    let cronRuns = 0;
    const sample = () => {
      const { file, wal } = databaseFileBytes(ctx.worker.dir);
      [peak, peakWal] = [Math.max(peak, file), Math.max(peakWal, wal)];
    };
    const sampler = setInterval(sample, 1_000);
    const cron = (async () => {
      while (Date.now() < until + 10_000) {
        await triggerScheduled(ctx.worker.baseUrl).then(() => cronRuns++, () => undefined);
        await sleep(CRON_EVERY_MS);
      }
    })();
    try {
      await steadyIngest(ctx, until);
      await cron;
    } finally {
      clearInterval(sampler);
    }
    sample();
    const pruned = budgetPrunes(ctx.worker.logFile);
    ctx.notes.push(`${ctx.ids.length} events in ${SOAK_SECONDS} s; database file peak ${(peak / 1048576).toFixed(2)} MiB (budget ${BUDGET_MB} MiB; WAL peak ${(peakWal / 1048576).toFixed(2)} MiB); ` +
      `${cronRuns} cron runs; budget pruned ${pruned.succeeded} succeeded, ${pruned.failed} failed, ${pruned.pending} pending`);
    ctx.check(pruned.succeeded > 0, "the budget never pruned: the soak did not reach the budget");
    ctx.check(peak <= budget * 1.1, `the database file reached ${peak} bytes, over the budget + 10 % (${Math.round(budget * 1.1)})`);
    ctx.check(pruned.failed === 0 && pruned.pending === 0, `the budget pruned ${pruned.failed} failed and ${pruned.pending} pending deliveries`);
  }, 120_000);
}
