// Order per chat (docs/delivery.md#order-per-chat) in SQL: a delivery of an ordered webhook
// (`order_key` set) is held while an earlier event of the same chat to the same webhook is still
// pending, and the next one of a chat is found when one finishes. db first; no HTTP here.
import { and, eq, isNotNull, sql, type SQL } from "drizzle-orm";
import { getDb } from "./db.ts";
import { deliveries } from "./schema.ts";

/**
 * True for a delivery nobody holds back: unordered, or no pending delivery of the same
 * (instance, webhook, chat) has an event with a smaller sequence. For the claim and the sweep.
 */
export function notHeldByEarlier(): SQL {
  return sql`(${deliveries.orderKey} is null or not exists (
    select 1 from deliveries as earlier join webhook_events as earlier_event on earlier_event.id = earlier.event_id
    where earlier.instance_id = ${deliveries.instanceId} and earlier.webhook_id = ${deliveries.webhookId}
      and earlier.order_key = ${deliveries.orderKey} and earlier.status = 'pending'
      and earlier_event.sequence < (select own.sequence from webhook_events as own where own.id = ${deliveries.eventId})))`;
}

export interface ChatChain {
  instanceId: string;
  webhookId: string;
  orderKey: string;
}

/** The pending delivery each chain may send now (its earliest), for chains where one just finished. */
export async function nextInChains(d1: D1Database, chains: ChatChain[]): Promise<string[]> {
  if (!chains.length) return [];
  const keys = JSON.stringify(chains.map((c) => [c.instanceId, c.webhookId, c.orderKey]));
  const rows = await getDb(d1)
    .select({ id: deliveries.id })
    .from(deliveries)
    .where(and(
      isNotNull(deliveries.orderKey),
      eq(deliveries.status, "pending"),
      sql`exists (select 1 from json_each(${keys}) as k where json_extract(k.value, '$[0]') = ${deliveries.instanceId}
        and json_extract(k.value, '$[1]') = ${deliveries.webhookId} and json_extract(k.value, '$[2]') = ${deliveries.orderKey})`,
      notHeldByEarlier(),
    ));
  return rows.map((r) => r.id);
}
