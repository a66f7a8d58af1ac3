// Schemas of the event stream route (GET /events/{instance}, docs/api.md#events): a page of
// stored events after a sequence, each in the webhook body shape. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { WebhookEventRow } from "../storage/schema.ts";

export const MAX_EVENTS_PAGE = 500;

export const eventsQuerySchema = z.object({
  after: z.coerce.number({ error: "must be a sequence number" }).int({ error: "must be a sequence number" }).min(0, { error: "must be a sequence number" }).default(0)
    .openapi({ param: { name: "after", in: "query" }, type: "integer", example: 0, description: "Return events with a larger sequence (default 0: from the start)" }),
  limit: z.coerce.number({ error: `must be an integer from 1 to ${MAX_EVENTS_PAGE}` }).int().min(1).max(MAX_EVENTS_PAGE).default(100)
    .openapi({ param: { name: "limit", in: "query" }, type: "integer", example: 100 }),
});

export const streamEventSchema = z
  .object({
    event: z.string().openapi({ example: "messages.upsert" }),
    instance: z.string(),
    data: z.unknown(),
    date_time: z.string(),
    sender: z.string().optional(),
    server_url: z.string(),
    sequence: z.number().int(),
  })
  .openapi("StreamEvent");

export const eventsPageSchema = z
  .object({
    events: z.array(streamEventSchema),
    next: z.number().int().openapi({ description: "Pass as `after` for the next page (the last sequence returned, or `after` when none)" }),
  })
  .openapi("EventsPage");

/** The webhook body of a stored event, without the per-webhook `destination` and `apikey`. */
export function toStreamEvent(row: WebhookEventRow, serverUrl: string): z.infer<typeof streamEventSchema> {
  return {
    event: row.event, instance: row.instanceName, data: JSON.parse(row.data), date_time: row.dateTime,
    ...(row.sender ? { sender: row.sender } : {}), server_url: serverUrl, sequence: row.sequence ?? 0,
  };
}
