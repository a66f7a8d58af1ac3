// Pipeline tables (issue 3): ingested connector event ids (dedup), webhook events, deliveries
// and their attempts. Timestamps are integer ms since epoch. Rows cascade with their instance.
import { sqliteTable, text, integer, index } from "drizzle-orm/sqlite-core";
import { instances } from "./schema.ts";

/** Connector event ids already accepted: ingest is idempotent by id. Pruned after the dedup window. */
export const ingestedEvents = sqliteTable(
  "ingested_events",
  {
    id: text("id").primaryKey(),
    connectorId: text("connector_id").notNull(),
    instanceName: text("instance_name").notNull(),
    receivedAt: integer("received_at").notNull(),
  },
  (t) => [index("ingested_events_received_at_idx").on(t.receivedAt)],
);

/** One webhook event (a MappedEvent), stored once and shared by its deliveries. */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    /** The connector event it came from; null for worker-originated events (NEW_TOKEN, SEND_MESSAGE). */
    sourceEventId: text("source_event_id"),
    /** Null when the connector reported an instance the worker does not know (global webhook only). */
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    instanceName: text("instance_name").notNull(),
    event: text("event").notNull(),
    /** JSON of the Evolution-shaped `data`. */
    data: text("data").notNull(),
    dateTime: text("date_time").notNull(),
    sender: text("sender"),
    createdAt: integer("created_at").notNull(),
  },
  (t) => [index("webhook_events_instance_idx").on(t.instanceId)],
);

export type DeliveryTarget = "instance" | "global";
export type DeliveryStatus = "pending" | "succeeded" | "failed";

/** One event to one webhook. Its id is the Standard Webhooks `webhook-id`, stable across retries. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: text("id").primaryKey(),
    eventId: text("event_id")
      .notNull()
      .references(() => webhookEvents.id, { onDelete: "cascade" }),
    instanceId: text("instance_id").references(() => instances.id, { onDelete: "cascade" }),
    instanceName: text("instance_name").notNull(),
    target: text("target").$type<DeliveryTarget>().notNull(),
    event: text("event").notNull(),
    status: text("status").$type<DeliveryStatus>().notNull(),
    /** Attempts in the current round (reset by a redelivery); the retry policy counts these. */
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** Set while a consumer is sending; another consumer (or the sweep) leaves the row alone until then. */
    lockedUntil: integer("locked_until"),
    lastStatusCode: integer("last_status_code"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    completedAt: integer("completed_at"),
  },
  (t) => [
    index("deliveries_instance_idx").on(t.instanceId, t.id),
    index("deliveries_status_next_idx").on(t.status, t.nextAttemptAt),
    index("deliveries_event_idx").on(t.eventId),
  ],
);

export type AttemptOutcome = "succeeded" | "retry" | "failed" | "gone";

/** Every attempt of a delivery: what was sent where and what came back. */
export const deliveryAttempts = sqliteTable(
  "delivery_attempts",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: text("delivery_id")
      .notNull()
      .references(() => deliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    startedAt: integer("started_at").notNull(),
    url: text("url").notNull(),
    statusCode: integer("status_code"),
    latencyMs: integer("latency_ms").notNull(),
    outcome: text("outcome").$type<AttemptOutcome>().notNull(),
    error: text("error"),
    /** The first bytes (≤ 1 KB) of the response body. */
    responseBody: text("response_body"),
  },
  (t) => [index("delivery_attempts_delivery_idx").on(t.deliveryId)],
);

export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type DeliveryAttemptRow = typeof deliveryAttempts.$inferSelect;
