// Queue consumers: the delivery queue (one attempt per message, then ack or retry with the
// policy's delay) and its dead-letter queue (marks the deliveries failed). Outbound fetch injected.
import { loadConfig, type Config, type DeliveryJob, type Env } from "../env.ts";
import { log } from "../log.ts";
import { claimDelivery, failPendingDeliveries, loadDeliveryContext, recordAttempt, type DeliveryContext } from "../storage/pipeline-deliveries.ts";
import { disableWebhook } from "../storage/pipeline-webhooks.ts";
import { callWebhook, prepareRequest, type FetchFn } from "./deliver.ts";
import { MAX_QUEUE_DELAY_SECONDS, classifyAttempt, queueDelayUntil, type Outcome } from "./policy.ts";

export interface ConsumerDeps {
  fetch: FetchFn;
  now: () => number;
  random: () => number;
}

export const defaultConsumerDeps = (): ConsumerDeps => ({
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  random: () => Math.random(),
});

export type MessageAction = { action: "ack" } | { action: "retry"; delaySeconds: number };

/** A message may arrive this much before next_attempt_at and still be sent. */
const EARLY_TOLERANCE_MS = 1_000;
/** Lease beyond the request timeout, covering the D1 writes around the call. */
const LEASE_MARGIN_MS = 30_000;
/** Back-off for an unexpected error (D1 unavailable…): longer than any lease. */
const ERROR_RETRY_SECONDS = 60;

const ACK: MessageAction = { action: "ack" };

/** Stores the attempt and its effect; a 410 from an instance webhook also disables that webhook. */
async function settle(env: Env, ctx: DeliveryContext, outcome: Outcome, attempt: Parameters<typeof recordAttempt>[2], now: number): Promise<void> {
  const status = outcome.kind === "succeeded" ? "succeeded" : outcome.kind === "retry" ? "pending" : "failed";
  const nextAttemptAt = outcome.kind === "retry" ? now + outcome.delaySeconds * 1000 : now;
  await recordAttempt(env.DB, ctx.delivery.id, attempt, { status, nextAttemptAt, lastError: outcome.kind === "succeeded" ? null : outcome.reason, now });
  if (outcome.kind === "gone" && ctx.delivery.target === "instance" && ctx.delivery.instanceId) {
    await disableWebhook(env.DB, ctx.delivery.instanceId, now);
    log.warn("webhook_disabled_after_410", { instance: ctx.delivery.instanceName });
  }
}

/** prepare → call → classify → record, for one delivery id. */
export async function processDelivery(env: Env, config: Config, deps: ConsumerDeps, deliveryId: string): Promise<MessageAction> {
  const now = deps.now();
  const ctx = await loadDeliveryContext(env.DB, deliveryId);
  if (!ctx || ctx.delivery.status !== "pending") return ACK;
  if (ctx.delivery.nextAttemptAt > now + EARLY_TOLERANCE_MS) return { action: "retry", delaySeconds: queueDelayUntil(ctx.delivery.nextAttemptAt, now) };
  if (!(await claimDelivery(env.DB, deliveryId, now, config.requestTimeoutMs + LEASE_MARGIN_MS))) return ACK;
  const prepared = await prepareRequest(ctx, config, now);
  if (!prepared.ok) {
    await failPendingDeliveries(env.DB, [deliveryId], prepared.reason, now);
    return ACK;
  }
  const attempt = ctx.delivery.attempts + 1;
  const call = await callWebhook(deps.fetch, prepared.request, config.requestTimeoutMs, deps.now);
  const done = deps.now();
  const outcome = classifyAttempt(call.result, attempt, config.retry, done, deps.random());
  const statusCode = call.result.kind === "response" ? call.result.status : null;
  const error = outcome.kind === "succeeded" ? null : outcome.reason;
  await settle(env, ctx, outcome, {
    attempt, startedAt: now, url: prepared.request.url, statusCode, latencyMs: call.latencyMs,
    outcome: outcome.kind, error, responseBody: call.responseBody,
  }, done);
  log.info("delivery_attempt", { deliveryId, instance: ctx.delivery.instanceName, target: ctx.delivery.target, attempt, statusCode, outcome: outcome.kind });
  // A long Retry-After takes several queue hops; next_attempt_at holds the real due time.
  return outcome.kind === "retry" ? { action: "retry", delaySeconds: Math.min(outcome.delaySeconds, MAX_QUEUE_DELAY_SECONDS) } : ACK;
}

/** Runs `work` over `items` with at most `limit` in flight. */
async function eachWithLimit<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await work(item);
    }
  });
  await Promise.all(lanes);
}

export async function consumeDeliveryBatch(batch: MessageBatch<DeliveryJob>, env: Env, deps: ConsumerDeps): Promise<void> {
  const config = loadConfig(env);
  await eachWithLimit(batch.messages, config.maxConcurrency, async (message) => {
    try {
      const result = await processDelivery(env, config, deps, message.body.deliveryId);
      if (result.action === "retry") message.retry({ delaySeconds: result.delaySeconds });
      else message.ack();
    } catch (error) {
      log.error("delivery_processing_failed", { deliveryId: message.body?.deliveryId, error: error instanceof Error ? error.message : String(error) });
      message.retry({ delaySeconds: ERROR_RETRY_SECONDS });
    }
  });
}

/** Dead letters: the queue gave up on these messages; their deliveries become `failed` (kept, redeliverable). */
export async function consumeDeadLetterBatch(batch: MessageBatch<DeliveryJob>, env: Env, now: number): Promise<void> {
  const ids = batch.messages.map((m) => m.body?.deliveryId).filter((id): id is string => typeof id === "string");
  const failed = await failPendingDeliveries(env.DB, ids, "dead-lettered: the delivery queue gave up on this message", now);
  log.warn("deliveries_dead_lettered", { messages: batch.messages.length, failed });
  batch.ackAll();
}

/** Dispatch for the Worker's `queue` handler: `*-dlq` queues are dead-letter queues. */
export async function handleQueueBatch(batch: MessageBatch<DeliveryJob>, env: Env, deps: ConsumerDeps): Promise<void> {
  if (batch.queue.endsWith("-dlq")) await consumeDeadLetterBatch(batch, env, deps.now());
  else await consumeDeliveryBatch(batch, env, deps);
}
