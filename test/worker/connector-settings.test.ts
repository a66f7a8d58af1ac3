// The settings the worker gives the owning connector: `mediaBase64` is computed from the instance's
// webhooks (true while one enabled webhook wants base64) and pushed after every webhook change, with
// every connect command and when an instance opens, and after delivery disables a webhook (410,
// auto-disable); a push never fails the webhook route.
import { afterEach, describe, expect, it, vi } from "vitest";
import { DEFAULT_INSTANCE_SETTINGS } from "../../protocol/commands.ts";
import { INGEST_PATH } from "../../protocol/envelope.ts";
import { connectorSignatureHeaders } from "../../protocol/signing.ts";
import { call, createTestInstance } from "./helpers/api.ts";
import { CONNECTOR_SECRET, placeOnStub, setStoredStatus, status, stubConnector, type ConnectorCall, type ConnectorStub } from "./helpers/connector-stub.ts";
import { deriveConnectorKey, FLEET_HEADERS } from "../../protocol/fleet.ts";
import { fleetRegistry } from "../../worker/fleet/registry.ts";
import { env } from "cloudflare:test";
import { runHousekeeping } from "../../worker/delivery/sweep.ts";
import { app, consume, deps, fakeReceiver, ingestOne, seedInstance, testEnv } from "./helpers/pipeline.ts";

afterEach(() => {
  vi.restoreAllMocks();
});

const HOOK = "https://hooks.example.com/media";
const echo = (c: ConnectorCall) => (c.path.endsWith("/settings") ? { body: { instance: "x", settings: c.body } } : { body: status("x", "connecting") });
const pushes = (stub: ConnectorStub) => stub.calls.filter((c) => c.path.endsWith("/settings")).map((c) => (c.body as { mediaBase64: boolean }).mediaBase64);

/** An instance a connector has reported (so pushes go out), with the stand-in connector installed. */
async function reportedInstance() {
  const created = await createTestInstance();
  await setStoredStatus(created.instanceName, "open");
  const stub = await stubConnector(echo);
  await placeOnStub(created.instanceName);
  return { ...created, stub };
}

describe("mediaBase64 pushed after webhook changes", () => {
  it("is true while one enabled webhook wants base64, false once it is disabled or deleted", async () => {
    const { instanceName, stub } = await reportedInstance();
    const plain = await call("POST", `/webhooks/${instanceName}`, { body: { url: HOOK } });
    const media = await call("POST", `/webhooks/${instanceName}`, { body: { url: HOOK, webhook_base64: true } });
    expect([plain.status, media.status]).toEqual([201, 201]);
    const disabled = await call("PUT", `/webhooks/${instanceName}/${media.json.id}`, { body: { url: HOOK, webhook_base64: true, enabled: false } });
    expect(disabled.status).toBe(200);
    await call("PUT", `/webhooks/${instanceName}/${media.json.id}`, { body: { url: HOOK, webhook_base64: true } });
    expect((await call("DELETE", `/webhooks/${instanceName}/${media.json.id}`)).status).toBe(200);
    expect(pushes(stub)).toEqual([false, true, false, true, false]);
    const last = stub.calls.at(-1)!;
    expect(last).toEqual({ method: "POST", path: `/v1/instances/${instanceName}/settings`, body: { ...DEFAULT_INSTANCE_SETTINGS, mediaBase64: false }, epoch: 1, signatureValid: true });
  });

  it("follows the default webhook of /webhook/set, with the instance's own settings kept", async () => {
    const { instanceName, stub } = await reportedInstance();
    expect((await call("POST", `/settings/set/${instanceName}`, { body: { rejectCall: true } })).status).toBe(201);
    await call("POST", `/webhook/set/${instanceName}`, { body: { webhook: { enabled: true, url: HOOK, base64: true } } });
    await call("POST", `/webhook/set/${instanceName}`, { body: { webhook: { enabled: false, url: HOOK, base64: true } } });
    expect(pushes(stub)).toEqual([false, true, false]);
    expect(stub.calls[1]!.body).toEqual({ ...DEFAULT_INSTANCE_SETTINGS, rejectCall: true, mediaBase64: true });
  });

  it("goes with /settings/set (never taken from its body), whose answer stays Evolution's settings", async () => {
    const { instanceName, stub } = await reportedInstance();
    await call("POST", `/webhooks/${instanceName}`, { body: { url: HOOK, webhook_base64: true } });
    // A caller cannot set it: the webhooks decide.
    const res = await call("POST", `/settings/set/${instanceName}`, { body: { groupsIgnore: true, mediaBase64: false } });
    expect(res.json).toEqual({ settings: { instanceName, settings: { ...DEFAULT_INSTANCE_SETTINGS, groupsIgnore: true } } });
    expect(stub.calls.at(-1)!.body).toEqual({ ...DEFAULT_INSTANCE_SETTINGS, groupsIgnore: true, mediaBase64: true });
  });

  it("never fails the webhook route when the connector is unreachable", async () => {
    const { instanceName } = await createTestInstance();
    await setStoredStatus(instanceName, "open");
    const stub = await stubConnector(() => "down");
    await placeOnStub(instanceName);
    const res = await call("POST", `/webhooks/${instanceName}`, { body: { url: HOOK, webhook_base64: true } });
    expect(res.status).toBe(201);
    expect(pushes(stub)).toEqual([true]);
    expect((await call("GET", `/webhooks/${instanceName}/${res.json.id}`)).json).toMatchObject({ webhook_base64: true });
  });

  it("pushes nothing for an instance no connector has reported (the connect command carries them)", async () => {
    const { instanceName } = await createTestInstance();
    const stub = await stubConnector(echo);
    await call("POST", `/webhooks/${instanceName}`, { body: { url: HOOK, webhook_base64: true } });
    expect(stub.calls).toEqual([]);
    await call("GET", `/instance/connect/${instanceName}`);
    expect(stub.calls).toEqual([
      { method: "POST", path: `/v1/instances/${instanceName}/connect`, body: { number: null, settings: { ...DEFAULT_INSTANCE_SETTINGS, mediaBase64: true } }, epoch: 1, signatureValid: true },
    ]);
  });
});

describe("mediaBase64 pushed when an instance opens", () => {
  it("pushes the settings after answering the ingest of a connection.update open", async () => {
    const { instanceName } = await createTestInstance({ webhook: HOOK, webhook_base64: true });
    const stub = await stubConnector(echo);
    await placeOnStub(instanceName);
    const owner = await fleetRegistry(env).owner(instanceName, Date.now());
    const afterAnswer: Promise<unknown>[] = [];
    const executionCtx = { waitUntil: (work: Promise<unknown>) => void afterAnswer.push(work), passThroughOnException: () => undefined, props: {} };
    const body = JSON.stringify({
      connector: stub.connectorId,
      events: [{ id: `open-${instanceName}`, instance: instanceName, type: "connection.update", at: Date.now(), payload: { connection: "open" }, epoch: owner!.epoch }],
    });
    const key = await deriveConnectorKey(CONNECTOR_SECRET, stub.connectorId);
    const headers = { [FLEET_HEADERS.connector]: stub.connectorId, ...(await connectorSignatureHeaders(key, body, Date.now())) };
    const res = await app.request(INGEST_PATH, { method: "POST", headers: { "content-type": "application/json", ...headers }, body }, testEnv(), executionCtx);
    expect(res.status).toBe(200);
    expect(afterAnswer).toHaveLength(1);
    await Promise.all(afterAnswer);
    expect(pushes(stub)).toEqual([true]);
  });
});

describe("mediaBase64 pushed after delivery disables a webhook", () => {
  /** A seeded instance whose only webhook wants base64, reported open by a connector. */
  async function openInstanceWithBase64Webhook() {
    const instance = await seedInstance({ base64: true });
    await env.DB.prepare("UPDATE instances SET status = 'open' WHERE id = ?").bind(instance.id).run();
    return instance;
  }

  it("turns it off when the only base64 webhook answers 410 Gone", async () => {
    const instance = await openInstanceWithBase64Webhook();
    const stub = await stubConnector(echo);
    await placeOnStub(instance.name);
    const { e, ids } = await ingestOne(instance.name);
    await consume(e, ids, deps(fakeReceiver(() => new Response("gone", { status: 410 })).fetch).consumerDeps);
    expect(pushes(stub)).toEqual([false]);
  });

  it("turns it off when the cron disables the only base64 webhook", async () => {
    const instance = await openInstanceWithBase64Webhook();
    const now = Date.now();
    await env.DB.prepare("UPDATE webhooks SET failing_since = ?, last_failure_at = ?, consecutive_failures = 9 WHERE instance_id = ?").bind(now - 3 * 3_600_000, now, instance.id).run();
    const stub = await stubConnector(echo);
    await placeOnStub(instance.name);
    await runHousekeeping(testEnv({ WEBHOOK_DISABLE_AFTER_HOURS: "1" }), now);
    expect(stub.calls.filter((c) => c.path === `/v1/instances/${instance.name}/settings`).map((c) => (c.body as { mediaBase64: boolean }).mediaBase64)).toEqual([false]);
  });
});
