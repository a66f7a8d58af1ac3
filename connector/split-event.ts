// Splits one JSON-safe event payload into pieces the worker can store whole (docs/protocol.md):
// history into chunks of messages/chats/contacts that each keep the chunk's own metadata
// (syncType, isLatest, …), upserts into fewer messages per event, arrays into shorter arrays.
// Pure: no I/O, no clock. Nothing is dropped: an item too large on its own goes out alone.
import type { JsonValue } from "./json-safe.ts";

type JsonObject = { [key: string]: JsonValue };

/** The lists of a `messaging-history.set`; every other field is metadata copied to each piece. */
const HISTORY_LISTS = ["messages", "chats", "contacts", "lidPnMappings", "pastParticipants"] as const;

const sizeOf = (value: JsonValue): number => Buffer.byteLength(JSON.stringify(value));

function isObject(value: JsonValue): value is JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Packs items greedily into groups whose JSON stays under `budget` bytes (each group ≥ 1 item). */
function pack(items: { value: JsonValue; bytes: number }[], budget: number): JsonValue[][] {
  const groups: JsonValue[][] = [];
  let current: JsonValue[] = [];
  let size = 0;
  for (const item of items) {
    if (current.length > 0 && size + item.bytes + 1 > budget) {
      groups.push(current);
      current = [];
      size = 0;
    }
    current.push(item.value);
    size += item.bytes + 1;
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

const sized = (values: JsonValue[]) => values.map((value) => ({ value, bytes: sizeOf(value) }));

/** History pieces: each holds items of one or more lists (all lists present, maybe empty) plus the metadata. */
function splitHistory(payload: JsonObject, maxBytes: number): JsonValue[] {
  const meta: JsonObject = {};
  for (const [key, value] of Object.entries(payload)) if (!(HISTORY_LISTS as readonly string[]).includes(key)) meta[key] = value;
  const empty = Object.fromEntries(HISTORY_LISTS.map((list) => [list, [] as JsonValue[]]));
  const budget = maxBytes - sizeOf({ ...meta, ...empty });
  const tagged = HISTORY_LISTS.flatMap((list) => {
    const values = payload[list];
    return Array.isArray(values) ? sized(values).map((item) => ({ ...item, value: [list, item.value] as JsonValue })) : [];
  });
  return pack(tagged, budget).map((group) => {
    const piece: Record<string, JsonValue[]> = Object.fromEntries(HISTORY_LISTS.map((list) => [list, [] as JsonValue[]]));
    for (const entry of group as [string, JsonValue][]) piece[entry[0]]!.push(entry[1]);
    const present = Object.fromEntries(HISTORY_LISTS.filter((list) => Array.isArray(payload[list])).map((list) => [list, piece[list]!]));
    return { ...meta, ...present };
  });
}

/** Upsert pieces: the same `type`/`requestId` with fewer messages each (one when a message is large). */
function splitUpsert(payload: JsonObject, messages: JsonValue[], maxBytes: number): JsonValue[] {
  const budget = maxBytes - sizeOf({ ...payload, messages: [] });
  return pack(sized(messages), budget).map((group) => ({ ...payload, messages: group }));
}

/** The payload itself when it fits in `maxBytes`, else pieces that each fit (or hold one oversized item). */
export function splitPayload(type: string, payload: JsonValue, maxBytes: number): JsonValue[] {
  if (sizeOf(payload) <= maxBytes) return [payload];
  if (type === "messaging-history.set" && isObject(payload)) return splitHistory(payload, maxBytes);
  if (isObject(payload) && Array.isArray(payload.messages)) return splitUpsert(payload, payload.messages, maxBytes);
  if (Array.isArray(payload)) return pack(sized(payload), maxBytes - 2);
  return [payload];
}
