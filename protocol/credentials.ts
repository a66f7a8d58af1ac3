// Credential write-through (docs/protocol.md#credentials): the connector stores each instance's auth
// state, encrypted with a key only connectors hold, on the worker side, and loads it when it takes
// an instance over. This module defines the path and the per-connector signature of those requests,
// bound to the method, instance, epoch and body. WebCrypto only; no I/O, no clock.
import { hmacSha256Hex, timingSafeEqual } from "./signing.ts";
import { CONNECTOR_ID_PATTERN, deriveConnectorKey, FLEET_HEADERS, FLEET_MAX_SKEW_SECONDS } from "./fleet.ts";

export const CREDENTIALS_PATH_PREFIX = "/connector/v1/credentials/";
export const credentialsPath = (instance: string) => `${CREDENTIALS_PATH_PREFIX}${encodeURIComponent(instance)}`;
export const EPOCH_HEADER = "x-l2msg-epoch";
/** POST, signed like a credentials request with instance "" and epoch 0: hand every instance on now. */
export const DRAIN_PATH = "/connector/v1/drain";
/** The ciphertext of one instance's auth state may not exceed this (it is one Durable Object row). */
export const MAX_CREDENTIALS_BYTES = 1_900_000;

const signed = (connectorId: string, ts: number, method: string, instance: string, epoch: number, body: string) =>
  `creds.v1\n${connectorId}\n${ts}\n${method}\n${instance}\n${epoch}\n${body}`;

export async function credentialsHeaders(key: string, connectorId: string, method: string, instance: string, epoch: number, body: string, nowMs: number): Promise<Record<string, string>> {
  const ts = Math.floor(nowMs / 1000);
  return {
    [FLEET_HEADERS.connector]: connectorId,
    [FLEET_HEADERS.timestamp]: String(ts),
    [EPOCH_HEADER]: String(epoch),
    [FLEET_HEADERS.signature]: `v1=${await hmacSha256Hex(key, signed(connectorId, ts, method, instance, epoch, body))}`,
  };
}

export type CredentialsCheck =
  | { ok: true; connectorId: string; epoch: number; ts: number }
  | { ok: false; reason: "missing" | "stale" | "mismatch" };

export async function verifyCredentialsRequest(
  secret: string,
  get: (name: string) => string | null | undefined,
  method: string,
  instance: string,
  body: string,
  nowMs: number,
): Promise<CredentialsCheck> {
  const connectorId = get(FLEET_HEADERS.connector) ?? "";
  const tsText = get(FLEET_HEADERS.timestamp) ?? "";
  const epochText = get(EPOCH_HEADER) ?? "";
  const signature = get(FLEET_HEADERS.signature) ?? "";
  if (!CONNECTOR_ID_PATTERN.test(connectorId) || !/^\d{1,12}$/.test(tsText) || !/^\d{1,15}$/.test(epochText) || !signature) return { ok: false, reason: "missing" };
  const ts = Number(tsText);
  if (Math.abs(nowMs / 1000 - ts) > FLEET_MAX_SKEW_SECONDS) return { ok: false, reason: "stale" };
  const epoch = Number(epochText);
  const key = await deriveConnectorKey(secret, connectorId);
  const expected = `v1=${await hmacSha256Hex(key, signed(connectorId, ts, method, instance, epoch, body))}`;
  return timingSafeEqual(expected, signature) ? { ok: true, connectorId, epoch, ts } : { ok: false, reason: "mismatch" };
}
