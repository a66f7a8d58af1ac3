// End to end with two connectors on one worker (local Durable Objects): new instances go to the
// connector with the most free room, GET /connectors and fetchInstances show who owns what, and a
// connector that goes away keeps its instances through its lease, then loses them to the live one
// with a higher epoch (the registry's expiry alarm) and logs in there from the encrypted credentials
// the old owner wrote through: no QR, and inbound messages are delivered again.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningConnector } from "../../connector/index.ts";
import { connectionState, createWithQr, scanAndWaitOpen, webhookOf } from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const MAIN = "e2e-fleet-connector";
const OTHER = "e2e-fleet-z";

describe("e2e: a fleet of two connectors", () => {
  let stack: Stack;
  let other: RunningConnector;

  beforeAll(async () => {
    stack = await startStack("e2e-fleet");
    other = await stack.addConnector(OTHER);
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
  }, 60_000);

  const ownerOf = async (name: string) => (await stack.api("GET", `/instance/fetchInstances?instanceName=${name}`)).json[0].instance.connectorId as string | null;
  const connectors = async () => (await stack.api("GET", "/connectors")).json as { id: string; live: boolean; instances: number; capacity: number; version: string }[];

  it("places new instances on the connector with the most free room; both list themselves", async () => {
    expect(await connectors()).toEqual([
      expect.objectContaining({ id: MAIN, live: true, instances: 0, capacity: 50, version: expect.any(String) }),
      expect.objectContaining({ id: OTHER, live: true, instances: 0, capacity: 50 }),
    ]);
    const north = await createWithQr(stack, "north");
    expect(north.code).toEqual(expect.any(String));
    expect(await ownerOf("north")).toBe(MAIN);
    const south = await createWithQr(stack, "south");
    expect(await ownerOf("south")).toBe(OTHER);
    expect(other.registry.get("south")?.isRunning()).toBe(true);
    expect(stack.connector.registry.get("south")).toBeUndefined();
    await scanAndWaitOpen(stack, "south", stack.wa.phone("15550002222"), south.code);
    expect((await connectors()).map((c) => [c.id, c.instances])).toEqual([[MAIN, 1], [OTHER, 1]]);
    expect(other.fleet.epochOf("south")).toBe(1);
  }, 60_000);

  it("a connector that goes away keeps its instances through the lease, then they move with a higher epoch", async () => {
    const opensOf = () => stack.inbox.received.filter((w) => w.body.instance === "south" && w.body.event === "connection.update" && w.body.data.state === "open").length;
    const opensBefore = opensOf();
    const qrsBefore = stack.inbox.received.filter((w) => w.body.instance === "south" && w.body.event === "qrcode.updated").length;
    // The credentials written through when "south" paired are on the worker side by now.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const stoppedAt = Date.now();
    await other.stop({ flush: false });
    // A drop is not a failover: the lease still names the old owner.
    expect(await ownerOf("south")).toBe(OTHER);
    await eventually(async () => ((await ownerOf("south")) === MAIN ? true : undefined), "south moved to the live connector", 60_000);
    const movedAfterMs = Date.now() - stoppedAt;
    expect(movedAfterMs).toBeLessThan(45_000);
    const listed = await connectors();
    expect(listed.find((c) => c.id === OTHER)).toMatchObject({ live: false, instances: 0 });
    expect(listed.find((c) => c.id === MAIN)).toMatchObject({ live: true, instances: 2 });
    // The new owner got its assignment list with the instance at epoch 2, and commands reach it.
    await eventually(async () => (stack.connector.fleet.epochOf("south") === 2 ? true : undefined), "assignment at epoch 2", 10_000);
    // It logs in there from the credentials the old owner wrote through (encrypted): no QR.
    await eventually(async () => (opensOf() > opensBefore ? true : undefined), "a new open webhook for south", 30_000);
    await eventually(async () => ((await connectionState(stack, "south")) === "open" ? true : undefined), "south open on the new owner", 30_000);
    expect(stack.connector.registry.get("south")?.isOpen()).toBe(true);
    expect(stack.inbox.received.filter((w) => w.body.instance === "south" && w.body.event === "qrcode.updated").length).toBe(qrsBefore);
    expect(stack.wa.server.liveConnections(stack.wa.phone("15550002222").account)).toHaveLength(1);
    expect(stack.wa.server.doubleLogins).toEqual([]);
  }, 120_000);

  it("an inbound message to the moved instance is delivered", async () => {
    const { id } = await stack.wa.phone("15550002222").sendText({ from: "15553334444", text: "after the failover" });
    const upsert = await webhookOf(stack, "south", "messages.upsert", (d) => d.key?.id === id);
    expect(upsert.body.data.message).toMatchObject({ conversation: "after the failover" });
  }, 30_000);

  it("drain (SIGTERM): the stopping connector closes its sockets, pushes its credentials and its instances move at once", async () => {
    const third = await stack.addConnector("e2e-fleet-y");
    const opensOf = () => stack.inbox.received.filter((w) => w.body.instance === "south" && w.body.event === "connection.update" && w.body.data.state === "open").length;
    const opensBefore = opensOf();
    const started = Date.now();
    await stack.connector.stop({ drain: true });
    // No lease to wait for: the registry moved them when asked.
    expect(await ownerOf("south")).toBe("e2e-fleet-y");
    expect(await ownerOf("north")).toBe("e2e-fleet-y");
    await eventually(async () => (opensOf() > opensBefore ? true : undefined), "south open on the third connector", 30_000);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(third.registry.get("south")?.isOpen()).toBe(true);
    expect(third.fleet.epochOf("south")).toBe(3);
    expect(stack.wa.server.liveConnections(stack.wa.phone("15550002222").account)).toHaveLength(1);
    expect(stack.wa.server.doubleLogins).toEqual([]);
    const listed = await connectors();
    expect(listed.find((c) => c.id === MAIN)).toMatchObject({ live: false, instances: 0 });
    const { id } = await stack.wa.phone("15550002222").sendText({ from: "15553334444", text: "after the drain" });
    await webhookOf(stack, "south", "messages.upsert", (d) => d.key?.id === id);
  }, 90_000);
});
