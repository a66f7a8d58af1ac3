// What one invocation (an API request, a queue batch, a cron run) cost in billed units: D1 rows
// read and written as D1 itself reports them (D1Result.meta) and queue messages sent. One
// `usage` log line per invocation, so production sums them the same way the bench does
// (docs/delivery.md#usage). No business logic here; nothing reads these counts to decide.
import { AsyncLocalStorage } from "node:async_hooks";
import { log } from "./log.ts";

export interface Usage {
  d1Queries: number;
  d1RowsRead: number;
  d1RowsWritten: number;
  queueMessagesSent: number;
  /** Database size in bytes after the last query of this invocation (D1's meta.size_after). */
  dbSizeBytes: number | undefined;
}

const current = new AsyncLocalStorage<Usage>();

/** The last database size any query of this isolate saw (bytes); undefined before the first. */
let lastSizeBytes: number | undefined;

export function lastKnownDbSize(): number | undefined {
  return lastSizeBytes;
}

export function emptyUsage(): Usage {
  return { d1Queries: 0, d1RowsRead: 0, d1RowsWritten: 0, queueMessagesSent: 0, dbSizeBytes: undefined };
}

/** Adds one D1 result's meta to the running invocation (if any). */
export function recordD1Meta(meta: Partial<D1Meta> | undefined, fallbackRowsRead = 0): void {
  if (typeof meta?.size_after === "number" && meta.size_after > 0) lastSizeBytes = meta.size_after;
  const usage = current.getStore();
  if (!usage) return;
  usage.d1Queries += 1;
  usage.d1RowsRead += meta?.rows_read ?? fallbackRowsRead;
  usage.d1RowsWritten += meta?.rows_written ?? 0;
  if (typeof meta?.size_after === "number" && meta.size_after > 0) usage.dbSizeBytes = meta.size_after;
}

export function recordQueueSend(messages: number): void {
  const usage = current.getStore();
  if (usage) usage.queueMessagesSent += messages;
}

function addUsage(into: Usage, from: Usage): void {
  into.d1Queries += from.d1Queries;
  into.d1RowsRead += from.d1RowsRead;
  into.d1RowsWritten += from.d1RowsWritten;
  into.queueMessagesSent += from.queueMessagesSent;
  into.dbSizeBytes = from.dbSizeBytes ?? into.dbSizeBytes;
}

/** The usage of the running invocation so far (housekeeping reads the size from it). */
export function currentUsage(): Usage | undefined {
  return current.getStore();
}

/**
 * Runs `work` as one metered invocation and logs one `usage` line for it (only when it touched
 * D1 or the queue). `fields` go on the line too (the stage, messages received…).
 */
export async function withUsage<T>(stage: string, fields: Record<string, unknown>, work: () => Promise<T>): Promise<T> {
  const usage = emptyUsage();
  const outer = current.getStore();
  try {
    return await current.run(usage, work);
  } finally {
    if (usage.d1Queries || usage.queueMessagesSent) log.info("usage", { stage, ...fields, ...usage });
    // Nested (an app.request inside a metered test or script): the enclosing one counts it too.
    if (outer) addUsage(outer, usage);
  }
}
