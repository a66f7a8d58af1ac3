CREATE TABLE `housekeeping_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_run_at` integer NOT NULL,
	`last_run` text NOT NULL,
	`last_budget_prune_at` integer,
	`horizon_warned_at` integer,
	`sweep_watermark` text
);
--> statement-breakpoint
DROP INDEX `deliveries_status_next_idx`;--> statement-breakpoint
DROP INDEX `deliveries_webhook_idx`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `last_latency_ms` integer;--> statement-breakpoint
CREATE INDEX `deliveries_retry_due_idx` ON `deliveries` (`next_attempt_at`) WHERE status = 'pending' AND next_attempt_at > created_at;--> statement-breakpoint
CREATE INDEX `deliveries_failed_idx` ON `deliveries` (`id`) WHERE status = 'failed';--> statement-breakpoint
DROP INDEX `webhook_events_instance_idx`;--> statement-breakpoint
DROP INDEX `webhook_events_message_idx`;--> statement-breakpoint
CREATE INDEX `webhook_events_message_idx` ON `webhook_events` (`instance_id`,`message_id`) WHERE message_id is not null;