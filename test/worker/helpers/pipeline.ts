// Helpers for the pipeline tests: seeded instances/webhooks, an env with a recording queue,
// signed ingest requests, a fake receiver (injected fetch) and a consumer run on a message batch.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import { eq } from "drizzle-orm";
import { vi } from "vitest";
import { createApp } from "../../../worker/app.ts";
import type { DeliveryJob, Env } from "../../../worker/env.ts";
import { consumeDeliveryBatch, type ConsumerDeps } from "../../../worker/delivery/consumer.ts";
import type { FetchFn } from "../../../worker/delivery/deliver.ts";
import { connectorSignatureHeaders, generateWebhookSecret } from "../../../protocol/signing.ts";
import { INGEST_PATH, type ConnectorEvent } from "../../../protocol/envelope.ts";
import { deriveConnectorKey, FLEET_HEADERS } from "../../../protocol/fleet.ts";
import { fleetRegistry, type Owner } from "../../../worker/fleet/registry.ts";
import { getDb } from "../../../worker/storage/db.ts";
import { instances, webhooks, deliveries, deliveryAttempts, type WebhookRow } from "../../../worker/storage/schema.ts";

export const CONNECTOR_SECRET = "test-connector-secret-0123456789";
export const GLOBAL_SECRET = "whsec_dGVzdC1nbG9iYWwtc2VjcmV0LTAxMjM0NTY3";
export const GLOBAL_KEY = "test-global-api-key";
export const app = createApp();

let seq = 0;
export const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++seq}`;

export interface SentMessage {
  deliveryIds: string[];
  delaySeconds: number | undefined;
}

export interface RecordingQueue extends Queue<DeliveryJob> {
  /** Every delivery id sent, in order (flattened over messages). */
  sent: string[];
  /** Every message sent, with its ids and delay. */
  messages: SentMessage[];
  failNext: boolean;
}

/** A queue producer that records delivery ids and messages (and can fail once, like a Queues outage). */
export function recordingQueue(): RecordingQueue {
  const queue = {
    sent: [] as string[],
    messages: [] as SentMessage[],
    failNext: false,
    async send(body: DeliveryJob, options?: QueueSendOptions) {
      await queue.sendBatch([{ body, ...options }]);
    },
    async sendBatch(messages: Iterable<MessageSendRequest<DeliveryJob>>) {
      if (queue.failNext) {
        queue.failNext = false;
        throw new Error("queue unavailable");
      }
      for (const m of messages) {
        queue.sent.push(...m.body.deliveryIds);
        queue.messages.push({ deliveryIds: [...m.body.deliveryIds], delaySeconds: m.delaySeconds });
      }
    },
  };
  return queue as unknown as RecordingQueue;
}

/** The test env plus var overrides and a recording queue; a fresh object, so config is parsed anew. */
export function testEnv(vars: Record<string, string> = {}): Env & { DELIVERY_QUEUE: RecordingQueue } {
  return { ...env, ...vars, DELIVERY_QUEUE: recordingQueue() } as Env & { DELIVERY_QUEUE: RecordingQueue };
}

export const GLOBAL_VARS = {
  WEBHOOK_GLOBAL_ENABLED: "true",
  WEBHOOK_GLOBAL_URL: "https://global.example/hook",
  WEBHOOK_EVENTS_MESSAGES_UPSERT: "true",
};

export interface SeededInstance {
  id: string;
  name: string;
  token: string;
  webhook: WebhookRow | undefined;
}

/** Inserts an instance (and a webhook unless `webhook: null`) straight into D1. */
export async function seedInstance(webhook: Partial<WebhookRow> | null = {}): Promise<SeededInstance> {
  const db = getDb(env.DB);
  const now = Date.now();
  const id = crypto.randomUUID();
  const name = unique("pipe");
  const token = `tok-${crypto.randomUUID()}`;
  await db.insert(instances).values({ id, name, token, status: "created", createdAt: now, updatedAt: now });
  if (webhook === null) return { id, name, token, webhook: undefined };
  const row: WebhookRow = {
    instanceId: id, id: "default", url: `https://receiver.example/${name}`, enabled: true, events: [], byEvents: false, base64: false,
    headers: {}, filters: {}, ordered: false, secret: generateWebhookSecret(), previousSecret: null, previousSecretExpiresAt: null,
    disabledAt: null, disabledReason: null, lastSuccessAt: null, failingSince: null, lastFailureAt: null, consecutiveFailures: 0, lastError: null,
    createdAt: now, updatedAt: now,
    ...webhook,
  };
  await db.insert(webhooks).values(row);
  return { id, name, token, webhook: row };
}

let eventSeq = 0;
/** A text `messages.upsert` connector event. */
export function upsertEvent(instance: string, text = "hello", overrides: Partial<ConnectorEvent> = {}): ConnectorEvent {
  eventSeq += 1;
  return {
    id: `ev-${Date.now().toString(36)}-${eventSeq}`,
    instance,
    type: "messages.upsert",
    at: 1_732_460_000_123,
    me: { id: "15551234567:12@s.whatsapp.net", name: "Sales" },
    payload: {
      type: "notify",
      messages: [{
        key: { remoteJid: "15557654321@s.whatsapp.net", fromMe: false, id: `3EB0${eventSeq.toString(16).padStart(16, "0").toUpperCase()}` },
        pushName: "Alice",
        message: { conversation: text },
        messageTimestamp: 1_732_460_000,
      }],
    },
    ...overrides,
  };
}

export interface IngestOptions {
  now?: number;
  secret?: string;
  raw?: string;
  /** Send the body as it is, signed as its `connector`: no placement, no epoch stamping (the ingest fence's own tests). */
  asIs?: boolean;
  /** The connector id in the header (default: the body's `connector`). */
  signAs?: string;
}

/**
 * Has the registry place the batch's instances (on `connector`, unless another one holds them
 * already) and stamps each event without an epoch with its owner's: the events then come from the
 * owner at its current epoch, as a real connector's do. Returns the envelope as the owner sends it.
 */
async function asOwner(testEnvironment: Env, body: { connector: string; events: ConnectorEvent[] }): Promise<{ connector: string; events: ConnectorEvent[] }> {
  const registry = fleetRegistry(testEnvironment);
  const now = Date.now();
  await registry.connectorUp(body.connector, "test", 100_000, now);
  const owners = new Map<string, Owner | undefined>();
  for (const event of body.events) if (!owners.has(event.instance)) owners.set(event.instance, await registry.place(event.instance, now));
  // Not live afterwards: later placements (stub connectors) do not land here.
  await registry.connectorDown(body.connector, now);
  const first = owners.get(body.events[0]?.instance ?? "");
  const connector = first?.connectorId ?? body.connector;
  return { connector, events: body.events.map((e) => ({ ...e, epoch: e.epoch ?? owners.get(e.instance)?.epoch })) };
}

function isEnvelopeLike(body: unknown): body is { connector: string; events: ConnectorEvent[] } {
  const b = body as { connector?: unknown; events?: unknown };
  return typeof b === "object" && b !== null && typeof b.connector === "string" && Array.isArray(b.events) && b.events.every((e) => typeof e?.instance === "string");
}

/** POSTs a batch to the ingest route of `app` with `testEnvironment`, signed with its connector's key. */
export async function ingest(testEnvironment: Env, body: unknown, options: IngestOptions = {}) {
  const sent = !options.raw && !options.asIs && isEnvelopeLike(body) && body.events.length > 0 ? await asOwner(testEnvironment, body) : body;
  const raw = options.raw ?? JSON.stringify(sent);
  const connector = options.signAs ?? (isEnvelopeLike(sent) ? sent.connector : "c1");
  const key = await deriveConnectorKey(options.secret ?? CONNECTOR_SECRET, connector);
  const headers = { [FLEET_HEADERS.connector]: connector, ...(await connectorSignatureHeaders(key, raw, options.now ?? Date.now())) };
  return app.request(INGEST_PATH, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: raw }, testEnvironment);
}

export interface ReceivedRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** A fake receiver: records every request and answers with `respond(request, nth)`. */
export function fakeReceiver(respond: (req: ReceivedRequest, nth: number) => Response | Promise<Response>) {
  const received: ReceivedRequest[] = [];
  const fetchFn: FetchFn = async (url, init) => {
    const headers = Object.fromEntries(new Headers(init.headers).entries());
    const req = { url, headers, body: String(init.body) };
    received.push(req);
    return respond(req, received.filter((r) => r.url === url).length);
  };
  return { received, fetch: fetchFn };
}

/** A controllable clock plus the receiver's fetch, as consumer deps. */
export function deps(fetchFn: FetchFn, start = Date.now()) {
  const clock = { now: start };
  const consumerDeps: ConsumerDeps = { fetch: fetchFn, now: () => clock.now, random: () => 0.5 };
  return { clock, consumerDeps };
}

/** The queue's ack/retry verdicts on the original messages, plus the follow-up messages the consumer sent. */
export interface ConsumeResult {
  ackAll: boolean;
  explicitAcks: string[];
  retryMessages: { msgId: string; delaySeconds: number | undefined }[];
  followUps: SentMessage[];
}

/** Runs the delivery consumer over these ids, one message per id (`m-<i>-<id>`). */
export async function consume(testEnvironment: Env & { DELIVERY_QUEUE: RecordingQueue }, ids: string[], consumerDeps: ConsumerDeps): Promise<ConsumeResult> {
  return consumeMessages(testEnvironment, ids.map((deliveryId, i) => ({ id: `m-${i}-${deliveryId}`, body: { deliveryIds: [deliveryId] } })), consumerDeps);
}

/** Runs the delivery consumer over these messages (any body shape, old ones included). */
export async function consumeMessages(
  testEnvironment: Env & { DELIVERY_QUEUE: RecordingQueue }, messages: { id: string; body: unknown }[], consumerDeps: ConsumerDeps,
): Promise<ConsumeResult> {
  const sentBefore = testEnvironment.DELIVERY_QUEUE.messages.length;
  const batch = createMessageBatch<DeliveryJob>(
    "l2msg-deliveries",
    messages.map((m) => ({ id: m.id, timestamp: new Date(), attempts: 1, body: m.body as DeliveryJob })),
  );
  // The test batch records that retry() was called but not its delay: capture it on the way through.
  const delays = new Map<string, number | undefined>();
  for (const message of batch.messages) {
    const retry = message.retry.bind(message);
    vi.spyOn(message, "retry").mockImplementation((options) => {
      delays.set(message.id, options?.delaySeconds);
      retry(options);
    });
  }
  const ctx = createExecutionContext();
  await consumeDeliveryBatch(batch, testEnvironment, consumerDeps);
  const result = await getQueueResult(batch, ctx);
  return {
    ackAll: result.ackAll,
    explicitAcks: result.explicitAcks,
    retryMessages: result.retryMessages.map((m: { msgId: string }) => ({ msgId: m.msgId, delaySeconds: delays.get(m.msgId) })),
    followUps: testEnvironment.DELIVERY_QUEUE.messages.slice(sentBefore),
  };
}

export async function deliveryRow(id: string) {
  return getDb(env.DB).select().from(deliveries).where(eq(deliveries.id, id)).get();
}

export async function attemptRows(id: string) {
  return getDb(env.DB).select().from(deliveryAttempts).where(eq(deliveryAttempts.deliveryId, id)).orderBy(deliveryAttempts.id);
}

export async function deliveriesOf(instanceName: string) {
  return getDb(env.DB).select().from(deliveries).where(eq(deliveries.instanceName, instanceName)).orderBy(deliveries.id);
}

/** Ingests one text message for the instance and returns the env and the pending delivery ids. */
export async function ingestOne(instanceName: string, vars: Record<string, string> = {}, text = "hello") {
  const e = testEnv(vars);
  const event = upsertEvent(instanceName, text);
  const res = await ingest(e, { connector: "c1", events: [event] });
  if (res.status !== 200) throw new Error(`ingest failed: ${res.status} ${await res.text()}`);
  return { e, event, ids: [...e.DELIVERY_QUEUE.sent] };
}
