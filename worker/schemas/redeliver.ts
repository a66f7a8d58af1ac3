// Body of bulk redelivery (POST /deliveries/{instance}/redeliver, docs/delivery.md#delivery-log). Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { SUBSCRIPTION_NAMES } from "../events/names.ts";
import { eventFilterValue } from "./deliveries.ts";

/** Deliveries requeued per call at most; call again for more (the requeued ones are pending and not matched again). */
export const MAX_BULK_REDELIVERY = 1000;

const instant = (field: string) =>
  z.union([z.string(), z.number()], { error: "must be an ISO-8601 date or ms since epoch" })
    .transform((v, ctx) => {
      const ms = typeof v === "number" ? v : /^\d+$/.test(v) ? Number(v) : Date.parse(v);
      if (!Number.isFinite(ms)) {
        ctx.addIssue({ code: "custom", message: "must be an ISO-8601 date or ms since epoch" });
        return z.NEVER;
      }
      return ms;
    })
    .optional()
    .openapi({ type: "string", example: "2026-01-01T00:00:00Z", description: `Created ${field} (ISO-8601 or ms)` });

export const bulkRedeliverBodySchema = z
  .object({
    status: z.enum(["failed", "succeeded"], { error: 'must be "failed" or "succeeded"' }).optional()
      .openapi({ description: "Only deliveries in this state (default: both; pending ones are never touched)" }),
    event: z.string({ error: "must be a string" })
      .refine((v) => eventFilterValue(v) !== undefined, { error: `must be an event (messages.upsert) or subscription name (${SUBSCRIPTION_NAMES.join(", ")})` })
      .optional(),
    webhookId: z.string({ error: "must be a string" }).min(1).optional().openapi({ example: "default", description: "Only deliveries to this instance webhook" }),
    since: instant("at or after"),
    until: instant("at or before"),
  })
  .openapi("BulkRedelivery");

export const bulkRedeliverResponseSchema = z
  .object({ queued: z.number().int().openapi({ description: `Deliveries put back to pending and enqueued (at most ${MAX_BULK_REDELIVERY} per call)` }) })
  .openapi("BulkRedeliveryResult");
