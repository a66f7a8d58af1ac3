// The connector's fleet side (connector/worker-link.ts, connector/fleet.ts) against a stand-in worker
// socket: signed upgrade and heartbeats, commands verified (replay, mis-binding, stale epoch refused),
// assignments start and stop instances, a short drop changes nothing, a long one stops the sockets.
import { afterEach, describe, expect, it } from "vitest";
import { FLEET_PATHS } from "../../protocol/fleet.ts";
import { startHarness, type Harness } from "./fixture.ts";
import { proto, initAuthCreds } from "@whiskeysockets/baileys";
import { SqliteAuthStore } from "../../connector/auth-store.ts";
import { DEFAULT_INSTANCE_SETTINGS } from "../../protocol/commands.ts";
import { ME_JID, openSocket, tempDir, waitFor } from "./helpers.ts";

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

const state = (instance: string, epoch: number) => ({ method: "GET" as const, path: `/v1/instances/${instance}`, instance, epoch, body: "" });

/** Connects "sales" at epoch 1 through the fleet socket and opens its WhatsApp socket; resolves to the command's answer. */
async function connectSales(harness: Harness) {
  const connect = harness.fleet.send({ method: "POST", path: "/v1/instances/sales/connect", instance: "sales", epoch: 1, body: "{}" });
  await waitFor(() => harness.sockets.sockets.length === 1, 2_000, "a socket");
  openSocket(harness.sockets.sockets[0]!);
  return connect;
}

describe("worker link", () => {
  it("dials with a signed upgrade, answers its assignments signed, and pings for the heartbeat", async () => {
    h = await startHarness({ deps: { linkTiming: { pingEveryMs: 20 } } });
    expect(h.fleet.refused()).toBe(0);
    const [first] = [...h.fleet.answers.values()];
    expect(first).toEqual({ status: 200, body: { owned: [] }, check: "ok" });
    await waitFor(() => h!.fleet.pings() >= 2, 2_000, "two pings");
  });

  it("runs a signed instance command and signs the answer bound to it", async () => {
    h = await startHarness();
    const answer = await h.fleet.send(state("sales", 1));
    expect(answer).toEqual({ status: 200, body: expect.objectContaining({ instance: "sales", state: "close" }), check: "ok" });
  });

  it("refuses a replayed command id, a mis-bound instance and a forged signature with 401", async () => {
    h = await startHarness();
    const first = await h.fleet.send({ ...state("sales", 1), id: "fixed-id-0123456789abcdef" });
    expect(first.status).toBe(200);
    const replay = await h.fleet.send({ ...state("sales", 1), id: "fixed-id-0123456789abcdef" });
    expect(replay).toMatchObject({ status: 401, body: { error: "unauthorized", message: "signature replayed" } });
    // Signed for "sales" but aimed at the path of "support".
    const misbound = await h.fleet.send({ method: "DELETE", path: "/v1/instances/support", instance: "sales", epoch: 1, body: "" });
    expect(misbound).toMatchObject({ status: 401, body: { message: "signature misbound" } });
    const forged = await h.fleet.send(state("sales", 1), (f) => ({ ...f, method: "DELETE" }));
    expect(forged).toMatchObject({ status: 401, body: { message: "signature mismatch" } });
    // Refused commands started nothing.
    expect(h.connector.registry.names()).toEqual([]);
  });

  it("fences by epoch: a newer epoch takes the instance, an older one is refused with 409", async () => {
    h = await startHarness();
    expect((await h.fleet.send(state("sales", 3))).status).toBe(200);
    expect(h.connector.fleet.epochOf("sales")).toBe(3);
    const stale = await h.fleet.send(state("sales", 2));
    expect(stale).toMatchObject({ status: 409, body: { error: "stale_epoch" } });
    expect((await h.fleet.send(state("sales", 4))).status).toBe(200);
    expect(h.connector.fleet.epochOf("sales")).toBe(4);
  });

  it("applies the settings a connect or an assignment list carries before the socket starts", async () => {
    const dir = tempDir();
    const store = new SqliteAuthStore(`${dir.path}/auth.sqlite`);
    const creds = { ...initAuthCreds(), me: { id: ME_JID, name: "Support" }, account: proto.ADVSignedDeviceIdentity.fromObject({ details: Buffer.from([1]) }) };
    store.saveCreds("support", creds);
    store.close();
    h = await startHarness({ dir: dir.path });
    const settings = { ...DEFAULT_INSTANCE_SETTINGS, alwaysOnline: true, rejectCall: true };
    const connect = h.fleet.send({ method: "POST", path: "/v1/instances/sales/connect", instance: "sales", epoch: 1, body: JSON.stringify({ settings }) });
    await waitFor(() => h!.sockets.sockets.length === 1, 2_000, "a socket");
    expect(h.sockets.sockets[0]!.config.markOnlineOnConnect).toBe(true);
    openSocket(h.sockets.sockets[0]!);
    expect((await connect).status).toBe(200);
    const owned = [{ instance: "support", epoch: 2, settings: { ...DEFAULT_INSTANCE_SETTINGS, groupsIgnore: true, alwaysOnline: true } }];
    await h.fleet.send({ method: "POST", path: FLEET_PATHS.assignments, instance: "", epoch: 0, body: JSON.stringify({ owned, leaseMs: 30_000 }) });
    await waitFor(() => h!.sockets.sockets.length === 2, 2_000, "the assigned instance's socket");
    expect(h.sockets.sockets[1]!.config.markOnlineOnConnect).toBe(true);
    expect(h.connector.registry.get("support")?.settings).toMatchObject({ groupsIgnore: true, alwaysOnline: true });
    dir.cleanup();
  });

  it("an assignment list without an instance releases it: socket ended, no logout, credentials kept", async () => {
    h = await startHarness();
    expect((await connectSales(h)).status).toBe(200);
    const released = await h.fleet.send({ method: "POST", path: FLEET_PATHS.assignments, instance: "", epoch: 0, body: JSON.stringify({ owned: [], leaseMs: 30_000 }) });
    expect(released).toEqual({ status: 200, body: { owned: [] }, check: "ok" });
    const sock = h.sockets.sockets[0]!;
    expect(sock.ended).toEqual([undefined]);
    expect(sock.loggedOut).toBe(0);
    expect(h.connector.registry.get("sales")).toBeUndefined();
  });

  it("a short drop (a deploy) reconnects with backoff and keeps every socket", async () => {
    h = await startHarness({ deps: { linkTiming: { reconnectBaseMs: 20, reconnectMaxMs: 50, lostAfterMs: 2_000 } } });
    await connectSales(h);
    h.fleet.state.owned = [{ instance: "sales", epoch: 1 }];
    h.fleet.dropAll();
    await waitFor(() => h!.fleet.state.connections === 2 && h!.connector.link.connected, 2_000, "reconnected");
    expect(h.sockets.sockets[0]!.ended).toEqual([]);
    expect(h.connector.registry.get("sales")?.isOpen()).toBe(true);
  });

  it("lost for longer than lostAfterMs: every WhatsApp socket is stopped (no logout) before the lease could move it", async () => {
    h = await startHarness({ deps: { linkTiming: { reconnectBaseMs: 20, reconnectMaxMs: 50, lostAfterMs: 300 } } });
    await connectSales(h);
    // The worker stays unreachable: the stub refuses every new upgrade from now on.
    h.worker.server.removeAllListeners("upgrade");
    h.worker.server.on("upgrade", (_req, socket) => socket.end("HTTP/1.1 503 Service Unavailable\r\n\r\n"));
    h.fleet.dropAll();
    await waitFor(() => h!.sockets.sockets[0]!.ended.length === 1, 3_000, "the socket stopped");
    expect(h.sockets.sockets[0]!.loggedOut).toBe(0);
    expect(h.connector.link.lost).toBe(true);
    expect(h.connector.registry.names()).toEqual([]);
    expect(h.connector.fleet.owned()).toEqual([]);
  });
});
