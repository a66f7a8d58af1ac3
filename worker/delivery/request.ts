// Builds one webhook request (docs/delivery.md#request): target URL, Evolution body, headers and Standard
// Webhooks signatures. No I/O, no clock: the caller passes `nowMs`; signing is WebCrypto only.
import { byEventsPath, subscriptionForEvent, type WebhookEventName } from "../events/names.ts";
import { signStandardWebhook } from "../../protocol/signing.ts";
import pkg from "../../package.json" with { type: "json" };

export const USER_AGENT = `l2msg/${pkg.version}`;

/**
 * Headers the sender owns (signature, transport and hop-by-hop headers): `/webhook/set` refuses
 * them as custom headers, and the request builder never copies them from a stored config.
 */
export const RESERVED_HEADER_NAMES: ReadonlySet<string> = new Set([
  "webhook-id", "webhook-timestamp", "webhook-signature", "content-type", "content-length",
  "host", "user-agent", "connection", "keep-alive", "transfer-encoding", "te", "trailer",
  "upgrade", "expect", "proxy-connection", "content-encoding",
]);

/** Inserts the by-events suffix at the end of the path, before any query string, without doubling a slash. */
export function deliveryUrl(base: string, byEvents: boolean, event: WebhookEventName): string {
  if (!byEvents) return base;
  const url = new URL(base);
  url.pathname = url.pathname.replace(/\/+$/, "") + byEventsPath(subscriptionForEvent(event));
  return url.toString();
}

export interface BodyInput {
  event: string;
  instanceName: string;
  /** The event's data as stored: JSON.stringify output (webhook_events.data). */
  dataJson: string;
  dateTime: string;
  sender: string | null | undefined;
  destination: string;
  serverUrl: string;
  /** The instance token; only when AUTHENTICATION_EXPOSE_IN_FETCH_INSTANCES=true. */
  apikey?: string;
  includeBase64: boolean;
  /** The event's place in the instance's stream (docs/delivery.md#sequences); null for events without one. */
  sequence?: number | null;
}

/** `data.message.base64` removed (copy-on-write) when the target does not want media inline. */
export function withoutBase64(data: unknown): unknown {
  if (!data || typeof data !== "object" || Array.isArray(data)) return data;
  const message = (data as { message?: unknown }).message;
  if (!message || typeof message !== "object" || !("base64" in message)) return data;
  const { base64: _dropped, ...rest } = message as Record<string, unknown>;
  return { ...(data as Record<string, unknown>), message: rest };
}

/**
 * The data for this target, as JSON. The stored text is JSON.stringify output, so it goes in as is:
 * parsing and re-serialising it per delivery would give the same bytes at a cost the consumer pays
 * hundreds of times per batch. Only data that may carry `message.base64`, for a target that does
 * not want it, is parsed to drop the field.
 */
function dataForTarget(dataJson: string, includeBase64: boolean): string {
  if (includeBase64 || !dataJson.includes('"base64"')) return dataJson;
  return JSON.stringify(withoutBase64(JSON.parse(dataJson)) ?? null);
}

/** The Evolution v1 body plus `sequence`; `sender`, `apikey` and `sequence` are omitted when unknown / not exposed. */
export function deliveryBody(input: BodyInput): string {
  const head = JSON.stringify({ event: input.event, instance: input.instanceName });
  const tail = JSON.stringify({
    destination: input.destination,
    date_time: input.dateTime,
    sender: input.sender ?? undefined,
    server_url: input.serverUrl,
    apikey: input.apikey,
    sequence: input.sequence ?? undefined,
  });
  // {"event":…,"instance":…} + "data" + {"destination":…}: the same field order as one JSON.stringify.
  return `${head.slice(0, -1)},"data":${dataForTarget(input.dataJson, input.includeBase64)},${tail.slice(1)}`;
}

export interface SigningInput {
  webhookId: string;
  body: string;
  nowMs: number;
  /** Secrets to sign with, current first; empty = unsigned. */
  secrets: string[];
  customHeaders: Record<string, string>;
  /** Sent as `x-l2msg-sequence` when the event has one. */
  sequence?: number | null;
}

/** A valid header name/value pair (the Headers API rejects the rest, which would crash the send). */
function isSendableHeader(name: string, value: unknown): value is string {
  return /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name) && typeof value === "string" && !/[\r\n\0]/.test(value);
}

/** Custom headers first, then the system and signature headers, which always win. */
export async function deliveryHeaders(input: SigningInput): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(input.customHeaders)) {
    const lower = name.toLowerCase();
    if (!RESERVED_HEADER_NAMES.has(lower) && isSendableHeader(name, value)) headers[lower] = value;
  }
  const timestamp = Math.floor(input.nowMs / 1000);
  headers["content-type"] = "application/json";
  headers["user-agent"] = USER_AGENT;
  headers["webhook-id"] = input.webhookId;
  headers["webhook-timestamp"] = String(timestamp);
  if (input.sequence != null) headers["x-l2msg-sequence"] = String(input.sequence);
  if (input.secrets.length) {
    const signatures = await Promise.all(input.secrets.map((s) => signStandardWebhook(s, input.webhookId, timestamp, input.body)));
    headers["webhook-signature"] = signatures.join(" ");
  }
  return headers;
}

/** The secrets to sign with: the current one, plus the previous one while its overlap lasts. */
export function signingSecrets(
  secret: string | null | undefined,
  previousSecret: string | null | undefined,
  previousSecretExpiresAt: number | null | undefined,
  nowMs: number,
): string[] {
  const secrets = secret ? [secret] : [];
  if (previousSecret && previousSecretExpiresAt && previousSecretExpiresAt > nowMs) secrets.push(previousSecret);
  return secrets;
}
