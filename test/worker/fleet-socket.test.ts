// The connector socket (worker/routes/fleet.ts + worker/fleet/hub.ts): authentication before the
// upgrade with the connector's derived key, one-time nonces, commands signed down the socket and
// answers bound to their command, heartbeats answered without the hub, the renewal alarm.
import { env, runDurableObjectAlarm, runInDurableObject, SELF } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { connectorHub } from "../../worker/fleet/hub.ts";
import { fleetRegistry } from "../../worker/fleet/registry.ts";
import { HEARTBEAT_STALE_MS, LEASE_MS } from "../../worker/fleet/timing.ts";
import { CONNECT_PATH, FLEET_PATHS, signAnswer } from "../../protocol/fleet.ts";
import { connectFleetClient, upgradeRequest, type FleetClient } from "./helpers/fleet-client.ts";
import { call, createTestInstance } from "./helpers/api.ts";

let counter = 0;
const uniqueConnector = () => `c-${Date.now().toString(36)}-${++counter}`;
const clients: FleetClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});
async function connect(...args: Parameters<typeof connectFleetClient>) {
  const client = await connectFleetClient(...args);
  clients.push(client);
  return client;
}

const command = (instance: string, epoch = 1) => ({ method: "GET" as const, path: `/v1/instances/${instance}`, instance, epoch, body: "", timeoutMs: 2_000 });

describe("connector socket authentication (before the upgrade)", () => {
  it.each([
    ["no headers", async () => ({ upgrade: "websocket" })],
    ["a key derived for another connector", async () => {
      const { headers } = await upgradeRequest("someone-else");
      return { ...headers, "x-l2msg-connector": "victim" };
    }],
    ["the wrong secret", async () => (await upgradeRequest("c-wrong", { secret: "another-secret-0123456789abcdef" })).headers],
    ["a stale timestamp", async () => (await upgradeRequest("c-stale", { nowMs: Date.now() - 301_000 })).headers],
  ])("%s → 401, no socket", async (_name, headers) => {
    const res = await SELF.fetch(`http://l2msg.test${CONNECT_PATH}`, { headers: await headers() });
    expect(res.status).toBe(401);
    expect(res.webSocket).toBeNull();
  });

  it("a replayed upgrade request (same nonce) is refused", async () => {
    const id = uniqueConnector();
    const { headers } = await upgradeRequest(id, { nonce: "nonce-0123456789abcdef" });
    const first = await SELF.fetch(`http://l2msg.test${CONNECT_PATH}`, { headers });
    expect(first.status).toBe(101);
    first.webSocket!.accept();
    const again = await SELF.fetch(`http://l2msg.test${CONNECT_PATH}`, { headers });
    expect(again.status).toBe(401);
    first.webSocket!.close(1000, "done");
  });

  it("a signed request without an upgrade is a 400", async () => {
    const { headers } = await upgradeRequest(uniqueConnector());
    const res = await SELF.fetch(`http://l2msg.test${CONNECT_PATH}`, { headers: { ...headers, upgrade: "" } });
    expect(res.status).toBe(400);
  });
});

describe("commands over the socket", () => {
  it("on connect the connector is live in the registry and receives its signed assignment list", async () => {
    const id = uniqueConnector();
    const client = await connect(id);
    const assignments = await client.next();
    expect(assignments).toMatchObject({ method: "POST", path: FLEET_PATHS.assignments, instance: "", epoch: 0 });
    expect(JSON.parse(assignments.body)).toEqual({ owned: [], leaseMs: LEASE_MS });
    expect(client.received[0]?.check).toBe("ok");
    const listed = await fleetRegistry(env).connectors(Date.now());
    expect(listed.find((c) => c.id === id)).toMatchObject({ live: true, capacity: 50, version: "test" });
  });

  it("a command goes down signed and bound to its instance and epoch; the answer comes back", async () => {
    const id = uniqueConnector();
    const client = await connect(id, (frame) => ({ status: 200, body: { instance: frame.instance, state: "open" } }));
    await client.next();
    const result = await connectorHub(env, id).command(command("sales", 7));
    expect(result).toEqual({ kind: "answer", status: 200, body: JSON.stringify({ instance: "sales", state: "open" }) });
    const sent = client.received.at(-1)!;
    expect(sent.check).toBe("ok");
    expect(sent.frame).toMatchObject({ method: "GET", path: "/v1/instances/sales", instance: "sales", epoch: 7 });
  });

  it("an answer signed for another command id is refused as a bad answer", async () => {
    const id = uniqueConnector();
    const client = await connect(id, () => ({
      raw: async (frame, key) => JSON.stringify(await signAnswer(key, { id: `${frame.id.slice(0, -1)}x`, ts: Math.floor(Date.now() / 1000), status: 200, body: "{}" })),
    }));
    await client.next();
    // The mis-bound answer matches no pending command: the command times out rather than trusting it.
    const result = await connectorHub(env, id).command({ ...command("sales"), timeoutMs: 500 });
    expect(result).toEqual({ kind: "unreachable", reason: "no answer within 500 ms" });
  });

  it("an answer with the right id but a forged signature is a bad answer", async () => {
    const id = uniqueConnector();
    const client = await connect(id, () => ({
      raw: async (frame) => JSON.stringify(await signAnswer("not-the-key", { id: frame.id, ts: Math.floor(Date.now() / 1000), status: 200, body: "{}" })),
    }));
    await client.next();
    expect(await connectorHub(env, id).command(command("sales"))).toEqual({ kind: "bad_answer", reason: "mismatch" });
  });

  it("no socket: unreachable at once; a silent connector: unreachable after the timeout", async () => {
    expect(await connectorHub(env, uniqueConnector()).command(command("x"))).toEqual({ kind: "unreachable", reason: "the connector is not connected" });
    const id = uniqueConnector();
    const client = await connect(id, () => "silent");
    await client.next();
    expect(await connectorHub(env, id).command({ ...command("x"), timeoutMs: 300 })).toEqual({ kind: "unreachable", reason: "no answer within 300 ms" });
  });

  it("a new connection of the same connector replaces the old one", async () => {
    const id = uniqueConnector();
    const first = await connect(id);
    await first.next();
    const closed = new Promise<number>((resolve) => first.ws.addEventListener("close", (e) => resolve(e.code)));
    const second = await connect(id, () => ({ status: 200, body: { from: "second" } }));
    await second.next();
    expect(await closed).toBe(4001);
    expect(await connectorHub(env, id).command(command("x"))).toMatchObject({ kind: "answer", body: '{"from":"second"}' });
  });
});

describe("heartbeat and lease renewal", () => {
  it("ping is answered with pong by the runtime, and its time is what the hub checks", async () => {
    const id = uniqueConnector();
    const client = await connect(id);
    await client.next();
    const pong = new Promise<string>((resolve) => client.ws.addEventListener("message", (e) => e.data === "pong" && resolve(e.data)));
    client.ws.send("ping");
    expect(await pong).toBe("pong");
    const status = await connectorHub(env, id).status();
    expect(status.connected).toBe(true);
    expect(Date.now() - (status.lastHeartbeatAt ?? 0)).toBeLessThan(5_000);
  });

  it("the alarm renews the lease while heartbeats are recent", async () => {
    const id = uniqueConnector();
    const client = await connect(id);
    await client.next();
    const placed = await fleetRegistry(env).place(`inst-${id}`, Date.now());
    // Every other live test connector may win the placement; only check ours when it did.
    client.ws.send("ping");
    await new Promise((r) => setTimeout(r, 50));
    const before = (await fleetRegistry(env).connectors(Date.now())).find((c) => c.id === id)!.lastSeenAt;
    await new Promise((r) => setTimeout(r, 20));
    expect(await runDurableObjectAlarm(connectorHub(env, id))).toBe(true);
    const after = (await fleetRegistry(env).connectors(Date.now())).find((c) => c.id === id)!;
    expect(after.live).toBe(true);
    expect(after.lastSeenAt).toBeGreaterThan(before);
    if (placed?.connectorId === id) expect((await fleetRegistry(env).owner(`inst-${id}`, Date.now()))?.leaseUntil).toBeGreaterThan(placed.leaseUntil);
  });

  it("the alarm closes a socket whose heartbeats stopped, and the connector is no longer live", async () => {
    const id = uniqueConnector();
    const client = await connect(id);
    await client.next();
    const closed = new Promise<number>((resolve) => client.ws.addEventListener("close", (e) => resolve(e.code)));
    // Backdate the accept time: no ping since, so the last heartbeat is older than the limit.
    await runInDurableObject(connectorHub(env, id), (_hub, state) => {
      for (const ws of state.getWebSockets()) ws.serializeAttachment({ ...ws.deserializeAttachment(), acceptedAt: Date.now() - HEARTBEAT_STALE_MS - 1 });
    });
    expect(await runDurableObjectAlarm(connectorHub(env, id))).toBe(true);
    expect(await closed).toBe(4000);
    const listed = (await fleetRegistry(env).connectors(Date.now())).find((c) => c.id === id);
    expect(listed?.live).toBe(false);
  });
});

describe("GET /connectors and fetchInstances connectorId", () => {
  it("lists connected connectors for the global key only; fetchInstances names each instance's owner", async () => {
    const id = uniqueConnector();
    const client = await connect(id, () => ({ status: 200, body: {} }), 100_000);
    await client.next();
    expect((await call("GET", "/connectors", { key: null })).status).toBe(401);
    const listed = await call("GET", "/connectors");
    expect(listed.status).toBe(200);
    expect(listed.json.find((c: { id: string }) => c.id === id)).toEqual({ id, version: "test", live: true, capacity: 100_000, instances: 0, lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) });

    const { instanceName, token } = await createTestInstance();
    expect((await call("GET", "/connectors", { key: token })).status).toBe(401);
    expect((await call("GET", `/instance/fetchInstances?instanceName=${instanceName}`)).json[0].instance.connectorId).toBeNull();
    await fleetRegistry(env).place(instanceName, Date.now());
    const item = await call("GET", `/instance/fetchInstances?instanceName=${instanceName}`);
    expect(item.json[0].instance.connectorId).toBe(id);
    expect((await call("GET", "/connectors")).json.find((c: { id: string }) => c.id === id).instances).toBe(1);
  });
});
