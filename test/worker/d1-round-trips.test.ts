// The hot paths' D1 round trips, counted: locally each one costs the one workerd thread about a
// millisecond whatever it holds (BENCHMARKS.md), so ingest sends its lookups together and the
// consumer claims and reads a whole batch in one batch. A change that splits them again fails here.
import { describe, expect, it } from "vitest";
import { claimAndLoadDeliveries } from "../../worker/storage/deliveries.ts";
import { GLOBAL_VARS, deliveriesOf, ingest, seedInstance, testEnv, upsertEvent } from "./helpers/pipeline.ts";

/** `d1` with every round trip it makes listed: a statement run on its own, or a batch of n. */
function countingD1(d1: D1Database): { db: D1Database; trips: string[] } {
  const trips: string[] = [];
  const inner = new WeakMap<object, D1PreparedStatement>();
  const wrap = (statement: D1PreparedStatement, query: string): D1PreparedStatement => {
    const wrapped = {
      bind: (...values: unknown[]) => wrap(statement.bind(...values), query),
      run: () => (trips.push(query), statement.run()),
      all: () => (trips.push(query), statement.all()),
      raw: (options?: { columnNames?: false }) => (trips.push(query), statement.raw(options)),
      first: (column?: string) => (trips.push(query), column === undefined ? statement.first() : statement.first(column)),
    } as unknown as D1PreparedStatement;
    inner.set(wrapped, statement);
    return wrapped;
  };
  const db = {
    prepare: (query: string) => wrap(d1.prepare(query), query),
    batch: (statements: D1PreparedStatement[]) => {
      trips.push(`batch of ${statements.length}`);
      return d1.batch(statements.map((s) => inner.get(s) ?? s));
    },
    exec: (query: string) => (trips.push(query), d1.exec(query)),
    withSession: (constraint?: string) => d1.withSession(constraint),
  } as unknown as D1Database;
  return { db, trips };
}

describe("D1 round trips on the hot paths", () => {
  it("ingest: the dedup and routing lookups in one batch, then the write in one batch", async () => {
    const instance = await seedInstance();
    const e = testEnv(GLOBAL_VARS);
    const warm = await ingest(e, { connector: "c1", events: [upsertEvent(instance.name, "first")] });
    expect(warm.status).toBe(200);
    const counted = countingD1(e.DB);
    const res = await ingest({ ...e, DB: counted.db }, { connector: "c1", events: Array.from({ length: 20 }, (_, i) => upsertEvent(instance.name, `m${i}`)) });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ accepted: 20, duplicates: 0 });
    expect(counted.trips).toEqual(["batch of 3", expect.stringMatching(/^batch of \d+$/)]);
    expect(await deliveriesOf(instance.name)).toHaveLength(42);
  });

  it("the consumer: claim, contexts, instances and webhooks of a batch in one round trip; unclaimed ids get their state", async () => {
    const instance = await seedInstance();
    const e = testEnv(GLOBAL_VARS);
    const res = await ingest(e, { connector: "c1", events: Array.from({ length: 5 }, (_, i) => upsertEvent(instance.name, `m${i}`)) });
    expect(res.status).toBe(200);
    const ids = (await deliveriesOf(instance.name)).map((d) => d.id);
    expect(ids).toHaveLength(10);
    const now = Date.now();
    // Two already leased by someone else: not claimed, their state reported.
    const first = await claimAndLoadDeliveries(e.DB, ids.slice(0, 2), now, now, now + 60_000);
    expect(first.claimed.size).toBe(2);
    const counted = countingD1(e.DB);
    const { claimed, contexts, unclaimed } = await claimAndLoadDeliveries(counted.db, [...ids, "no-such-delivery"], now, now, now + 90_000);
    expect(counted.trips).toEqual(["batch of 4"]);
    expect([...claimed].sort()).toEqual(ids.slice(2).sort());
    expect([...contexts.keys()].sort()).toEqual(ids.slice(2).sort());
    for (const ctx of contexts.values()) {
      expect(ctx.instance?.id).toBe(instance.id);
      expect(ctx.event.instanceName).toBe(instance.name);
      if (ctx.delivery.target === "instance") expect(ctx.webhook).toEqual(instance.webhook);
      else expect(ctx.webhook).toBeUndefined();
    }
    expect([...unclaimed.keys()].sort()).toEqual(ids.slice(0, 2).sort());
    expect([...unclaimed.values()].every((s) => s.status === "pending")).toBe(true);
  });
});
