// Connector configuration: parsed once from the environment with zod at process start.
// Nothing else in the connector reads process.env; everything takes a ConnectorConfig.
import { createHmac } from "node:crypto";
import { hostname } from "node:os";
import { z } from "zod";
import { MAX_MEDIA_BASE64_SOURCE_BYTES } from "../protocol/envelope.ts";
import { CONNECTOR_SECRET_MIN_LENGTH } from "../protocol/instance.ts";

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

/** Timings that are not environment variables; tests shorten them. */
export type ConnectorTuning = {
  forwardLingerMs: number;
  forwardRetryBaseMs: number;
  forwardRetryMaxMs: number;
  forwardRequestTimeoutMs: number;
  reconnectBaseMs: number;
  reconnectMaxMs: number;
  /** A session must stay open this long before its reconnect backoff starts over. */
  stableOpenMs: number;
  /** Delay between two instances restored at start, so a restart does not log in all at once. */
  restoreStaggerMs: number;
  connectWaitMs: number;
  shutdownFlushMs: number;
  mediaDownloadTimeoutMs: number;
};

export const DEFAULT_TUNING: ConnectorTuning = {
  forwardLingerMs: 200,
  forwardRetryBaseMs: 500,
  forwardRetryMaxMs: 30_000,
  forwardRequestTimeoutMs: 15_000,
  reconnectBaseMs: 1_000,
  reconnectMaxMs: 60_000,
  stableOpenMs: 60_000,
  restoreStaggerMs: 250,
  connectWaitMs: 10_000,
  shutdownFlushMs: 5_000,
  mediaDownloadTimeoutMs: 10_000,
};

/**
 * The key connector `id` signs with: hex HMAC-SHA256(CONNECTOR_SECRET, "connector:" + id), the same
 * value as protocol/fleet.ts deriveConnectorKey (synchronous here, for config parsing).
 */
export function connectorKeyFor(secret: string, id: string): string {
  return createHmac("sha256", secret).update(`connector:${id}`).digest("hex");
}

/** `c1` unless the host name gives something usable (the worker accepts 1–64 chars). */
export function defaultConnectorId(host: string = hostname()): string {
  const cleaned = host.toLowerCase().replace(/[^a-z0-9._-]/g, "-").slice(0, 64);
  return cleaned.length > 0 ? cleaned : "c1";
}

const integer = (fallback: number, min: number) => z.coerce.number().int().min(min).default(fallback);

const envSchema = z.object({
  WORKER_URL: z.url({ protocol: /^https?$/, error: "must be an absolute http(s) URL" }),
  CONNECTOR_SECRET: z.string().min(CONNECTOR_SECRET_MIN_LENGTH, { error: `must be at least ${CONNECTOR_SECRET_MIN_LENGTH} characters` }).optional(),
  /** This connector's own key (connectorKey()): enough to run it, and useless for speaking as another connector. */
  CONNECTOR_KEY: z.string().regex(/^[0-9a-f]{64}$/, { error: "must be 64 lowercase hex digits (scripts/connector-key.ts prints it)" }).optional(),
  CONNECTOR_ID: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: "must be 1-64 characters of A-Z a-z 0-9 . _ -" })
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data/connector"),
  WA_VERSION: z
    .string()
    .regex(/^\d{1,9}\.\d{1,9}\.\d{1,12}$/, { error: "must be a WhatsApp Web version like 2.3000.1043857760" })
    .transform((v) => v.split(".").map(Number) as WaVersion)
    .optional(),
  WA_WEBSOCKET_URL: z.url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL" }).optional(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  BAILEYS_LOG_LEVEL: z.enum(LOG_LEVELS).default("error"),
  OUTBOX_MAX_EVENTS: integer(1_000_000, 1),
  OUTBOX_MAX_BYTES: integer(1024 * 1024 * 1024, 1024),
  // Larger media would make its message too big for the worker to store with its base64.
  SENT_MESSAGES_MAX_AGE_DAYS: integer(7, 1).pipe(z.number().max(365)),
  SENT_MESSAGES_MAX_PER_INSTANCE: integer(50_000, 100),
  MEDIA_MAX_BYTES: integer(MAX_MEDIA_BASE64_SOURCE_BYTES, 0).pipe(
    z.number().max(MAX_MEDIA_BASE64_SOURCE_BYTES, { error: `must be at most ${MAX_MEDIA_BASE64_SOURCE_BYTES} (base64 must fit the worker's stored event)` }),
  ),
  /** How many instances the worker may place here (the fleet's placement, docs/decisions.md). */
  CONNECTOR_CAPACITY: integer(50, 1).pipe(z.number().max(100_000)),
  /** 32 bytes, base64 or hex: encrypts the credentials written through to the worker (connectors only). */
  CREDENTIALS_KEY: z
    .string()
    .refine((v) => /^[0-9a-fA-F]{64}$/.test(v) || Buffer.from(v, "base64").length === 32, { error: "must be 32 bytes as 64 hex digits or base64" })
    .optional(),
});

/** WhatsApp Web version `[major, minor, build]` as Baileys' `version` option takes it. */
export type WaVersion = [number, number, number];

export type ConnectorConfig = {
  workerUrl: string;
  /** This connector's key: the socket, ingest and credentials are signed with it (docs/protocol.md#signing). */
  connectorKey: string;
  connectorId: string;
  dataDir: string;
  waWebSocketUrl: string | undefined;
  /** Overrides the WA Web version bundled with Baileys (WhatsApp rejects outdated ones with 405). */
  waVersion: WaVersion | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  baileysLogLevel: (typeof LOG_LEVELS)[number];
  outboxMaxEvents: number;
  outboxMaxBytes: number;
  mediaMaxBytes: number;
  /** Bounds of the on-disk store of sent messages (getMessage for retry receipts, quoting). */
  sentMessages: { maxAgeMs: number; maxPerInstance: number };
  capacity: number;
  /** The AES-256-GCM key of credential write-through; undefined: credentials stay on this disk only. */
  credentialsKey: Uint8Array | undefined;
  tuning: ConnectorTuning;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Empty strings count as unset, so `FOO=` in a .env file falls back to the default. */
function withoutEmpty(env: Record<string, string | undefined>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== "") result[key] = value;
  return result;
}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseConfig(env: Record<string, string | undefined>, tuning: Partial<ConnectorTuning> = {}): ConnectorConfig {
  const present = withoutEmpty(env);
  const parsed = envSchema.safeParse(present);
  const lines = parsed.success ? [] : parsed.error.issues.map((issue) => `  ${issue.path.join(".") || "(env)"}: ${issue.message}`);
  if (!present.CONNECTOR_SECRET && !present.CONNECTOR_KEY) lines.push("  CONNECTOR_SECRET: is required (or this connector's CONNECTOR_KEY)");
  if (!parsed.success || lines.length > 0) throw new ConfigError(`invalid connector configuration:\n${lines.join("\n")}`);
  const e = parsed.data;
  const connectorId = e.CONNECTOR_ID ?? defaultConnectorId();
  const connectorKey = e.CONNECTOR_KEY ?? connectorKeyFor(e.CONNECTOR_SECRET!, connectorId);
  return {
    workerUrl: e.WORKER_URL.replace(/\/+$/, ""),
    connectorKey,
    connectorId,
    dataDir: e.DATA_DIR,
    waWebSocketUrl: e.WA_WEBSOCKET_URL,
    waVersion: e.WA_VERSION,
    logLevel: e.LOG_LEVEL,
    baileysLogLevel: e.BAILEYS_LOG_LEVEL,
    outboxMaxEvents: e.OUTBOX_MAX_EVENTS,
    outboxMaxBytes: e.OUTBOX_MAX_BYTES,
    mediaMaxBytes: e.MEDIA_MAX_BYTES,
    sentMessages: { maxAgeMs: e.SENT_MESSAGES_MAX_AGE_DAYS * 24 * 60 * 60 * 1000, maxPerInstance: e.SENT_MESSAGES_MAX_PER_INSTANCE },
    capacity: e.CONNECTOR_CAPACITY,
    credentialsKey: e.CREDENTIALS_KEY === undefined ? undefined : new Uint8Array(/^[0-9a-fA-F]{64}$/.test(e.CREDENTIALS_KEY) ? Buffer.from(e.CREDENTIALS_KEY, "hex") : Buffer.from(e.CREDENTIALS_KEY, "base64")),
    tuning: { ...DEFAULT_TUNING, ...tuning },
  };
}
