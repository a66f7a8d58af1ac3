// drizzle schema for D1. Migrations in migrations/ are generated from this with drizzle-kit
// and reviewed by hand. Timestamps are integer ms since epoch.
import { sqliteTable, text, integer } from "drizzle-orm/sqlite-core";

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
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export const webhooks = sqliteTable("webhooks", {
  instanceId: text("instance_id")
    .primaryKey()
    .references(() => instances.id, { onDelete: "cascade" }),
  url: text("url").notNull(),
  enabled: integer("enabled", { mode: "boolean" }).notNull().default(true),
  /** JSON array of subscription names; empty = all events. */
  events: text("events", { mode: "json" }).$type<string[]>().notNull(),
  byEvents: integer("by_events", { mode: "boolean" }).notNull().default(false),
  base64: integer("base64", { mode: "boolean" }).notNull().default(false),
  /** JSON object of extra headers sent with every delivery. */
  headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
  /** Standard Webhooks `whsec_` signing secret. */
  secret: text("secret").notNull(),
  /** The secret before the last rotation, still accepted until `previousSecretExpiresAt`. */
  previousSecret: text("previous_secret"),
  previousSecretExpiresAt: integer("previous_secret_expires_at"),
  createdAt: integer("created_at").notNull(),
  updatedAt: integer("updated_at").notNull(),
});

export type InstanceRow = typeof instances.$inferSelect;
export type WebhookRow = typeof webhooks.$inferSelect;

// Pipeline tables (events, deliveries, attempts) live in schema-pipeline.ts.
export * from "./schema-pipeline.ts";

