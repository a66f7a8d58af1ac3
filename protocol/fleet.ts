// The connector fleet contract (docs/protocol.md#connector-socket): how a connector proves who it is
// when it dials the worker, the frames on its WebSocket, and the signatures that bind a command to
// its method, path, instance, id and epoch, and an answer to the command it answers.
// WebCrypto and zod only; no I/O, no clock (callers pass `now`).
import { z } from "zod";
import { hmacSha256Hex, timingSafeEqual } from "./signing.ts";
import { instanceNameSchema } from "./envelope.ts";
import { connectorSettingsSchema } from "./commands.ts";

export const CONNECT_PATH = "/connector/v1/connect";
export const CONNECTOR_ID_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/** Heartbeat frames: the worker's Durable Object answers them without waking up. */
export const PING = "ping";
export const PONG = "pong";
/** Both sides refuse a timestamp further than this from their clock (seconds). */
export const FLEET_MAX_SKEW_SECONDS = 300;

export const FLEET_HEADERS = {
  connector: "x-l2msg-connector",
  timestamp: "x-l2msg-timestamp",
  nonce: "x-l2msg-nonce",
  signature: "x-l2msg-signature",
  version: "x-l2msg-version",
  capacity: "x-l2msg-capacity",
} as const;

/**
 * The key one connector signs and verifies with: HMAC-SHA256(CONNECTOR_SECRET, "connector:" + id), hex.
 * The worker derives it for any id; a connector given only its derived key cannot speak for another.
 */
export function deriveConnectorKey(secret: string, connectorId: string): Promise<string> {
  return hmacSha256Hex(secret, `connector:${connectorId}`);
}

const withinSkew = (timestampSeconds: number, nowMs: number) => Math.abs(nowMs / 1000 - timestampSeconds) <= FLEET_MAX_SKEW_SECONDS;

// ---- the upgrade request ----

const connectString = (connectorId: string, ts: number, nonce: string) => `connect.v1\n${connectorId}\n${ts}\n${nonce}`;

/** Headers of the WebSocket upgrade request: identity, time, a one-time nonce and their signature. */
export async function connectHeaders(key: string, connectorId: string, nowMs: number, nonce: string, version: string, capacity: number): Promise<Record<string, string>> {
  const ts = Math.floor(nowMs / 1000);
  return {
    [FLEET_HEADERS.connector]: connectorId,
    [FLEET_HEADERS.timestamp]: String(ts),
    [FLEET_HEADERS.nonce]: nonce,
    [FLEET_HEADERS.signature]: `v1=${await hmacSha256Hex(key, connectString(connectorId, ts, nonce))}`,
    [FLEET_HEADERS.version]: version,
    [FLEET_HEADERS.capacity]: String(capacity),
  };
}

export type ConnectCheck =
  | { ok: true; connectorId: string; nonce: string; version: string; capacity: number | undefined }
  | { ok: false; reason: "missing" | "stale" | "mismatch" };

/** Verifies an upgrade request's headers (the nonce's freshness is the caller's to check). */
export async function verifyConnectHeaders(secret: string, get: (name: string) => string | null | undefined, nowMs: number): Promise<ConnectCheck> {
  const connectorId = get(FLEET_HEADERS.connector) ?? "";
  const tsText = get(FLEET_HEADERS.timestamp) ?? "";
  const nonce = get(FLEET_HEADERS.nonce) ?? "";
  const signature = get(FLEET_HEADERS.signature) ?? "";
  if (!CONNECTOR_ID_PATTERN.test(connectorId) || !/^\d{1,12}$/.test(tsText) || !/^[A-Za-z0-9_-]{16,64}$/.test(nonce) || !signature) return { ok: false, reason: "missing" };
  const ts = Number(tsText);
  if (!withinSkew(ts, nowMs)) return { ok: false, reason: "stale" };
  const key = await deriveConnectorKey(secret, connectorId);
  const expected = `v1=${await hmacSha256Hex(key, connectString(connectorId, ts, nonce))}`;
  if (!timingSafeEqual(expected, signature)) return { ok: false, reason: "mismatch" };
  const capacityText = get(FLEET_HEADERS.capacity) ?? "";
  const capacity = /^\d{1,6}$/.test(capacityText) ? Number(capacityText) : undefined;
  return { ok: true, connectorId, nonce, version: (get(FLEET_HEADERS.version) ?? "").slice(0, 64), capacity };
}

// ---- frames ----

/** Worker → connector. `instance` is "" and `epoch` 0 for commands about no instance. */
export const commandFrameSchema = z.object({
  type: z.literal("command"),
  id: z.string().min(16).max(64),
  ts: z.number().int().nonnegative(),
  method: z.enum(["GET", "POST", "PUT", "DELETE"]),
  path: z.string().min(1).max(300),
  instance: z.union([instanceNameSchema, z.literal("")]),
  epoch: z.number().int().nonnegative(),
  /** The raw JSON body, "" for none. */
  body: z.string(),
  sig: z.string(),
});
export type CommandFrame = z.infer<typeof commandFrameSchema>;

/** Connector → worker: the answer to command `id`. */
export const answerFrameSchema = z.object({
  type: z.literal("answer"),
  id: z.string().min(16).max(64),
  ts: z.number().int().nonnegative(),
  status: z.number().int().min(100).max(599),
  body: z.string(),
  sig: z.string(),
});
export type AnswerFrame = z.infer<typeof answerFrameSchema>;

const commandString = (f: Omit<CommandFrame, "type" | "sig">) => `cmd.v1\n${f.id}\n${f.ts}\n${f.method}\n${f.path}\n${f.instance}\n${f.epoch}\n${f.body}`;
const answerString = (f: Omit<AnswerFrame, "type" | "sig">) => `ans.v1\n${f.id}\n${f.ts}\n${f.status}\n${f.body}`;

export async function signCommand(key: string, fields: Omit<CommandFrame, "type" | "sig">): Promise<CommandFrame> {
  return { type: "command", ...fields, sig: `v1=${await hmacSha256Hex(key, commandString(fields))}` };
}

export async function signAnswer(key: string, fields: Omit<AnswerFrame, "type" | "sig">): Promise<AnswerFrame> {
  return { type: "answer", ...fields, sig: `v1=${await hmacSha256Hex(key, answerString(fields))}` };
}

/** The instance a command path names (`/v1/instances/{name}…`), or "" for paths about no instance. */
export function instanceOfPath(path: string): string {
  const match = /^\/v1\/instances\/([^/?]+)/.exec(path);
  return match ? decodeURIComponent(match[1]!) : "";
}

export type FrameCheck = { ok: true } | { ok: false; reason: "missing" | "stale" | "mismatch" | "replayed" | "misbound" };

/**
 * A command is genuine when its signature covers every field, its time is within ±300 s, its id
 * was never seen (`seen` remembers ids for the skew window) and its `instance` is the one its path names.
 */
export async function verifyCommand(key: string, frame: CommandFrame, nowMs: number, seen: ReplayGuard): Promise<FrameCheck> {
  const { type: _type, sig, ...fields } = frame;
  if (!sig) return { ok: false, reason: "missing" };
  const expected = `v1=${await hmacSha256Hex(key, commandString(fields))}`;
  if (!timingSafeEqual(expected, sig)) return { ok: false, reason: "mismatch" };
  if (!withinSkew(frame.ts, nowMs)) return { ok: false, reason: "stale" };
  if (instanceOfPath(frame.path) !== frame.instance) return { ok: false, reason: "misbound" };
  if (!seen.remember(frame.id, nowMs)) return { ok: false, reason: "replayed" };
  return { ok: true };
}

/** An answer is genuine when its signature covers every field and it answers `commandId`. */
export async function verifyAnswer(key: string, frame: AnswerFrame, commandId: string, nowMs: number): Promise<FrameCheck> {
  const { type: _type, sig, ...fields } = frame;
  if (!sig) return { ok: false, reason: "missing" };
  const expected = `v1=${await hmacSha256Hex(key, answerString(fields))}`;
  if (!timingSafeEqual(expected, sig)) return { ok: false, reason: "mismatch" };
  if (frame.id !== commandId) return { ok: false, reason: "misbound" };
  if (!withinSkew(frame.ts, nowMs)) return { ok: false, reason: "stale" };
  return { ok: true };
}

/** Command ids seen within the skew window; a second sighting is a replay. Bounded in memory. */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();

  constructor(private readonly max = 100_000) {}

  /** False when `id` was already seen. */
  remember(id: string, nowMs: number): boolean {
    const horizon = nowMs - 2 * FLEET_MAX_SKEW_SECONDS * 1000;
    for (const [old, at] of this.seen) {
      if (at >= horizon && this.seen.size < this.max) break;
      this.seen.delete(old);
    }
    if (this.seen.has(id)) return false;
    this.seen.set(id, nowMs);
    return true;
  }
}

/** A random id for a command or nonce: 24 bytes, base64url. */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// ---- fleet commands (worker → connector) ----

export const FLEET_PATHS = {
  /** POST: the complete set of instances this connector owns now, with their epochs. */
  assignments: "/v1/fleet/assignments",
  /** POST: take the instance over at the command's epoch (load credentials, log in). */
  acquire: (name: string) => `/v1/instances/${encodeURIComponent(name)}/acquire`,
  /** POST: hand the instance over: close its socket without logging out, forget it. */
  release: (name: string) => `/v1/instances/${encodeURIComponent(name)}/release`,
} as const;

export const assignmentSchema = z.object({
  instance: instanceNameSchema,
  epoch: z.number().int().positive(),
  /** The instance's connector settings (the settings command's body); applied before the socket starts. */
  settings: connectorSettingsSchema.optional(),
});
export type Assignment = z.infer<typeof assignmentSchema>;
export const assignmentsRequestSchema = z.object({
  owned: z.array(assignmentSchema),
  /** How long the worker keeps a lease without a heartbeat; the connector stops its sockets before that. */
  leaseMs: z.number().int().positive(),
});
export type AssignmentsRequest = z.infer<typeof assignmentsRequestSchema>;
