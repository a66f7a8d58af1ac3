// The fleet registry (worker/fleet/registry.ts): placement by free room, leases, epochs that grow on
// every hand-over, stale-epoch refusal, and the expiry alarm moving a silent connector's instances.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { FleetRegistry } from "../../worker/fleet/registry.ts";
import { pickConnector } from "../../worker/fleet/placement.ts";
import { LEASE_MS } from "../../worker/fleet/timing.ts";

let counter = 0;
/** A registry of its own per test (the production one is the object named "fleet"). */
function freshRegistry(): DurableObjectStub<FleetRegistry> {
  const ns = env.FLEET as unknown as DurableObjectNamespace<FleetRegistry>;
  counter += 1;
  return ns.get(ns.idFromName(`test-registry-${Date.now()}-${counter}`));
}

const T0 = 1_800_000_000_000;

describe("placement", () => {
  it.each([
    ["most free room wins", [{ id: "a", capacity: 50, owned: 10 }, { id: "b", capacity: 50, owned: 3 }], undefined, "b"],
    ["capacity counts, not load alone", [{ id: "a", capacity: 100, owned: 40 }, { id: "b", capacity: 20, owned: 0 }], undefined, "a"],
    ["ties go to the lowest id", [{ id: "b", capacity: 5, owned: 0 }, { id: "a", capacity: 5, owned: 0 }], undefined, "a"],
    ["full connectors are skipped", [{ id: "a", capacity: 2, owned: 2 }, { id: "b", capacity: 1, owned: 0 }], undefined, "b"],
    ["the excluded connector is skipped", [{ id: "a", capacity: 9, owned: 0 }, { id: "b", capacity: 2, owned: 1 }], "a", "b"],
    ["nobody has room", [{ id: "a", capacity: 1, owned: 1 }], undefined, undefined],
  ])("%s", (_name, candidates, exclude, expected) => {
    expect(pickConnector(candidates, exclude)?.id).toBe(expected);
  });
});

describe("FleetRegistry", () => {
  it("places a new instance on the live connector with the most free room, epoch 1, leased with it", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1.0.0", 2, T0);
    await registry.connectorUp("b", "1.0.0", 3, T0);
    const first = await registry.place("one", T0);
    expect(first).toEqual({ connectorId: "b", epoch: 1, leaseUntil: T0 + LEASE_MS });
    // b: 2 free of 3, a: 2 free of 2 → tie on room, lowest id.
    expect((await registry.place("two", T0))?.connectorId).toBe("a");
    // Placing again returns the current owner unchanged.
    expect(await registry.place("one", T0)).toEqual(first);
    const listed = await registry.connectors(T0);
    expect(listed).toEqual([
      { id: "a", version: "1.0.0", live: true, capacity: 2, instances: 1, lastSeenAt: T0, draining: false },
      { id: "b", version: "1.0.0", live: true, capacity: 3, instances: 1, lastSeenAt: T0, draining: false },
    ]);
  });

  it("places nothing when no connector is live or every one is full", async () => {
    const registry = freshRegistry();
    expect(await registry.place("x", T0)).toBeUndefined();
    await registry.connectorUp("a", "1", 1, T0);
    expect(await registry.place("x", T0)).toMatchObject({ connectorId: "a" });
    expect(await registry.place("y", T0)).toBeUndefined();
  });

  it("refuses a stale epoch, another connector, and an expired lease", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1", 5, T0);
    const owner = await registry.place("sales", T0);
    expect(owner?.epoch).toBe(1);
    expect(await registry.check("sales", "a", 1, T0)).toBe("ok");
    expect(await registry.check("sales", "a", 0, T0)).toBe("stale_epoch");
    expect(await registry.check("sales", "b", 1, T0)).toBe("not_owner");
    expect(await registry.check("nobody", "a", 1, T0)).toBe("not_owner");
    expect(await registry.check("sales", "a", 1, T0 + LEASE_MS + 1)).toBe("lease_expired");
  });

  it("a renewal keeps the lease; a connector whose socket closed keeps its instances until the lease runs out", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1", 5, T0);
    await registry.place("sales", T0);
    expect(await registry.renew("a", T0 + 10_000)).toBe(true);
    expect((await registry.owner("sales", T0 + 10_000))?.leaseUntil).toBe(T0 + 10_000 + LEASE_MS);
    await registry.connectorDown("a", T0 + 11_000);
    // Down is not gone: a quick reconnect (a deploy) finds everything where it was, same epoch.
    expect(await registry.owner("sales", T0 + 20_000)).toMatchObject({ connectorId: "a", epoch: 1 });
    expect(await registry.connectorUp("a", "1", 5, T0 + 20_000)).toEqual([{ instance: "sales", epoch: 1 }]);
    // Renewing after the lease ran out is refused: the instances may have moved on.
    expect(await registry.renew("a", T0 + 20_000 + LEASE_MS + 1)).toBe(false);
  });

  it("the expiry alarm moves a silent connector's instances to a live one with a higher epoch", async () => {
    const registry = freshRegistry();
    const now = Date.now();
    await registry.connectorUp("a", "1", 10, now);
    await registry.connectorUp("b", "1", 1, now);
    const sales = await registry.place("sales", now);
    const support = await registry.place("support", now);
    expect([sales?.connectorId, support?.connectorId]).toEqual(["a", "a"]);
    // Only b stays alive; a's lease is made to run out in the past, as if its heartbeats had stopped.
    await runInDurableObject(registry, async (_instance, state) => {
      state.storage.sql.exec("UPDATE connectors SET lease_until = ? WHERE id = 'a'", now - 1);
      state.storage.sql.exec("UPDATE owners SET lease_until = ? WHERE connector_id = 'a'", now - 1);
      state.storage.sql.exec("UPDATE connectors SET lease_until = ? WHERE id = 'b'", now + LEASE_MS);
    });
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    // b had room for one: "sales" moves to it at epoch 2; "support" is orphaned (no owner, no commands).
    expect(await registry.owner("sales", now)).toMatchObject({ connectorId: "b", epoch: 2 });
    expect(await registry.owner("support", now)).toBeUndefined();
    expect(await registry.check("sales", "a", 1, now)).toBe("not_owner");
    expect(await registry.check("support", "a", 1, now)).toBe("not_owner");
    expect((await registry.connectors(now)).find((c) => c.id === "a")).toMatchObject({ live: false, instances: 0 });
    // a's unsent events for the orphan still count (nobody ran it since); for "sales" they do not.
    expect(await registry.refusedClaims("a", [{ instance: "support", epoch: 1 }, { instance: "sales", epoch: 1 }])).toEqual([
      { instance: "sales", epoch: 1, reason: "not_owner" },
    ]);
    // A connector that appears adopts the orphan one epoch higher: a is fenced off from then on.
    await registry.connectorUp("c", "1", 5, now);
    expect(await registry.owner("support", now)).toMatchObject({ connectorId: "c", epoch: 2 });
    expect(await registry.assignments("c")).toEqual([{ instance: "support", epoch: 2 }]);
    expect(await registry.refusedClaims("a", [{ instance: "support", epoch: 1 }])).toEqual([{ instance: "support", epoch: 1, reason: "not_owner" }]);
  });

  it("gives an orphan back to its last owner at the same epoch, so its outbox still counts", async () => {
    const registry = freshRegistry();
    const now = Date.now();
    await registry.connectorUp("a", "1", 10, now);
    await registry.place("sales", now);
    await runInDurableObject(registry, async (_instance, state) => {
      state.storage.sql.exec("UPDATE connectors SET lease_until = ? WHERE id = 'a'", now - 1);
      state.storage.sql.exec("UPDATE owners SET lease_until = ? WHERE connector_id = 'a'", now - 1);
    });
    expect(await runDurableObjectAlarm(registry)).toBe(true);
    expect(await registry.owner("sales", now)).toBeUndefined();
    await registry.connectorUp("a", "1", 10, now);
    expect(await registry.owner("sales", now)).toMatchObject({ connectorId: "a", epoch: 1 });
    expect(await registry.refusedClaims("a", [{ instance: "sales", epoch: 1 }])).toEqual([]);
  });

  it("refuses event claims from another connector, at a stale epoch, or for an instance nobody holds", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1", 10, T0);
    await registry.connectorUp("b", "1", 1, T0);
    await registry.place("sales", T0);
    const owner = await registry.owner("sales", T0);
    const other = owner?.connectorId === "a" ? "b" : "a";
    expect(await registry.refusedClaims(owner!.connectorId, [{ instance: "sales", epoch: owner!.epoch }])).toEqual([]);
    expect(await registry.refusedClaims(other, [{ instance: "sales", epoch: owner!.epoch }])).toEqual([{ instance: "sales", epoch: owner!.epoch, reason: "not_owner" }]);
    expect(await registry.refusedClaims(owner!.connectorId, [{ instance: "sales", epoch: owner!.epoch - 1 }])).toEqual([{ instance: "sales", epoch: owner!.epoch - 1, reason: "stale_epoch" }]);
    expect(await registry.refusedClaims(owner!.connectorId, [{ instance: "nobody", epoch: 1 }])).toEqual([{ instance: "nobody", epoch: 1, reason: "not_owner" }]);
  });

  it("schedules its alarm at the earliest lease expiry", async () => {
    const registry = freshRegistry();
    const now = Date.now();
    await registry.connectorUp("a", "1", 10, now);
    await registry.place("sales", now);
    const alarm = await runInDurableObject(registry, (_instance, state) => state.storage.getAlarm());
    expect(alarm).toBe(now + LEASE_MS + 1);
  });

  it("a forgotten (deleted) instance is not adopted, and a recreated one gets a higher epoch", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1", 10, T0);
    await registry.place("sales", T0);
    await registry.forget("sales");
    expect(await registry.owner("sales", T0)).toBeUndefined();
    await registry.connectorUp("b", "1", 10, T0);
    expect(await registry.assignments("b")).toEqual([]);
    expect(await registry.place("sales", T0)).toMatchObject({ epoch: 2 });
  });

  it("drain moves a connector's instances at once with a higher epoch and takes it out of placement", async () => {
    const registry = freshRegistry();
    await registry.connectorUp("a", "1", 10, T0);
    await registry.place("sales", T0);
    await registry.connectorUp("b", "1", 10, T0);
    expect(await registry.drain("a", T0 + 1)).toEqual(["b"]);
    expect(await registry.owner("sales", T0 + 1)).toMatchObject({ connectorId: "b", epoch: 2 });
    expect(await registry.check("sales", "a", 1, T0 + 1)).toBe("not_owner");
    expect((await registry.place("new", T0 + 1))?.connectorId).toBe("b");
    expect((await registry.connectors(T0 + 1)).find((c) => c.id === "a")).toMatchObject({ live: false, draining: true, instances: 0 });
  });
});
