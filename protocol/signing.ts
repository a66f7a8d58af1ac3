// HMAC signing shared by the worker and the connector (docs/protocol.md#signing) and the Standard Webhooks
// signature on deliveries (docs/delivery.md#signing). WebCrypto only, so it runs in workerd and Node 20 alike.
// No I/O, no clock: callers pass the timestamp.

const encoder = new TextEncoder();

/** Imported keys kept per secret: the consumer signs hundreds of deliveries per batch with one webhook's secret. */
const KEY_CACHE_LIMIT = 256;
const keyCache = new Map<string, CryptoKey>();

/**
 * The HMAC key for `cacheKey`, imported from `raw()` once. The resolved CryptoKey is kept (not the
 * promise), so no request awaits another's pending work; the oldest entry goes past the limit.
 */
async function hmacKey(cacheKey: string, raw: () => Uint8Array): Promise<CryptoKey> {
  const cached = keyCache.get(cacheKey);
  if (cached) return cached;
  const key = await crypto.subtle.importKey("raw", raw(), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value as string);
  keyCache.set(cacheKey, key);
  return key;
}

async function hmacSha256(key: CryptoKey, message: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, encoder.encode(message)));
}

/** A text secret (connector keys): its UTF-8 bytes are the key. */
const textKey = (secret: string) => hmacKey(`text:${secret}`, () => encoder.encode(secret));

function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Hex HMAC-SHA256 of `message` under a text key (the fleet's per-connector keys and frames). */
export async function hmacSha256Hex(key: string, message: string): Promise<string> {
  return toHex(await hmacSha256(await textKey(key), message));
}

export function toBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

/** Constant-time string comparison (length leak only). */
export function timingSafeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a);
  const right = encoder.encode(b);
  let diff = left.length ^ right.length;
  const length = Math.max(left.length, right.length);
  for (let i = 0; i < length; i++) diff |= (left[i] ?? 0) ^ (right[i] ?? 0);
  return diff === 0;
}

export const CONNECTOR_TIMESTAMP_HEADER = "x-l2msg-timestamp";
export const CONNECTOR_SIGNATURE_HEADER = "x-l2msg-signature";
export const CONNECTOR_MAX_SKEW_SECONDS = 300;

/** `v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>` — the connector protocol signature. */
export async function signConnectorRequest(secret: string, timestampSeconds: number, body: string): Promise<string> {
  return `v1=${await hmacSha256Hex(secret, `${timestampSeconds}.${body}`)}`;
}

/** Headers to put on a signed connector-protocol request. */
export async function connectorSignatureHeaders(secret: string, body: string, nowMs: number): Promise<Record<string, string>> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    [CONNECTOR_TIMESTAMP_HEADER]: String(timestamp),
    [CONNECTOR_SIGNATURE_HEADER]: await signConnectorRequest(secret, timestamp, body),
  };
}

export type SignatureCheck = { ok: true } | { ok: false; reason: "missing" | "stale" | "mismatch" };

/**
 * Verifies an ingest request: timestamp within ±300 s of `nowMs`, signature in constant time. Ingest
 * only: the signature is not bound to a path and not replay-guarded, which ingest's dedup by event id
 * makes harmless. Commands use the bound, replay-guarded frames of protocol/fleet.ts.
 */
export async function verifyConnectorRequest(
  secret: string,
  timestampHeader: string | null | undefined,
  signatureHeader: string | null | undefined,
  body: string,
  nowMs: number,
): Promise<SignatureCheck> {
  if (!timestampHeader || !signatureHeader || !/^\d{1,12}$/.test(timestampHeader)) return { ok: false, reason: "missing" };
  const timestamp = Number(timestampHeader);
  if (Math.abs(nowMs / 1000 - timestamp) > CONNECTOR_MAX_SKEW_SECONDS) return { ok: false, reason: "stale" };
  const expected = await signConnectorRequest(secret, timestamp, body);
  return timingSafeEqual(expected, signatureHeader) ? { ok: true } : { ok: false, reason: "mismatch" };
}

/** Standard Webhooks: `v1,<base64 HMAC-SHA256(secretBytes, "id.timestamp.body")>`; secret is `whsec_<base64>`. */
export async function signStandardWebhook(secret: string, id: string, timestampSeconds: number, body: string): Promise<string> {
  const key = await hmacKey(`whsec:${secret}`, () => fromBase64(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret));
  return `v1,${toBase64(await hmacSha256(key, `${id}.${timestampSeconds}.${body}`))}`;
}

/** A fresh `whsec_` secret: 24 random bytes, base64. */
export function generateWebhookSecret(): string {
  return `whsec_${toBase64(crypto.getRandomValues(new Uint8Array(24)))}`;
}
