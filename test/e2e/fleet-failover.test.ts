// The fleet under a real SIGKILL (issue 11): three connector processes, the fake WhatsApp server and
// a local worker. Six instances are paired; the connector owning the most is killed; each of its
// instances opens again on another connector within 90 s without a QR (nobody scans again), an
// inbound message to each is then delivered, and WhatsApp never saw one device on two sockets.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FAILOVER_BOUND_MS, runFailover, type FailoverOutcome } from "../../scripts/drills/fleet-drills.ts";
import { startFleet, type Fleet } from "../../scripts/lib/fleet-run.ts";

describe("e2e: SIGKILL of the busiest of three connectors", () => {
  let fleet: Fleet;
  let outcome: FailoverOutcome;

  beforeAll(async () => {
    fleet = await startFleet("e2e-failover", ["fleet-a", "fleet-b", "fleet-c"]);
  }, 180_000);

  afterAll(async () => {
    await fleet?.close();
  }, 60_000);

  it("moves every instance of the killed connector to the others, open within 90 s, without a QR", async () => {
    outcome = await runFailover(fleet, 6);
    expect(outcome.moved.length).toBeGreaterThanOrEqual(2);
    expect(outcome.failoverMs).toHaveLength(outcome.moved.length);
    for (const ms of outcome.failoverMs) expect(ms).toBeLessThan(FAILOVER_BOUND_MS);
    const owners = await fleet.owners();
    for (const name of outcome.moved) expect(owners.get(name)).not.toBe(outcome.victim);
  }, 300_000);

  it("delivers an inbound message to each moved instance, and no device ever had two live sockets", () => {
    expect(outcome.delivered).toEqual(outcome.sent);
    expect(outcome.sent).toHaveLength(outcome.moved.length);
    expect(outcome.doubleLogins).toBe(0);
    expect(fleet.wa.server.doubleLogins).toEqual([]);
  });
});
