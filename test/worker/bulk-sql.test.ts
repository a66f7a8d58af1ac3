// Multi-row statements (worker/storage/bulk-sql.ts): rows bound as VALUES stay within D1's 100
// parameters (values shared by every row bound once per statement), large rows go alone, and
// what is inserted or updated is exactly the rows given, nulls and booleans included.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { columnCount, insertRows, MAX_BOUND_PARAMS, MAX_STATEMENT_CHARS, rowFrom, rowSources, selectColumns } from "../../worker/storage/bulk-sql.ts";
import { batchRows, runBatch } from "../../worker/storage/db.ts";
import { updateStatesStatements, type SettledAttempt } from "../../worker/storage/deliveries.ts";
import { deliveryAttempts, instances, webhooks, type WebhookRow } from "../../worker/storage/schema.ts";
import { ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

const paramsOf = (sql: string) => (sql.match(/\?/g) ?? []).length;

describe("rowSources", () => {
  it("binds a value shared by every row once per statement and the rest per row, under 100 parameters", () => {
    const rows = Array.from({ length: 120 }, (_, i) => [`id-${i}`, "same", null, i % 2]);
    const sources = rowSources(["a", "b", "c", "d"], rows);
    // a and d vary (2 per row), b and c are shared (2 per statement): 49 rows per statement.
    expect(sources.map((s) => s.params.length)).toEqual([100, 100, 2 * 22 + 2]);
    for (const s of sources) expect(paramsOf(s.from)).toBe(s.params.length);
    expect(sources[0]?.column("a")).toBe("v.column1");
    expect(sources[0]?.column("b")).toBe("k.s0");
    expect(sources[0]?.params.slice(-2)).toEqual(["same", null]);
    expect(() => sources[0]?.column("e")).toThrow(/no column e/);
  });

  it("keeps the statement's own parameters within the limit too", () => {
    const rows = Array.from({ length: 30 }, (_, i) => [`id-${i}`, i, i * 2, i * 3]);
    for (const s of rowSources(["a", "b", "c", "d"], rows, 1)) expect(s.params.length + 1).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
  });

  it("puts a row over the size cap in a statement of its own", () => {
    const big = "x".repeat(MAX_STATEMENT_CHARS);
    const sources = rowSources(["a", "b"], [["1", "small"], ["2", big], ["3", "small"]]);
    expect(sources.map((s) => s.params.filter((p) => p === big).length)).toEqual([0, 1, 0]);
    expect(sources).toHaveLength(3);
  });

  it("refuses a row that alone binds more than D1 takes", () => {
    const names = Array.from({ length: 101 }, (_, i) => `c${i}`);
    expect(() => rowSources(names, [names.map((n) => n)])).toThrow(/over D1's 100/);
  });
});

describe("insertRows and updateStatesStatements against D1", () => {
  it("store exactly the rows given, across several statements", async () => {
    const instance = await seedInstance();
    const e = testEnv();
    const events = Array.from({ length: 3 }, (_, i) => upsertEvent(instance.name, `m${i}`));
    await ingest(e, { connector: "c1", events });
    const { results: deliveries } = await env.DB.prepare("SELECT id FROM deliveries ORDER BY id").all<{ id: string }>();
    const deliveryId = deliveries[0]!.id;
    const attempts = Array.from({ length: 130 }, (_, i) => ({
      deliveryId, attempt: i + 1, startedAt: 1_000 + i, url: "https://r.example/hook", statusCode: i % 3 ? 500 : null,
      latencyMs: i, outcome: "retry", error: i % 2 ? `error ${i}` : null, responseBody: null,
    }));
    const statements = insertRows(deliveryAttempts, attempts);
    expect(statements.length).toBeGreaterThan(1);
    for (const s of statements) expect(s.params.length).toBeLessThanOrEqual(MAX_BOUND_PARAMS);
    await runBatch(env.DB, statements);
    const { results } = await env.DB.prepare(
      "SELECT delivery_id, attempt, started_at, url, status_code, latency_ms, outcome, error, response_body FROM delivery_attempts WHERE delivery_id = ? ORDER BY attempt",
    ).bind(deliveryId).all();
    expect(results).toEqual(attempts.map((a) => ({
      delivery_id: a.deliveryId, attempt: a.attempt, started_at: a.startedAt, url: a.url, status_code: a.statusCode,
      latency_ms: a.latencyMs, outcome: a.outcome, error: a.error, response_body: a.responseBody,
    })));

    const settled: SettledAttempt[] = deliveries.map((d, i) => ({
      deliveryId: d.id, status: i === 0 ? "pending" : "succeeded", nextAttemptAt: 9_000 + i, lastError: i === 0 ? "HTTP 500" : null, keepAttemptRow: false,
      attempt: { attempt: 1, startedAt: 5_000, url: "u", statusCode: i === 0 ? 500 : 200, latencyMs: 7 + i, outcome: i === 0 ? "retry" : "succeeded", error: null, responseBody: null },
    }));
    await runBatch(env.DB, updateStatesStatements(settled, 6_000));
    const { results: states } = await env.DB.prepare(
      "SELECT status, attempts, next_attempt_at, locked_until, last_status_code, last_latency_ms, last_error, updated_at, completed_at FROM deliveries ORDER BY id",
    ).all();
    expect(states).toEqual(settled.map((s, i) => ({
      status: s.status, attempts: 1, next_attempt_at: 9_000 + i, locked_until: null, last_status_code: i === 0 ? 500 : 200,
      last_latency_ms: 7 + i, last_error: s.lastError, updated_at: 6_000, completed_at: i === 0 ? null : 5_007 + i,
    })));
  });
});

describe("positional reads (selectColumns, rowFrom, batchRows)", () => {
  it("give the rows drizzle would, JSON and boolean columns decoded, across a join read in a batch", async () => {
    const seeded = await seedInstance({ headers: { "x-team": "a" }, events: ["MESSAGES_UPSERT"], enabled: false });
    // instances and webhooks share column names (id, created_at, …): D1 returns a batch's rows
    // as objects, so without selectColumns' aliases the webhook's values would overwrite the instance's.
    const [rows = []] = await batchRows(env.DB, [{ sql: `select ${selectColumns(instances, "i")}, ${selectColumns(webhooks, "w")}
      from instances i join webhooks w on w.instance_id = i.id where i.id = ?`, params: [seeded.id] }]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toHaveLength(columnCount(instances) + columnCount(webhooks));
    const webhook = rowFrom<WebhookRow>(webhooks, rows[0]!, columnCount(instances));
    expect(webhook).toEqual(seeded.webhook);
    expect(webhook.enabled).toBe(false);
    expect(webhook.headers).toEqual({ "x-team": "a" });
    expect(rowFrom<{ id: string; name: string }>(instances, rows[0]!, 0)).toMatchObject({ id: seeded.id, name: seeded.name });
  });

  it("runs a batch's statements in order, each read seeing the writes before it, and returns every statement's rows", async () => {
    const seeded = await seedInstance({ headers: {}, events: ["MESSAGES_UPSERT"], enabled: true });
    const [updated = [], read = [], none = []] = await batchRows(env.DB, [
      { sql: `update instances set profile_name = ? where id = ? returning id, profile_name`, params: ["renamed", seeded.id] },
      { sql: `select name, profile_name from instances where id = ?`, params: [seeded.id] },
      { sql: `select id from instances where id = ?`, params: ["no-such-instance"] },
    ]);
    expect(updated).toEqual([[seeded.id, "renamed"]]);
    expect(read).toEqual([[seeded.name, "renamed"]]);
    expect(none).toEqual([]);
  });
});
