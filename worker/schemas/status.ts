// Response schema of GET /status (docs/api.md#status): storage against the budget, the replay
// horizon, pending and failed deliveries, recent events, housekeeping's last run.
import { z } from "@hono/zod-openapi";

export const statusSchema = z
  .object({
    database: z.object({
      sizeBytes: z.number().int().openapi({ description: "Database size as D1 reports it (meta.size_after)" }),
      budgetBytes: z.number().int().openapi({ description: "STORAGE_BUDGET_MB in bytes" }),
      usedPercent: z.number(),
    }),
    deliveries: z.object({
      oldestKeptAt: z.string().nullable().openapi({ description: "Creation time of the oldest delivery kept: how far back the log and redelivery reach" }),
      replayHorizonHours: z.number().nullable(),
      pending: z.number().int(),
      failed: z.number().int(),
    }),
    events: z.object({ lastMinute: z.number().int(), lastHour: z.number().int() }),
    housekeeping: z
      .object({ lastRunAt: z.string(), lastRun: z.record(z.string(), z.unknown()) })
      .nullable()
      .openapi({ description: "The cron's last sweep and prune; null before the first run" }),
  })
  .openapi("Status");
