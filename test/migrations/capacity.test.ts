// Migration 0004 (issue 15) swaps indexes and adds columns and the housekeeping_state table on a
// database engine v2 already filled. It must keep every row, and put the deliveries it finds in
// the right partial indexes: a retried pending one in the retry index, a failed one in the failed
// index, a first-try success in neither. Foreign keys enforced throughout, as D1 does.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../migrations/", import.meta.url));
const BEFORE = ["0000_init.sql", "0001_pipeline.sql", "0002_engine_v2.sql", "0003_instance_settings.sql"];

function apply(db: Database.Database, file: string): void {
  for (const statement of readFileSync(`${dir}${file}`, "utf8").split("--> statement-breakpoint")) {
    const sql = statement.trim();
    if (sql && !/^PRAGMA foreign_keys/i.test(sql)) db.exec(sql);
  }
}

function seeded(): Database.Database {
  const db = new Database(":memory:");
  db.pragma("foreign_keys = ON");
  for (const file of BEFORE) apply(db, file);
  const now = 1_796_000_000_000;
  db.prepare("INSERT INTO instances (id, name, token, status, last_sequence, created_at, updated_at) VALUES ('i1', 'sales', 'tok', 'open', 2, ?, ?)").run(now, now);
  db.prepare("INSERT INTO webhooks (instance_id, id, url, events, headers, secret, created_at, updated_at) VALUES ('i1', 'default', 'https://x/hook', '[]', '{}', 'whsec_x', ?, ?)").run(now, now);
  const event = db.prepare("INSERT INTO webhook_events (id, instance_id, instance_name, event, data, date_time, sequence, message_id, created_at) VALUES (?, 'i1', 'sales', ?, '{}', 'x', ?, ?, ?)");
  event.run("evt_1", "messages.upsert", 1, "3EB0A", now);
  event.run("evt_2", "presence.update", 2, null, now);
  const delivery = db.prepare("INSERT INTO deliveries (id, event_id, instance_id, instance_name, target, webhook_id, event, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?, ?, 'i1', 'sales', 'instance', 'default', 'messages.upsert', ?, ?, ?, ?, ?)");
  delivery.run("msg_1", "evt_1", "succeeded", 1, now, now, now);
  delivery.run("msg_2", "evt_1", "pending", 2, now + 5_000, now, now);
  delivery.run("msg_3", "evt_2", "failed", 3, now, now, now);
  delivery.run("msg_4", "evt_2", "pending", 0, now, now, now);
  db.prepare("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, url, latency_ms, outcome) VALUES ('msg_3', 1, ?, 'https://x/hook', 5, 'failed')").run(now);
  return db;
}

const indexed = (db: Database.Database, index: string) =>
  (db.prepare(`SELECT id FROM deliveries INDEXED BY ${index} WHERE ${index === "deliveries_failed_idx" ? "status = 'failed'" : "status = 'pending' AND next_attempt_at > created_at"} ORDER BY id`).all() as { id: string }[]).map((r) => r.id);

describe("migration 0004_capacity on an engine v2 database with rows", () => {
  it("keeps every row and puts existing deliveries in the partial indexes", () => {
    const db = seeded();
    apply(db, "0004_capacity.sql");
    expect(db.prepare("SELECT id, status, last_latency_ms FROM deliveries ORDER BY id").all()).toEqual([
      { id: "msg_1", status: "succeeded", last_latency_ms: null }, { id: "msg_2", status: "pending", last_latency_ms: null },
      { id: "msg_3", status: "failed", last_latency_ms: null }, { id: "msg_4", status: "pending", last_latency_ms: null },
    ]);
    expect(db.prepare("SELECT id, sequence FROM webhook_events ORDER BY id").all()).toEqual([{ id: "evt_1", sequence: 1 }, { id: "evt_2", sequence: 2 }]);
    expect(db.prepare("SELECT count(*) AS n FROM delivery_attempts").get()).toEqual({ n: 1 });
    expect(indexed(db, "deliveries_retry_due_idx")).toEqual(["msg_2"]);
    expect(indexed(db, "deliveries_failed_idx")).toEqual(["msg_3"]);
    expect(db.prepare("SELECT count(*) AS n FROM housekeeping_state").get()).toEqual({ n: 0 });
    expect(db.pragma("foreign_key_check")).toEqual([]);
  });

  it("drops the status, webhook and instance-only indexes; the message index holds message events only", () => {
    const db = seeded();
    apply(db, "0004_capacity.sql");
    const names = (db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL ORDER BY name").all() as { name: string }[]).map((r) => r.name);
    expect(names).not.toContain("deliveries_status_next_idx");
    expect(names).not.toContain("webhook_events_instance_idx");
    expect(names).not.toContain("deliveries_webhook_idx");
    expect(names).toEqual(expect.arrayContaining(["deliveries_retry_due_idx", "deliveries_failed_idx", "webhook_events_message_idx", "webhook_events_sequence_idx"]));
    const byMessage = db.prepare("SELECT id FROM webhook_events INDEXED BY webhook_events_message_idx WHERE instance_id = 'i1' AND message_id = '3EB0A'").all();
    expect(byMessage).toEqual([{ id: "evt_1" }]);
  });
});
