// Schemas of the trace route (GET /trace/{instance}/{messageId}, docs/api.md#trace): the events
// that carry a WhatsApp message id, each with its deliveries and their attempts. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { WebhookEventRow } from "../storage/schema.ts";
import type { DeliveryWithAttempts } from "../storage/delivery-queries.ts";
import { attemptSchema, deliverySchema, toAttemptView, toDeliveryView } from "./deliveries.ts";

export const traceParamsSchema = z.object({
  instance: z.string().openapi({ param: { name: "instance", in: "path" }, example: "sales" }),
  messageId: z.string().openapi({ param: { name: "messageId", in: "path" }, example: "3EB0C431C26A1916E0B1" }),
});

const tracedDeliverySchema = deliverySchema
  .extend({ webhookId: z.string().nullable().openapi({ description: "The instance webhook; null for the global webhook" }), attempts: z.array(attemptSchema) })
  .openapi("TracedDelivery");

const tracedEventSchema = z
  .object({
    id: z.string(),
    event: z.string().openapi({ example: "messages.update" }),
    sequence: z.number().int().nullable(),
    receivedAt: z.string().openapi({ description: "When the worker stored it" }),
    dateTime: z.string().openapi({ description: "When it happened (the body's date_time)" }),
    data: z.unknown(),
    deliveries: z.array(tracedDeliverySchema),
  })
  .openapi("TracedEvent");

export const traceSchema = z
  .object({ instance: z.string(), messageId: z.string(), events: z.array(tracedEventSchema) })
  .openapi("Trace");

export function toTracedEvent(row: WebhookEventRow, sent: DeliveryWithAttempts[]): z.infer<typeof tracedEventSchema> {
  return {
    id: row.id, event: row.event, sequence: row.sequence, receivedAt: new Date(row.createdAt).toISOString(), dateTime: row.dateTime,
    data: JSON.parse(row.data),
    deliveries: sent
      .filter((d) => d.delivery.eventId === row.id)
      .map((d) => ({ ...toDeliveryView(d.delivery), webhookId: d.delivery.webhookId, attempts: d.attempts.map(toAttemptView) })),
  };
}
