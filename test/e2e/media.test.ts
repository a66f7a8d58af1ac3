// Inbound media through everything real (fake WhatsApp + its media host ← Baileys in the connector →
// worker → webhook receiver): the connector downloads only while a webhook of the instance wants
// base64 (the worker tells it), the bytes arrive as `message.base64`, and a send through the API
// answers in under a second while a slow download is in flight.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_MEDIA_BASE64_SOURCE_BYTES } from "../../protocol/envelope.ts";
import { startFakeMediaHost, type FakeMediaHost } from "../fake-wa/index.ts";
import { pairFreshInstance, webhookOf, type PairedInstance } from "./helpers/flows.ts";
import { eventually, startStack, type Stack } from "./helpers/stack.ts";

const CAROL = "15552223333";
/** Under the connector's cap (the worker stores the event with its base64), throttled to take ~4 s. */
const SLOW_BYTES = 700_000;
const SLOW_RATE = SLOW_BYTES / 4;

describe("e2e: inbound media only when a webhook wants base64", () => {
  let stack: Stack;
  let media: FakeMediaHost;
  let untrust: () => void;

  beforeAll(async () => {
    media = await startFakeMediaHost();
    untrust = media.trust();
    stack = await startStack("e2e-media");
  }, 150_000);

  afterAll(async () => {
    await stack?.stop();
    untrust?.();
    await media?.close();
  }, 60_000);

  /** A contact sends an image hosted on the media host; resolves with its messages.upsert webhook. */
  async function receiveImage(instance: PairedInstance, bytes: Buffer, options: { bytesPerSecond?: number } = {}) {
    const imageMessage = await media.image(bytes, options);
    const { id } = await instance.phone.sendMessage({ from: CAROL, message: { imageMessage } });
    return { id, path: imageMessage.directPath!, webhook: () => webhookOf(stack, instance.name, "messages.upsert", (d) => d.key?.id === id, 20_000) };
  }

  it("downloads nothing while no webhook of the instance wants base64", async () => {
    const instance = await pairFreshInstance(stack, "no-base64");
    const image = await receiveImage(instance, randomBytes(50_000));
    const upsert = await image.webhook();
    expect(upsert.body.data.message).toMatchObject({ imageMessage: expect.objectContaining({ fileLength: 50_000 }) });
    expect(upsert.body.data.message).not.toHaveProperty("base64");
    expect(media.requests.filter((r) => r.path === image.path)).toEqual([]);
  }, 60_000);

  it("with a base64 webhook: a send answers in < 1 s during a slow download, then the bytes arrive as message.base64", async () => {
    const instance = await pairFreshInstance(stack, "base64");
    const set = await stack.api("POST", `/webhook/set/${instance.name}`, { webhook: { enabled: true, url: stack.inbox.url, base64: true } });
    expect(set.status, JSON.stringify(set.json)).toBe(201);
    expect(stack.connector.registry.get(instance.name)?.settings.mediaBase64).toBe(true);

    const bytes = randomBytes(SLOW_BYTES);
    const image = await receiveImage(instance, bytes, { bytesPerSecond: SLOW_RATE });
    const download = await eventually(async () => media.requests.find((r) => r.path === image.path), "the download to start");
    const started = Date.now();
    const sent = await stack.api("POST", `/message/sendText/${instance.name}`, { number: CAROL, text: "answered during the download" });
    const answeredAfterMs = Date.now() - started;
    expect(sent.status, JSON.stringify(sent.json)).toBe(201);
    expect(answeredAfterMs).toBeLessThan(1_000);
    expect(download.finishedAt).toBeUndefined();

    const upsert = await image.webhook();
    expect(download.finishedAt).toBeDefined();
    expect((upsert.body.data.message as { base64?: string }).base64).toBe(bytes.toString("base64"));
  }, 90_000);

  it("never downloads media over the cap (10 MB), and stops downloading once the base64 webhook is disabled", async () => {
    const instance = await pairFreshInstance(stack, "cap");
    await stack.api("POST", `/webhook/set/${instance.name}`, { webhook: { enabled: true, url: stack.inbox.url, base64: true } });
    const big = await receiveImage(instance, randomBytes(10 * 1024 * 1024));
    expect(10 * 1024 * 1024).toBeGreaterThan(MAX_MEDIA_BASE64_SOURCE_BYTES);
    expect((await big.webhook()).body.data.message).not.toHaveProperty("base64");

    const off = await stack.api("POST", `/webhook/set/${instance.name}`, { webhook: { enabled: true, url: stack.inbox.url, base64: false } });
    expect(off.status).toBe(201);
    expect(stack.connector.registry.get(instance.name)?.settings.mediaBase64).toBe(false);
    const small = await receiveImage(instance, randomBytes(50_000));
    expect((await small.webhook()).body.data.message).not.toHaveProperty("base64");
    expect(media.requests.filter((r) => r.path === big.path || r.path === small.path)).toEqual([]);
  }, 60_000);
});
