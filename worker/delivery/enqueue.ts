// Puts delivery ids on the delivery queue. A failed send is logged, not thrown: the rows are
// already in D1 and the cron sweep re-enqueues pending deliveries the queue never got.
import type { DeliveryJob } from "../env.ts";
import { log } from "../log.ts";
import { chunk } from "../storage/pipeline-writes.ts";

/** Queues take at most 100 messages per sendBatch. */
export const MAX_QUEUE_BATCH = 100;

/** Enqueues `ids` (optionally delayed); returns how many were enqueued. */
export async function enqueueDeliveries(queue: Queue<DeliveryJob>, ids: string[], delaySeconds?: number): Promise<number> {
  let sent = 0;
  for (const part of chunk(ids, MAX_QUEUE_BATCH)) {
    try {
      await queue.sendBatch(part.map((deliveryId) => ({ body: { deliveryId }, ...(delaySeconds ? { delaySeconds } : {}) })));
      sent += part.length;
    } catch (error) {
      log.warn("delivery_enqueue_failed", { count: part.length, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return sent;
}
