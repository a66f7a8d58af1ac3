// Ids for pipeline rows: a prefix, 12 hex digits of ms time, 16 random hex digits. Sorting by id
// sorts by creation time, which the delivery log's cursor relies on. No I/O.

function randomHex(bytes: number): string {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function timeSortableId(prefix: string, nowMs: number): string {
  return `${prefix}_${Math.max(0, Math.floor(nowMs)).toString(16).padStart(12, "0")}${randomHex(8)}`;
}

/** A delivery id; also the Standard Webhooks `webhook-id`, stable across retries. */
export const newDeliveryId = (nowMs: number): string => timeSortableId("msg", nowMs);
export const newWebhookEventId = (nowMs: number): string => timeSortableId("evt", nowMs);
