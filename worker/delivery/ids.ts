// Ids for pipeline rows: a prefix, 12 hex digits of ms time, 16 random hex digits. Sorting by id
// sorts by creation time, which the delivery log's cursor relies on. No I/O.

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

const timePart = (ms: number) => Math.max(0, Math.floor(ms)).toString(16).padStart(12, "0");

function timeSortableId(prefix: string, nowMs: number): string {
  return `${prefix}_${timePart(nowMs)}${randomHex(8)}`;
}

/**
 * Every id with this prefix created before `ms` sorts below this one: a range on the primary key
 * stands in for a range on creation time (pruning, docs/delivery.md#retention).
 */
export const idFloorAt = (prefix: "msg" | "evt", ms: number): string => `${prefix}_${timePart(ms)}`;

/** A delivery id; also the Standard Webhooks `webhook-id`, stable across retries. */
export const newDeliveryId = (nowMs: number): string => timeSortableId("msg", nowMs);
export const newWebhookEventId = (nowMs: number): string => timeSortableId("evt", nowMs);
