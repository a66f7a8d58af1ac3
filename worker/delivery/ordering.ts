// Order per chat (docs/delivery.md#order-per-chat): when a delivery of an ordered webhook
// finishes (succeeded, finally failed, or unsendable), the next pending one of its chat is
// enqueued; the claim held it back until now. The sweep is the backstop if this send is lost.
import type { Env } from "../env.ts";
import { log } from "../log.ts";
import { nextInChains, type ChatChain } from "../storage/delivery-order.ts";
import type { DeliveryContext } from "../storage/deliveries.ts";
import type { BatchSettlement } from "./store.ts";
import { enqueueDeliveries } from "./enqueue.ts";

/** The chains (instance, webhook, chat) in which a delivery of this settlement finished. Pure. */
export function finishedChains(settlement: BatchSettlement, contexts: ReadonlyMap<string, DeliveryContext>): ChatChain[] {
  const finished = [
    ...settlement.attempts.filter((a) => a.status !== "pending").map((a) => a.deliveryId),
    ...settlement.unsendable.map((u) => u.deliveryId),
  ];
  const chains = new Map<string, ChatChain>();
  for (const id of finished) {
    const d = contexts.get(id)?.delivery;
    if (!d?.orderKey || !d.instanceId || !d.webhookId) continue;
    chains.set(JSON.stringify([d.instanceId, d.webhookId, d.orderKey]), { instanceId: d.instanceId, webhookId: d.webhookId, orderKey: d.orderKey });
  }
  return [...chains.values()];
}

/** Enqueues the next delivery of each chain that just moved on. Never throws (the sweep catches up). */
export async function releaseNextInChats(env: Env, settlement: BatchSettlement, contexts: ReadonlyMap<string, DeliveryContext>): Promise<number> {
  const chains = finishedChains(settlement, contexts);
  if (!chains.length) return 0;
  try {
    return await enqueueDeliveries(env.DELIVERY_QUEUE, await nextInChains(env.DB, chains));
  } catch (error) {
    log.warn("ordered_release_failed", { chains: chains.length, error: error instanceof Error ? error.message : String(error) });
    return 0;
  }
}
