// Turns Baileys payloads into the JSON-safe wire form of docs/protocol.md#wire-form-of-payloads. Pure: no I/O, no clock.
// Walks own enumerable keys (so protobuf toJSON never runs and enums stay numeric, as on
// Baileys' plain-object paths): bytes → base64, Long → number, Date → ISO, Error/Boom →
// {message, statusCode}; functions/undefined dropped; cycles cut.

type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

const MAX_DEPTH = 64;

function isLongLike(value: object): value is { low: number; high: number; unsigned?: boolean } {
  const v = value as Record<string, unknown>;
  return typeof v.low === "number" && typeof v.high === "number" && (typeof v.unsigned === "boolean" || typeof v.toNumber === "function");
}

function longToNumber(value: { low: number; high: number; unsigned?: boolean }): number {
  const low = value.low >>> 0;
  const high = value.unsigned ? value.high >>> 0 : value.high | 0;
  return high * 4294967296 + low;
}

function errorToJson(error: Error): JsonValue {
  const boom = error as Error & { isBoom?: boolean; output?: { statusCode?: number }; statusCode?: number };
  const statusCode = boom.isBoom ? boom.output?.statusCode : boom.statusCode;
  return typeof statusCode === "number" ? { message: error.message, statusCode } : { message: error.message };
}

function numberToJson(value: number): JsonValue {
  return Number.isFinite(value) ? value : null;
}

function bigintToJson(value: bigint): JsonValue {
  return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value.toString();
}

function objectToJson(value: object, ancestors: Set<object>, depth: number): JsonValue | undefined {
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("base64");
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString("base64");
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
  if (value instanceof Error) return errorToJson(value);
  if (isLongLike(value)) return longToNumber(value);
  if (ancestors.has(value) || depth > MAX_DEPTH) return undefined;
  ancestors.add(value);
  try {
    if (Array.isArray(value)) return value.map((item) => walk(item, ancestors, depth + 1) ?? null);
    if (value instanceof Set) return [...value].map((item) => walk(item, ancestors, depth + 1) ?? null);
    const entries = value instanceof Map ? [...value.entries()] : Object.entries(value);
    const result: Record<string, JsonValue> = {};
    for (const [key, item] of entries) {
      const converted = walk(item, ancestors, depth + 1);
      if (converted !== undefined) result[String(key)] = converted;
    }
    return result;
  } finally {
    ancestors.delete(value);
  }
}

function walk(value: unknown, ancestors: Set<object>, depth: number): JsonValue | undefined {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return numberToJson(value);
    case "bigint":
      return bigintToJson(value);
    case "object":
      return value === null ? null : objectToJson(value, ancestors, depth);
    default:
      return undefined; // undefined, function, symbol
  }
}

/** The JSON-safe copy of `value`; `null` when nothing representable is left. */
export function toJsonSafe(value: unknown): JsonValue {
  return walk(value, new Set(), 0) ?? null;
}

export type { JsonValue };
