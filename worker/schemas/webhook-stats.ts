// Response of GET /webhooks/{instance}/{id}/stats (docs/api.md#endpoint-health). Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { WebhookRow } from "../storage/schema.ts";
import type { WindowStats } from "../storage/webhook-stats.ts";

const windowSchema = z.object({
  deliveries: z.object({ pending: z.number().int(), succeeded: z.number().int(), failed: z.number().int() })
    .openapi({ description: "Deliveries created in the window, by current status" }),
  attempts: z.number().int().openapi({ description: "Attempts made in the window" }),
  successRate: z.number().nullable().openapi({ description: "Succeeded attempts / attempts (0–1); null without attempts" }),
  latencyMs: z.object({ p50: z.number().int().nullable(), p95: z.number().int().nullable() }),
});

export const webhookStatsSchema = z
  .object({
    id: z.string(),
    enabled: z.boolean(),
    lastHour: windowSchema,
    lastDay: windowSchema,
    consecutiveFailures: z.number().int().openapi({ description: "Failed attempts since the last success" }),
    failingSince: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lastError: z.string().nullable(),
    disabledAt: z.string().nullable().openapi({ description: "Set when a 410 or WEBHOOK_DISABLE_AFTER_HOURS disabled it" }),
    disabledReason: z.string().nullable(),
  })
  .openapi("WebhookStats");

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function toWindow(stats: WindowStats): z.infer<typeof windowSchema> {
  return {
    deliveries: stats.deliveries, attempts: stats.attempts,
    successRate: stats.attempts ? stats.succeededAttempts / stats.attempts : null,
    latencyMs: { p50: stats.p50LatencyMs, p95: stats.p95LatencyMs },
  };
}

export function toWebhookStats(row: WebhookRow, hour: WindowStats, day: WindowStats): z.infer<typeof webhookStatsSchema> {
  return {
    id: row.id, enabled: row.enabled, lastHour: toWindow(hour), lastDay: toWindow(day),
    consecutiveFailures: row.consecutiveFailures, failingSince: iso(row.failingSince), lastSuccessAt: iso(row.lastSuccessAt),
    lastError: row.lastError, disabledAt: iso(row.disabledAt), disabledReason: row.disabledReason,
  };
}
