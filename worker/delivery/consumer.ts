// Queue consumers: the delivery queue (each message carries up to IDS_PER_MESSAGE delivery ids;
// all ids of a batch are processed together, deliveries to try again go out as NEW follow-up
// messages, then the original messages are acked) and its dead-letter queue (marks the
// deliveries failed). Fetch injected.
import { loadConfig, type DeliveryJob, type Env } from "../env.ts";
import { log } from "../log.ts";
import { failPendingDeliveries } from "../storage/deliveries.ts";
import { processDeliveryBatch, type ConsumerDeps } from "./batch.ts";
import { IDS_PER_MESSAGE, idsOfJob, sendDeliveryGroups } from "./enqueue.ts";
import { batchLeaseMs, errorRetrySeconds, followUpGroups, maxIdsPerInvocation, type MessageAction } from "./settle.ts";

export type { ConsumerDeps } from "./batch.ts";
export type { MessageAction } from "./settle.ts";

export const defaultConsumerDeps = (): ConsumerDeps => ({
  fetch: (input, init) => fetch(input, init),
  now: () => Date.now(),
  random: () => Math.random(),
});

/** The distinct delivery ids of a batch, in message order. */
function batchIds(batch: MessageBatch<DeliveryJob>): string[] {
  const ids = new Set<string>();
  for (const message of batch.messages) {
    const own = idsOfJob(message.body);
    if (!own.length) log.warn("delivery_message_malformed", { messageId: message.id });
    for (const id of own) ids.add(id);
  }
  return [...ids];
}

/**
 * One queue batch: its distinct delivery ids (at most `maxIdsPerInvocation`; the rest are
 * handed on unprocessed) are claimed, sent and recorded together (processDeliveryBatch). The
 * deliveries to try again, and the ids handed on, are sent as new messages (grouped by delay);
 * only then is every original message acked. If processing or that send fails, every original
 * message is retried after the lease: re-claiming skips succeeded and still-leased rows.
 */
export async function consumeDeliveryBatch(batch: MessageBatch<DeliveryJob>, env: Env, deps: ConsumerDeps): Promise<void> {
  const config = loadConfig(env);
  const all = batchIds(batch);
  const cap = maxIdsPerInvocation(config, IDS_PER_MESSAGE);
  const ids = all.slice(0, cap);
  const handedOn = all.slice(cap);
  const leaseMs = batchLeaseMs(ids.length, config);
  try {
    const actions: Map<string, MessageAction> = ids.length ? await processDeliveryBatch(env, config, deps, ids, leaseMs) : new Map();
    const groups = followUpGroups(actions, IDS_PER_MESSAGE);
    if (handedOn.length) groups.unshift({ ids: handedOn, delaySeconds: 0 });
    if (groups.length) await sendDeliveryGroups(env.DELIVERY_QUEUE, groups);
    if (handedOn.length || groups.length) {
      log.info("delivery_follow_ups", { messages: batch.messages.length, handedOn: handedOn.length, retried: groups.reduce((n, g) => n + g.ids.length, 0) - handedOn.length });
    }
  } catch (error) {
    log.error("delivery_batch_failed", { messages: batch.messages.length, ids: all.length, error: error instanceof Error ? error.message : String(error) });
    const delaySeconds = errorRetrySeconds(leaseMs);
    for (const message of batch.messages) message.retry({ delaySeconds });
    return;
  }
  for (const message of batch.messages) message.ack();
}

/** Dead letters: the queue gave up on these messages; every delivery they carry becomes `failed` (kept, redeliverable). */
export async function consumeDeadLetterBatch(batch: MessageBatch<DeliveryJob>, env: Env, now: number): Promise<void> {
  const ids = batch.messages.flatMap((m) => idsOfJob(m.body));
  const failed = await failPendingDeliveries(env.DB, ids, "dead-lettered: the delivery queue gave up on this message", now);
  log.warn("deliveries_dead_lettered", { messages: batch.messages.length, ids: ids.length, failed });
  batch.ackAll();
}

/** Dispatch for the Worker's `queue` handler: `*-dlq` queues are dead-letter queues. */
export async function handleQueueBatch(batch: MessageBatch<DeliveryJob>, env: Env, deps: ConsumerDeps): Promise<void> {
  if (batch.queue.endsWith("-dlq")) await consumeDeadLetterBatch(batch, env, deps.now());
  else await consumeDeliveryBatch(batch, env, deps);
}
