// Queue consumers: the delivery queue (one attempt per message, processed per batch, then ack or
// retry with the policy's delay) and its dead-letter queue (marks the deliveries failed). Fetch injected.
import { loadConfig, type DeliveryJob, type Env } from "../env.ts";
import { log } from "../log.ts";
import { failPendingDeliveries } from "../storage/pipeline-deliveries.ts";
import { processDeliveryBatch, type ConsumerDeps } from "./batch.ts";
import { batchLeaseMs, errorRetrySeconds, type MessageAction } from "./settle.ts";

export type { ConsumerDeps } from "./batch.ts";
export type { MessageAction } from "./settle.ts";

export const defaultConsumerDeps = (): ConsumerDeps => ({
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  random: () => Math.random(),
});

/**
 * One queue batch: the batch's distinct delivery ids are processed together (processDeliveryBatch),
 * then each message is acked or retried. A second message for the same delivery in the batch is
 * acked (the first one carries it); a message without a delivery id is acked and logged.
 */
export async function consumeDeliveryBatch(batch: MessageBatch<DeliveryJob>, env: Env, deps: ConsumerDeps): Promise<void> {
  const config = loadConfig(env);
  const ids = [...new Set(batch.messages.map((m) => m.body?.deliveryId).filter((id): id is string => typeof id === "string"))];
  const leaseMs = batchLeaseMs(ids.length, config);
  let actions: Map<string, MessageAction>;
  try {
    actions = ids.length ? await processDeliveryBatch(env, config, deps, ids, leaseMs) : new Map();
  } catch (error) {
    log.error("delivery_batch_failed", { messages: batch.messages.length, error: error instanceof Error ? error.message : String(error) });
    batch.retryAll({ delaySeconds: errorRetrySeconds(leaseMs) });
    return;
  }
  for (const message of batch.messages) {
    const id = message.body?.deliveryId;
    const action = typeof id === "string" ? actions.get(id) : undefined;
    if (typeof id === "string") actions.delete(id);
    if (action?.action === "retry") message.retry({ delaySeconds: action.delaySeconds });
    else message.ack();
    if (typeof id !== "string") log.warn("delivery_message_malformed", { messageId: message.id });
  }
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
