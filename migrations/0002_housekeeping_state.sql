CREATE TABLE `housekeeping_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`last_run_at` integer NOT NULL,
	`last_run` text NOT NULL,
	`last_budget_prune_at` integer,
	`horizon_warned_at` integer
);
