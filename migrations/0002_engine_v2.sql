PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_webhooks` (
	`instance_id` text NOT NULL,
	`id` text DEFAULT 'default' NOT NULL,
	`url` text NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`events` text NOT NULL,
	`by_events` integer DEFAULT false NOT NULL,
	`base64` integer DEFAULT false NOT NULL,
	`headers` text NOT NULL,
	`filters` text DEFAULT '{}' NOT NULL,
	`ordered` integer DEFAULT false NOT NULL,
	`secret` text NOT NULL,
	`previous_secret` text,
	`previous_secret_expires_at` integer,
	`disabled_at` integer,
	`disabled_reason` text,
	`last_success_at` integer,
	`failing_since` integer,
	`last_failure_at` integer,
	`consecutive_failures` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`instance_id`, `id`),
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Reviewed by hand: drizzle-kit copied columns the old table does not have. Only the old columns
-- are copied; every existing webhook becomes the instance's `default` one, and the new columns
-- take their defaults. Nothing references `webhooks`, so dropping it cascades nowhere.
INSERT INTO `__new_webhooks`("instance_id", "id", "url", "enabled", "events", "by_events", "base64", "headers", "secret", "previous_secret", "previous_secret_expires_at", "created_at", "updated_at") SELECT "instance_id", 'default', "url", "enabled", "events", "by_events", "base64", "headers", "secret", "previous_secret", "previous_secret_expires_at", "created_at", "updated_at" FROM `webhooks`;--> statement-breakpoint
DROP TABLE `webhooks`;--> statement-breakpoint
ALTER TABLE `__new_webhooks` RENAME TO `webhooks`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
ALTER TABLE `instances` ADD `last_sequence` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `webhook_id` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `order_key` text;--> statement-breakpoint
-- Existing deliveries to an instance webhook were to its only (now `default`) webhook.
UPDATE `deliveries` SET `webhook_id` = 'default' WHERE `target` = 'instance';--> statement-breakpoint
CREATE INDEX `deliveries_webhook_idx` ON `deliveries` (`instance_id`,`webhook_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `deliveries_order_idx` ON `deliveries` (`instance_id`,`webhook_id`,`order_key`,`status`) WHERE order_key is not null;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `sequence` integer;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `chat_jid` text;--> statement-breakpoint
ALTER TABLE `webhook_events` ADD `message_id` text;--> statement-breakpoint
CREATE INDEX `webhook_events_sequence_idx` ON `webhook_events` (`instance_id`,`sequence`);--> statement-breakpoint
CREATE INDEX `webhook_events_message_idx` ON `webhook_events` (`instance_id`,`message_id`);