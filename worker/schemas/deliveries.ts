// zod schemas and response views of the delivery log and webhook secret routes. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import { SUBSCRIPTION_NAMES, WEBHOOK_EVENTS, canonicalSubscription } from "../events/names.ts";
import type { DeliveryAttemptRow, DeliveryRow } from "../storage/schema.ts";

const EVENT_VALUES = new Set<string>(Object.values(WEBHOOK_EVENTS));

/** `messages.upsert` or `MESSAGES_UPSERT` (aliases too) → the stored event value. */
export function eventFilterValue(input: string): string | undefined {
  if (EVENT_VALUES.has(input)) return input;
  const name = canonicalSubscription(input);
  return name ? WEBHOOK_EVENTS[name] : undefined;
}

const sinceSchema = z
  .string()
  .transform((v, ctx) => {
    const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
    if (Number.isNaN(ms)) {
      ctx.addIssue({ code: "custom", message: "must be an ISO-8601 date or ms since epoch" });
      return z.NEVER;
    }
    return ms;
  });

export const deliverySearchQuerySchema = z.object({
  status: z.enum(["pending", "succeeded", "failed"]).optional().openapi({ param: { name: "status", in: "query" } }),
  event: z
    .string()
    .refine((v) => eventFilterValue(v) !== undefined, { error: `must be an event (messages.upsert) or subscription name (${SUBSCRIPTION_NAMES.join(", ")})` })
    .optional()
    .openapi({ param: { name: "event", in: "query" }, example: "messages.upsert" }),
  since: sinceSchema.optional().openapi({ param: { name: "since", in: "query" }, type: "string", example: "2026-01-01T00:00:00Z" }),
  limit: z.coerce.number().int().min(1).max(100).default(20).openapi({ param: { name: "limit", in: "query" }, type: "integer" }),
  cursor: z.string().regex(/^msg_[0-9a-f]{28}$/, { error: "must be a nextCursor from a previous page" }).optional().openapi({ param: { name: "cursor", in: "query" } }),
});

export const deliveryParamsSchema = z.object({
  instance: z.string().openapi({ param: { name: "instance", in: "path" }, example: "sales" }),
  deliveryId: z.string().openapi({ param: { name: "deliveryId", in: "path" }, example: "msg_0193a1b2c3d4e5f60718293a4b5c" }),
});

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export const deliverySchema = z
  .object({
    id: z.string().openapi({ description: "Also the `webhook-id` header of every attempt" }),
    instance: z.string(),
    target: z.enum(["instance", "global"]),
    event: z.string(),
    status: z.enum(["pending", "succeeded", "failed"]),
    attemptCount: z.number().int().openapi({ description: "Attempts since the delivery was created or last redelivered" }),
    nextAttemptAt: z.string().nullable(),
    lastStatusCode: z.number().int().nullable(),
    lastError: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    completedAt: z.string().nullable(),
  })
  .openapi("Delivery");

export const attemptSchema = z
  .object({
    attempt: z.number().int(),
    at: z.string(),
    url: z.string(),
    statusCode: z.number().int().nullable(),
    latencyMs: z.number().int(),
    outcome: z.enum(["succeeded", "retry", "failed", "gone"]),
    error: z.string().nullable(),
    responseBody: z.string().nullable().openapi({ description: "First bytes (≤ 1 KB) of the response" }),
  })
  .openapi("DeliveryAttempt");

export const deliveryPageSchema = z.object({ deliveries: z.array(deliverySchema), nextCursor: z.string().nullable() });
export const deliveryDetailSchema = deliverySchema.extend({ attempts: z.array(attemptSchema) }).openapi("DeliveryDetail");
export const secretSchema = z.object({ secret: z.string().openapi({ example: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" }) });
export const rotatedSecretSchema = secretSchema.extend({
  previousSecretExpiresAt: z.string().openapi({ description: "Until then deliveries carry a signature with the old secret too" }),
});

export function toDeliveryView(row: DeliveryRow): z.infer<typeof deliverySchema> {
  return {
    id: row.id, instance: row.instanceName, target: row.target, event: row.event, status: row.status,
    attemptCount: row.attempts, nextAttemptAt: row.status === "pending" ? iso(row.nextAttemptAt) : null,
    lastStatusCode: row.lastStatusCode, lastError: row.lastError,
    createdAt: new Date(row.createdAt).toISOString(), updatedAt: new Date(row.updatedAt).toISOString(), completedAt: iso(row.completedAt),
  };
}

export function toAttemptView(row: DeliveryAttemptRow): z.infer<typeof attemptSchema> {
  return {
    attempt: row.attempt, at: new Date(row.startedAt).toISOString(), url: row.url, statusCode: row.statusCode,
    latencyMs: row.latencyMs, outcome: row.outcome, error: row.error, responseBody: row.responseBody,
  };
}
