// Turns mapped webhook events into the rows to store: one webhook_events row per event with at
// least one target, one deliveries row per target. No I/O, no clock (the caller passes `now`).
import type { GlobalWebhookConfig } from "../env.ts";
import type { MappedEvent } from "../events/types.ts";
import type { InstanceRow, WebhookRow } from "../storage/schema.ts";
import type { NewDelivery } from "../storage/deliveries.ts";
import type { NewWebhookEvent } from "../storage/webhook-events.ts";
import { newDeliveryId, newWebhookEventId, sourcedWebhookEventId } from "./ids.ts";
import { withoutBase64 } from "./request.ts";
import { messageRef } from "./message-ref.ts";
import { routeToTargets } from "./route.ts";
import { MAX_STORED_DATA_BYTES } from "../../protocol/envelope.ts";

/** D1 rows are capped at 2 MB; event data above the cap is stored without `message.base64`. */
export { MAX_STORED_DATA_BYTES };

export interface EventOrigin {
  instanceName: string;
  /** Undefined when the connector reported an instance the worker does not know. */
  instance: InstanceRow | undefined;
  /** The instance's webhooks (none for an unknown instance). */
  webhooks: WebhookRow[];
  /** The connector event id and time, for connector events (their webhook event ids derive from them). */
  sourceEventId?: string;
  sourceAt?: number;
}

export interface PlannedRows {
  events: NewWebhookEvent[];
  deliveries: NewDelivery[];
  /** Events dropped because their data does not fit in a D1 row even without media. */
  oversized: number;
}

const byteLength = (text: string): number => (text.length * 3 < MAX_STORED_DATA_BYTES ? text.length : new TextEncoder().encode(text).length);

/** The stored JSON of `data`: inline media is dropped when the row would be too large. */
export function storableData(data: unknown): string | undefined {
  const json = JSON.stringify(data ?? null);
  if (byteLength(json) <= MAX_STORED_DATA_BYTES) return json;
  const slim = JSON.stringify(withoutBase64(data) ?? null);
  return byteLength(slim) <= MAX_STORED_DATA_BYTES ? slim : undefined;
}

export function planRows(mapped: MappedEvent[], origin: EventOrigin, global: GlobalWebhookConfig, now: number): PlannedRows {
  const planned: PlannedRows = { events: [], deliveries: [], oversized: 0 };
  for (const [index, item] of mapped.entries()) {
    const ref = messageRef(item.event, item.data);
    const targets = routeToTargets(item.event, origin.webhooks, global, ref);
    if (!targets.length) continue;
    const data = storableData(item.data);
    if (data === undefined) {
      planned.oversized++;
      continue;
    }
    const { sourceEventId, sourceAt } = origin;
    const eventId = sourceEventId !== undefined && sourceAt !== undefined ? sourcedWebhookEventId(sourceAt, sourceEventId, index) : newWebhookEventId(now);
    const instanceId = origin.instance?.id ?? null;
    planned.events.push({
      id: eventId, sourceEventId: origin.sourceEventId ?? null, instanceId, instanceName: origin.instanceName,
      event: item.event, data, dateTime: item.dateTime, sender: item.sender ?? null,
      chatJid: ref?.remoteJid ?? null, messageId: ref?.messageId ?? null, createdAt: now,
    });
    for (const { target, webhookId, orderKey } of targets) {
      planned.deliveries.push({
        id: newDeliveryId(now), eventId, instanceId, instanceName: origin.instanceName, target, webhookId, orderKey, event: item.event,
        status: "pending", attempts: 0, nextAttemptAt: now, createdAt: now, updatedAt: now,
      });
    }
  }
  return planned;
}
