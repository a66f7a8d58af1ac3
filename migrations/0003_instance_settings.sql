CREATE TABLE `instance_settings` (
	`instance_id` text PRIMARY KEY NOT NULL,
	`reject_call` integer DEFAULT false NOT NULL,
	`msg_call` text DEFAULT '' NOT NULL,
	`groups_ignore` integer DEFAULT false NOT NULL,
	`always_online` integer DEFAULT false NOT NULL,
	`read_messages` integer DEFAULT false NOT NULL,
	`read_status` integer DEFAULT false NOT NULL,
	`sync_full_history` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL,
	FOREIGN KEY (`instance_id`) REFERENCES `instances`(`id`) ON UPDATE no action ON DELETE cascade
);
