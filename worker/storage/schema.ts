// The one drizzle schema for D1: every table, its indexes and row types. Migrations in migrations/
// are generated from this with drizzle-kit and reviewed by hand. Timestamps are integer ms since
// epoch; pipeline rows cascade with their instance. What each table is for: docs/delivery.md.
import { sql } from "drizzle-orm";
import { sqliteTable, text, integer, index, primaryKey } from "drizzle-orm/sqlite-core";

export const instances = sqliteTable("instances", {
  id: text("id").primaryKey(),
  name: text("name").notNull().unique(),
  /** The instance's own API token (Evolution's `hash.apikey`). Never logged. */
  token: text("token").notNull(),
  /** `created` until the connector reports a connection state, then open / connecting / close. */
  status: text("status").notNull().default("created"),
  /** Last disconnect status code reported by the connector. */
  statusReason: integer("status_reason"),
  ownerJid: text("owner_jid"),
  profileName: text("profile_name"),
  profilePictureUrl: text("profile_picture_url"),
  /** Id of the connector that last reported this instance. */
  connectorId: text("connector_id"),
  /** The sequence of the instance's last stored webhook event; bumped in the ingest transaction (docs/delivery.md#sequences). */
  lastSequence: integer("last_sequence").notNull().default(0),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

/** Per-webhook message-event filters (docs/api.md#filters); a missing key means "include". */
export interface WebhookFilters {
  groups?: "include" | "exclude" | "only";
  fromMe?: "include" | "exclude" | "only";
}

/** An instance's webhooks: `default` is the one /webhook/set manages; others come from /webhooks (docs/api.md#webhooks). */
export const webhooks = sqliteTable(
  "webhooks",
  {
    instanceId: text("instance_id")
      .notNull()
      .references(() => instances.id, { onDelete: "cascade" }),
    /** `default`, or `wh_…` for webhooks created with POST /webhooks/{instance}. */
    id: text("id").notNull().default("default"),
    url: text("url").notNull(),
    enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
    /** JSON array of subscription names; empty = all events. */
    events: text("events", { mode: "json" }).$type<string[]>().notNull(),
    byEvents: integer("by_events", { mode: "boolean" }).notNull().default(false),
    base64: integer("base64", { mode: "boolean" }).notNull().default(false),
    /** JSON object of extra headers sent with every delivery. */
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** JSON filters on message events by chat and key. */
    filters: text("filters", { mode: "json" }).$type<WebhookFilters>().notNull().default({}),
    /** One delivery at a time per chat, in sequence order (docs/delivery.md#order-per-chat). */
    ordered: integer("ordered", { mode: "boolean" }).notNull().default(false),
    /** Standard Webhooks `whsec_` signing secret. */
    secret: text("secret").notNull(),
    /** The secret before the last rotation, still accepted until `previousSecretExpiresAt`. */
    previousSecret: text("previous_secret"),
    previousSecretExpiresAt: integer("previous_secret_expires_at"),
    /** When it was disabled by a 410 or by failing too long; null while enabled or disabled by its owner. */
    disabledAt: integer("disabled_at"),
    disabledReason: text("disabled_reason"),
    /** Endpoint health, updated with every recorded attempt (docs/delivery.md#endpoint-health). */
    lastSuccessAt: integer("last_success_at"),
    /** First failed attempt since the last success; null after a success. */
    failingSince: integer("failing_since"),
    lastFailureAt: integer("last_failure_at"),
    consecutiveFailures: integer("consecutive_failures").notNull().default(0),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.instanceId, t.id] })],
);

/** Evolution's instance settings (docs/api.md#instance-settings); no row = the defaults. */
export const instanceSettings = sqliteTable("instance_settings", {
  instanceId: text("instance_id")
    .primaryKey()
    .references(() => instances.id, { onDelete: "cascade" }),
  rejectCall: integer("reject_call", { mode: "boolean" }).notNull().default(false),
  msgCall: text("msg_call").notNull().default(""),
  groupsIgnore: integer("groups_ignore", { mode: "boolean" }).notNull().default(false),
  alwaysOnline: integer("always_online", { mode: "boolean" }).notNull().default(false),
  readMessages: integer("read_messages", { mode: "boolean" }).notNull().default(false),
  readStatus: integer("read_status", { mode: "boolean" }).notNull().default(false),
  syncFullHistory: integer("sync_full_history", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at").notNull(),
});

export type InstanceRow = typeof instances.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;

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
    /** Position in the instance's event stream (1, 2, 3…, no gaps); null for unknown instances. */
    sequence: integer("sequence"),
    /** The chat (`remoteJid`) and WhatsApp message id a message event is about, for filters and trace. */
    chatJid: text("chat_jid"),
    messageId: text("message_id"),
    createdAt: integer("created_at").notNull(),
  },
  // No index on instance_id alone: the sequence index starts with it, and every index is a row
  // written per event (docs/decisions.md). Non-message events are in no message index.
  (t) => [
    index("webhook_events_sequence_idx").on(t.instanceId, t.sequence),
    index("webhook_events_message_idx").on(t.instanceId, t.messageId).where(sql`message_id is not null`),
  ],
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
    /** The instance webhook (`default`, `wh_…`) for target `instance`; null for the global webhook. */
    webhookId: text("webhook_id"),
    /** The chat, when the webhook delivers in order per chat; null otherwise (docs/delivery.md#order-per-chat). */
    orderKey: text("order_key"),
    event: text("event").notNull(),
    status: text("status").$type<DeliveryStatus>().notNull(),
    /** Attempts in the current round (reset by a redelivery); the retry policy counts these. */
    attempts: integer("attempts").notNull(),
    nextAttemptAt: integer("next_attempt_at").notNull(),
    /** Set while a consumer is sending; another consumer (or the sweep) leaves the row alone until then. */
    lockedUntil: integer("locked_until"),
    lastStatusCode: integer("last_status_code"),
    /** Latency of the last attempt: with `completed_at` it stands in for a first-try success's attempt row (docs/delivery.md#delivery-log). */
    lastLatencyMs: integer("last_latency_ms"),
    lastError: text("last_error"),
    createdAt: integer("created_at").notNull(),
    updatedAt: integer("updated_at").notNull(),
    /** When the last attempt ended (succeeded or failed); null while pending. */
    completedAt: integer("completed_at"),
  },
  // Indexes are rows written (docs/delivery.md#tables): a fresh delivery is in none of the
  // partial ones, and a first-try success never enters them.
  (t) => [
    index("deliveries_instance_idx").on(t.instanceId, t.id),
    index("deliveries_event_idx").on(t.eventId),
    index("deliveries_order_idx").on(t.instanceId, t.webhookId, t.orderKey, t.status).where(sql`order_key is not null`),
    /** Pending deliveries touched since ingest (retried, swept, held, redelivered): the sweep's due scan. */
    index("deliveries_retry_due_idx").on(t.nextAttemptAt).where(sql`status = 'pending' AND next_attempt_at > created_at`),
    /** Failed deliveries: counted by GET /status, pruned after succeeded ones. */
    index("deliveries_failed_idx").on(t.id).where(sql`status = 'failed'`),
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

/**
 * Housekeeping's own state, one row (id 1): its last run (for GET /status) and when the budget
 * last pruned and the short-horizon warning last fired (at most once an hour across isolates).
 */
export const housekeepingState = sqliteTable("housekeeping_state", {
  id: integer("id").primaryKey(),
  lastRunAt: integer("last_run_at").notNull(),
  /** JSON of the last run's report (re-enqueued, pruned, size, caught up). */
  lastRun: text("last_run", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
  lastBudgetPruneAt: integer("last_budget_prune_at"),
  horizonWarnedAt: integer("horizon_warned_at"),
  /** No delivery below this id is still pending and untouched since ingest: where the sweep's scan starts. */
  sweepWatermark: text("sweep_watermark"),
});

export type HousekeepingStateRow = typeof housekeepingState.$inferSelect;
export type WebhookEventRow = typeof webhookEvents.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type DeliveryAttemptRow = typeof deliveryAttempts.$inferSelect;
