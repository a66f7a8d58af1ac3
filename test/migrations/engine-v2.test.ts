// Migration 0002 rebuilds `webhooks` (new primary key). Applied to a database that already has an
// instance, its webhook, events, deliveries and attempts, it must keep every row: the webhook
// becomes `default`, deliveries to it point at it. Checked with foreign keys enforced throughout
// (D1 enforces them and may ignore `PRAGMA foreign_keys`).
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";

const dir = fileURLToPath(new URL("../../migrations/", import.meta.url));

function apply(db: Database.Database, file: string): void {
  for (const statement of readFileSync(`${dir}${file}`, "utf8").split("--> statement-breakpoint")) {
    const sql = statement.trim();
    if (sql && !/^PRAGMA foreign_keys/i.test(sql)) db.exec(sql);
  }
}

describe("migration 0002_engine_v2 on a database with rows", () => {
  it("keeps webhooks, events, deliveries and attempts", () => {
    const db = new Database(":memory:");
    db.pragma("foreign_keys = ON");
    apply(db, "0000_init.sql");
    apply(db, "0001_pipeline.sql");
    const now = 1_796_000_000_000;
    db.prepare("INSERT INTO instances (id, name, token, status, created_at, updated_at) VALUES ('i1', 'sales', 'tok', 'open', ?, ?)").run(now, now);
    db.prepare("INSERT INTO webhooks (instance_id, url, enabled, events, by_events, base64, headers, secret, created_at, updated_at) VALUES ('i1', 'https://x/hook', 1, '[\"CALL\"]', 1, 1, '{\"A\":\"b\"}', 'whsec_x', ?, ?)").run(now, now);
    db.prepare("INSERT INTO webhook_events (id, instance_id, instance_name, event, data, date_time, created_at) VALUES ('evt_1', 'i1', 'sales', 'call', '{}', 'x', ?)").run(now);
    const delivery = db.prepare("INSERT INTO deliveries (id, event_id, instance_id, instance_name, target, event, status, attempts, next_attempt_at, created_at, updated_at) VALUES (?, 'evt_1', 'i1', 'sales', ?, 'call', 'failed', 1, ?, ?, ?)");
    delivery.run("msg_1", "instance", now, now, now);
    delivery.run("msg_2", "global", now, now, now);
    db.prepare("INSERT INTO delivery_attempts (delivery_id, attempt, started_at, url, latency_ms, outcome) VALUES ('msg_1', 1, ?, 'https://x/hook', 5, 'failed')").run(now);

    apply(db, "0002_engine_v2.sql");

    expect(db.prepare("SELECT instance_id, id, url, enabled, events, by_events, base64, headers, secret, filters, ordered, consecutive_failures FROM webhooks").all()).toEqual([{
      instance_id: "i1", id: "default", url: "https://x/hook", enabled: 1, events: '["CALL"]', by_events: 1, base64: 1, headers: '{"A":"b"}',
      secret: "whsec_x", filters: "{}", ordered: 0, consecutive_failures: 0,
    }]);
    expect(db.prepare("SELECT id, webhook_id FROM deliveries ORDER BY id").all()).toEqual([{ id: "msg_1", webhook_id: "default" }, { id: "msg_2", webhook_id: null }]);
    expect(db.prepare("SELECT count(*) AS n FROM delivery_attempts").get()).toEqual({ n: 1 });
    expect(db.prepare("SELECT id, sequence FROM webhook_events").all()).toEqual([{ id: "evt_1", sequence: null }]);
    expect(db.prepare("SELECT last_sequence FROM instances").get()).toEqual({ last_sequence: 0 });
    expect(db.pragma("foreign_key_check")).toEqual([]);
  });
});
