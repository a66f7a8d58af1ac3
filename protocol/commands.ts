// Worker → connector commands (docs/protocol.md#commands), defined once for both sides. Every request is signed
// with CONNECTOR_SECRET like ingest (a GET or DELETE signs the empty body). zod only; no I/O.
import { z } from "zod";
import { connectionStateSchema } from "./instance.ts";


export const qrSchema = z.object({
  /** Raw QR string Baileys emitted. */
  code: z.string(),
  /** `data:image/png;base64,…` rendering of `code`. */
  base64: z.string(),
  /** How many QR codes this connection attempt has produced so far. */
  count: z.number().int(),
});

/** State of one instance as the connector sees it. */
export const instanceStatusSchema = z.object({
  instance: z.string(),
  state: connectionStateSchema,
  /** Last disconnect status code (Baileys DisconnectReason), 200 when open. */
  statusReason: z.number().int().nullish(),
  me: z.object({ id: z.string(), name: z.string().nullish() }).nullish(),
  qr: qrSchema.nullish(),
  pairingCode: z.string().nullish(),
});
export type InstanceStatus = z.infer<typeof instanceStatusSchema>;

/** POST /v1/instances/{name}/send-text */
export const sendTextRequestSchema = z.object({
  jid: z.string().min(3),
  text: z.string().min(1).max(65536),
  /** Id of a message to quote, if any. */
  quotedId: z.string().nullish(),
});
/** The sent WAMessage, JSON-safe. */
export const sendTextResponseSchema = z.object({
  key: z.object({ remoteJid: z.string(), fromMe: z.boolean(), id: z.string() }).passthrough(),
  message: z.record(z.string(), z.unknown()).nullish(),
  messageTimestamp: z.number(),
  status: z.string(),
  /** True when `quotedId` named a message the instance does not know: the text went out without a quote. */
  quoteDropped: z.boolean().optional(),
});

/** Evolution's instance settings (docs/api.md#instance-settings); the settings command's body. */
export const instanceSettingsSchema = z.object({
  rejectCall: z.boolean(),
  msgCall: z.string().max(4096),
  groupsIgnore: z.boolean(),
  alwaysOnline: z.boolean(),
  readMessages: z.boolean(),
  readStatus: z.boolean(),
  syncFullHistory: z.boolean(),
});
export type InstanceSettings = z.infer<typeof instanceSettingsSchema>;

/** Evolution's defaults: everything off, no call message. */
export const DEFAULT_INSTANCE_SETTINGS: InstanceSettings = {
  rejectCall: false,
  msgCall: "",
  groupsIgnore: false,
  alwaysOnline: false,
  readMessages: false,
  readStatus: false,
  syncFullHistory: false,
};

/**
 * The settings command's body: Evolution's settings plus what the worker derives from the instance's
 * webhooks (never set by a user). `mediaBase64`: some enabled webhook wants `message.base64`, so the
 * connector downloads inbound media; absent (settings kept before the field existed) means false.
 */
export const connectorSettingsSchema = instanceSettingsSchema.extend({ mediaBase64: z.boolean().default(false) });
export type ConnectorSettings = z.infer<typeof connectorSettingsSchema>;

export const DEFAULT_CONNECTOR_SETTINGS: ConnectorSettings = { ...DEFAULT_INSTANCE_SETTINGS, mediaBase64: false };

/** The settings command's answer. */
export const settingsResponseSchema = z.object({ instance: z.string(), settings: connectorSettingsSchema });

/**
 * POST /v1/instances/{name}/connect — start (or reuse) the socket; waits briefly for a QR/pairing code or open.
 * `settings`, when present, are applied (and kept) before the socket starts, as the settings command would.
 */
export const connectRequestSchema = z.object({ number: z.string().regex(/^\d{6,20}$/).nullish(), settings: connectorSettingsSchema.nullish() });

/** Error body the connector answers with on 4xx/5xx. */
export const commandErrorSchema = z.object({ error: z.string(), message: z.string() });

export const COMMAND_PATHS = {
  health: "/v1/health",
  list: "/v1/instances",
  state: (name: string) => `/v1/instances/${encodeURIComponent(name)}`,
  connect: (name: string) => `/v1/instances/${encodeURIComponent(name)}/connect`,
  restart: (name: string) => `/v1/instances/${encodeURIComponent(name)}/restart`,
  logout: (name: string) => `/v1/instances/${encodeURIComponent(name)}/logout`,
  /** DELETE: log out if needed and wipe credentials. */
  remove: (name: string) => `/v1/instances/${encodeURIComponent(name)}`,
  sendText: (name: string) => `/v1/instances/${encodeURIComponent(name)}/send-text`,
  /** POST: replace the instance's settings; applied live and kept across connector restarts. */
  settings: (name: string) => `/v1/instances/${encodeURIComponent(name)}/settings`,
} as const;

/** HTTP method of each command (added with the worker's command client; both sides use it). */
export const COMMAND_METHODS = {
  health: "GET",
  list: "GET",
  state: "GET",
  connect: "POST",
  restart: "POST",
  logout: "POST",
  remove: "DELETE",
  sendText: "POST",
  settings: "POST",
} as const satisfies Record<keyof typeof COMMAND_PATHS, "GET" | "POST" | "DELETE">;

/** GET /v1/health */
export const healthResponseSchema = z.object({
  status: z.literal("ok"),
  connector: z.string(),
  version: z.string(),
  instances: z.number().int(),
  /** Events written to the connector's outbox and not yet accepted by the worker. */
  outboxPending: z.number().int(),
});

/** GET /v1/instances */
export const instanceListResponseSchema = z.object({ instances: z.array(instanceStatusSchema) });

/** GET state, POST connect / restart / logout answer with InstanceStatus; DELETE remove with this. */
export const removeResponseSchema = z.object({ instance: z.string(), removed: z.literal(true) });
