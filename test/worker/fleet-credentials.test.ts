// Credential write-through on the worker side (worker/routes/credentials.ts): only the owner at its
// current epoch may write or read; older writes, other connectors and bad signatures are refused;
// deleting the instance deletes the ciphertext.
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fleetRegistry } from "../../worker/fleet/registry.ts";
import { credentialsHeaders, credentialsPath } from "../../protocol/credentials.ts";
import { deriveConnectorKey } from "../../protocol/fleet.ts";
import { FLEET_SECRET } from "./helpers/fleet-client.ts";

let counter = 0;
const unique = (p: string) => `${p}-${Date.now().toString(36)}-${++counter}`;

async function request(method: "GET" | "PUT" | "DELETE", connectorId: string, instance: string, epoch: number, body = "", options: { secret?: string; nowMs?: number } = {}) {
  const key = await deriveConnectorKey(options.secret ?? FLEET_SECRET, connectorId);
  const headers = await credentialsHeaders(key, connectorId, method, instance, epoch, body, options.nowMs ?? Date.now());
  const res = await SELF.fetch(`http://l2msg.test${credentialsPath(instance)}`, { method, headers, body: body || undefined });
  return { status: res.status, text: await res.text() };
}

/** An instance owned by a fresh connector (no socket needed: the registry is told directly). */
async function owned() {
  const connectorId = unique("cred-c");
  const instance = unique("cred-i");
  await fleetRegistry(env).connectorUp(connectorId, "test", 100_000, Date.now());
  const owner = await fleetRegistry(env).place(instance, Date.now());
  if (owner?.connectorId !== connectorId) throw new Error("placement went elsewhere");
  return { connectorId, instance, epoch: owner.epoch };
}

describe("credentials write-through", () => {
  it("the owner writes ciphertext and reads it back; nothing stored reads as 204", async () => {
    const { connectorId, instance, epoch } = await owned();
    expect((await request("GET", connectorId, instance, epoch)).status).toBe(204);
    expect((await request("PUT", connectorId, instance, epoch, "Y2lwaGVydGV4dA==")).status).toBe(204);
    expect(await request("GET", connectorId, instance, epoch)).toEqual({ status: 200, text: "Y2lwaGVydGV4dA==" });
    expect((await request("DELETE", connectorId, instance, epoch)).status).toBe(204);
    expect((await request("GET", connectorId, instance, epoch)).status).toBe(204);
  });

  it("refuses another connector and a stale epoch with 409, bad signatures with 401", async () => {
    const { connectorId, instance, epoch } = await owned();
    const other = await request("PUT", "someone-else", instance, epoch, "eHh4");
    expect(other.status).toBe(409);
    expect(JSON.parse(other.text).response.message).toBe("Credentials refused: not_owner");
    const stale = await request("PUT", connectorId, instance, epoch - 1, "eHh4");
    expect(JSON.parse(stale.text).response.message).toBe("Credentials refused: stale_epoch");
    expect((await request("GET", connectorId, instance, epoch + 1)).status).toBe(409);
    expect((await request("PUT", connectorId, instance, epoch, "eHh4", { secret: "another-secret-0123456789abcdef" })).status).toBe(401);
    expect((await request("PUT", connectorId, instance, epoch, "eHh4", { nowMs: Date.now() - 301_000 })).status).toBe(401);
    const res = await SELF.fetch(`http://l2msg.test${credentialsPath(instance)}`, { method: "PUT", body: "eHh4" });
    expect(res.status).toBe(401);
  });

  it("refuses a write older than the stored one (a replayed PUT cannot roll credentials back)", async () => {
    const { connectorId, instance, epoch } = await owned();
    expect((await request("PUT", connectorId, instance, epoch, "bmV3", { nowMs: Date.now() })).status).toBe(204);
    const older = await request("PUT", connectorId, instance, epoch, "b2xk", { nowMs: Date.now() - 60_000 });
    expect(older.status).toBe(409);
    expect((await request("GET", connectorId, instance, epoch)).text).toBe("bmV3");
  });

  it("after a hand-over the old owner can neither write nor read; deleting the instance drops the ciphertext", async () => {
    const { connectorId, instance, epoch } = await owned();
    expect((await request("PUT", connectorId, instance, epoch, "c2VjcmV0")).status).toBe(204);
    await fleetRegistry(env).forget(instance);
    expect((await request("GET", connectorId, instance, epoch)).status).toBe(409);
    const next = await fleetRegistry(env).place(instance, Date.now());
    expect(next?.epoch).toBe(epoch + 1);
    expect((await request("GET", next!.connectorId, instance, next!.epoch)).status).toBe(204);
  });
});
