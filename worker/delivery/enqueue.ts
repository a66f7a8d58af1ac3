// Puts delivery ids on the delivery queue, packed: one message carries up to IDS_PER_MESSAGE ids
// (one broker/Queues operation per chunk instead of per delivery). A failed send by a producer
// (ingest, emit, redeliver, sweep) is logged, not thrown: the rows are already in D1 and the cron
// sweep re-enqueues pending deliveries the queue never got. The consumer's follow-ups throw
// instead (`sendDeliveryGroups`): it must not ack its message unless they were sent.
import type { DeliveryJob } from "../env.ts";
import { log } from "../log.ts";
import { recordQueueSend } from "../usage.ts";
import { packBySize } from "../packing.ts";
import { MAX_QUEUE_DELAY_SECONDS } from "./policy.ts";

/** Delivery ids per queue message: ~33 bytes each in JSON, so ~3.4 KB, far below the 128 KB message limit. */
export const IDS_PER_MESSAGE = 100;
/** Queues take at most 100 messages per sendBatch… */
export const MAX_QUEUE_BATCH = 100;
/** …and at most 256 KB per sendBatch; keep well below it (100 full messages would be ~340 KB). */
export const MAX_SEND_BATCH_BYTES = 200_000;

/** Ids that go in one message, with the message's delay (seconds, 0 = now). */
export interface DeliveryGroup {
  ids: string[];
  delaySeconds: number;
}

/** The delivery ids a message carries: `{deliveryIds}`, or the old `{deliveryId}` shape still in flight during a deploy. */
export function idsOfJob(body: unknown): string[] {
  if (!body || typeof body !== "object") return [];
  const job = body as { deliveryIds?: unknown; deliveryId?: unknown };
  if (Array.isArray(job.deliveryIds)) return job.deliveryIds.filter((id): id is string => typeof id === "string");
  return typeof job.deliveryId === "string" ? [job.deliveryId] : [];
}

const queueDelay = (seconds: number) => Math.min(MAX_QUEUE_DELAY_SECONDS, Math.max(0, Math.ceil(seconds)));

function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}

/** Messages for these groups: each group split into chunks of IDS_PER_MESSAGE ids. */
function messagesOf(groups: DeliveryGroup[]): MessageSendRequest<DeliveryJob>[] {
  const messages: MessageSendRequest<DeliveryJob>[] = [];
  for (const group of groups) {
    const delaySeconds = queueDelay(group.delaySeconds);
    for (const part of chunk(group.ids, IDS_PER_MESSAGE)) {
      messages.push({ body: { deliveryIds: part }, ...(delaySeconds ? { delaySeconds } : {}) });
    }
  }
  return messages;
}

/** sendBatch calls: at most MAX_QUEUE_BATCH messages and about MAX_SEND_BATCH_BYTES each. */
function sendCalls(messages: MessageSendRequest<DeliveryJob>[]): MessageSendRequest<DeliveryJob>[][] {
  return packBySize(messages, MAX_QUEUE_BATCH, MAX_SEND_BATCH_BYTES, (message) => JSON.stringify(message.body).length + 64);
}

const idCount = (messages: MessageSendRequest<DeliveryJob>[]) => messages.reduce((n, m) => n + m.body.deliveryIds.length, 0);

/** Sends every group; throws on the first failed sendBatch (earlier calls stay sent: consumers re-claim idempotently). */
export async function sendDeliveryGroups(queue: Queue<DeliveryJob>, groups: DeliveryGroup[]): Promise<number> {
  let sent = 0;
  for (const call of sendCalls(messagesOf(groups))) {
    await queue.sendBatch(call);
    recordQueueSend(call.length);
    sent += idCount(call);
  }
  return sent;
}

/** Enqueues `ids` (optionally delayed); returns how many ids were enqueued. Never throws. */
export async function enqueueDeliveries(queue: Queue<DeliveryJob>, ids: string[], delaySeconds = 0): Promise<number> {
  let sent = 0;
  for (const call of sendCalls(messagesOf([{ ids, delaySeconds }]))) {
    try {
      await queue.sendBatch(call);
      recordQueueSend(call.length);
      sent += idCount(call);
    } catch (error) {
      log.warn("delivery_enqueue_failed", { count: idCount(call), messages: call.length, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return sent;
}
