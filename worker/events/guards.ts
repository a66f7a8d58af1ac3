// Shape guards and normalisers for raw Baileys payloads (JSON-safe, mixed representations).
// Pure: no I/O, no clock. Every function accepts `unknown` and returns undefined instead of throwing.

export type JsonRecord = Record<string, unknown>;

export function isRecord(value: unknown): value is JsonRecord {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** A string, or undefined. */
export function str(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

/** A non-empty string, or undefined (Baileys writes `participant: ""` on 1:1 keys). */
export function nonEmpty(value: unknown): string | undefined {
  return typeof value === "string" && value.length > 0 ? value : undefined;
}

export function bool(value: unknown): boolean | undefined {
  return typeof value === "boolean" ? value : undefined;
}

/** The record elements of an array; anything else is dropped. */
export function records(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? value.filter(isRecord) : [];
}

/** A payload that may be one item or a list of items. */
export function oneOrMany(value: unknown): JsonRecord[] {
  return Array.isArray(value) ? records(value) : isRecord(value) ? [value] : [];
}

const TWO_POW_32 = 4294967296;

/**
 * An integer from a number, a decimal string (protobuf int64 `toJSON`) or a raw Long
 * `{low, high, unsigned?}`; undefined when none of those.
 */
export function toInteger(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) ? Math.trunc(value) : undefined;
  if (typeof value === "string") return /^-?\d{1,16}$/.test(value.trim()) ? Number(value.trim()) : undefined;
  if (isRecord(value) && typeof value.low === "number" && typeof value.high === "number") {
    // Long.js keeps both halves as signed int32; the low half always counts as unsigned.
    const high = value.unsigned === true ? value.high >>> 0 : value.high;
    return high * TWO_POW_32 + (value.low >>> 0);
  }
  return undefined;
}

/** Milliseconds since epoch → ISO-8601 UTC; undefined when out of Date's range. */
export function isoFromMs(ms: number): string | undefined {
  if (!Number.isFinite(ms) || Math.abs(ms) > 8.64e15) return undefined;
  return new Date(ms).toISOString();
}

/** An instant given as ISO string, seconds or milliseconds → ISO-8601 UTC. */
export function toIso(value: unknown): string | undefined {
  if (typeof value === "string" && !/^-?\d+$/.test(value.trim())) {
    const ms = Date.parse(value);
    return Number.isNaN(ms) ? undefined : isoFromMs(ms);
  }
  const n = toInteger(value);
  if (n === undefined) return undefined;
  return isoFromMs(Math.abs(n) < 1e11 ? n * 1000 : n);
}

/** `15551234567:12@s.whatsapp.net` → `15551234567@s.whatsapp.net`; keeps the domain (`@lid`). */
export function bareJid(jid: string): string {
  return jid.replace(/^([^:@]*):\d+@/, "$1@");
}

/** Copies only the defined entries, so absent fields are omitted rather than `undefined`. */
export function compact<T extends JsonRecord>(record: T): T {
  const out: JsonRecord = {};
  for (const [key, value] of Object.entries(record)) if (value !== undefined) out[key] = value;
  return out as T;
}
