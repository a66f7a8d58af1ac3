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

/** 64 bits of FNV-1a (two 32-bit passes with different bases) as 16 hex digits; sync, no I/O. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x01000193 ^ 0x5bd1e995;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193) >>> 0;
    b = Math.imul(b ^ c, 0x01000193 + 0x1000) >>> 0;
  }
  return a.toString(16).padStart(8, "0") + b.toString(16).padStart(8, "0");
}

/**
 * The id prefix every webhook event of one connector event shares: its time (the connector's
 * `at`) and a hash of the connector event id. The same on every resend, so the event rows
 * themselves are ingest's dedup record (docs/delivery.md#ingest): no separate row per event.
 */
export const sourcedEventIdPrefix = (at: number, sourceEventId: string): string => `evt_${timePart(at)}${hash64(sourceEventId)}`;

/** The id of the `index`-th webhook event mapped from a connector event. */
export const sourcedWebhookEventId = (at: number, sourceEventId: string, index: number): string =>
  `${sourcedEventIdPrefix(at, sourceEventId)}${index.toString(16).padStart(4, "0")}`;

/** A delivery id; also the Standard Webhooks `webhook-id`, stable across retries. */
export const newDeliveryId = (nowMs: number): string => timeSortableId("msg", nowMs);
export const newWebhookEventId = (nowMs: number): string => timeSortableId("evt", nowMs);
