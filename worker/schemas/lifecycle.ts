// Schemas and response shaping for the instance lifecycle routes (connect, connectionState,
// restart, logout, refreshToken), Evolution v1 shapes. Pure: no I/O.
import { z } from "@hono/zod-openapi";
import type { InstanceStatus } from "../../protocol/commands.ts";
import { connectionStateSchema, type ConnectionState } from "../../protocol/instance.ts";
import type { InstanceRow } from "../storage/schema.ts";

/** Strips the `+` and spaces people paste with phone numbers. */
const stripPhoneDecoration = (value: unknown) => (typeof value === "string" ? value.replace(/[+\s]/g, "") : value);

export const connectQuerySchema = z.object({
  number: z
    .preprocess(
      (value) => (value === "" ? undefined : stripPhoneDecoration(value)),
      z.string().regex(/^\d{6,20}$/, { error: "must be a phone number: 6-20 digits with country code" }).optional(),
    )
    .openapi({ type: "string", param: { name: "number", in: "query" }, description: "Ask for a pairing code for this phone number instead of only a QR code", example: "15551234567" }),
});

export const deleteInstanceQuerySchema = z.object({
  force: z
    .enum(["true", "false"], { error: 'must be "true" or "false"' })
    .optional()
    .openapi({ param: { name: "force", in: "query" }, description: "true: delete even when the connector is unreachable (its stored credentials may be left behind)" }),
});

const stateSchema = connectionStateSchema;

export const connectionStateResponseSchema = z
  .object({ instance: z.object({ instanceName: z.string(), state: stateSchema }) })
  .openapi("ConnectionState");

export const connectQrResponseSchema = z
  .object({
    pairingCode: z.string().nullable().openapi({ description: "8-character code to type on the phone; null unless `number` was given" }),
    code: z.string().optional().openapi({ description: "Raw QR string; absent until the first QR arrives" }),
    base64: z.string().optional().openapi({ description: "data:image/png;base64 rendering of `code`" }),
    count: z.number().int().openapi({ description: "QR codes produced by this connection attempt so far" }),
  })
  .openapi("ConnectQrCode");

export const connectResponseSchema = z.union([connectQrResponseSchema, connectionStateResponseSchema]).openapi("ConnectResponse");

export const refreshTokenResponseSchema = z
  .object({
    instance: z.object({ instanceName: z.string(), instanceId: z.string() }),
    hash: z.object({ apikey: z.string().openapi({ description: "The new instance token; the old one no longer works" }) }),
  })
  .openapi("RefreshedToken");

export type ConnectionStateBody = z.infer<typeof connectionStateResponseSchema>;
export type ConnectQrBody = z.infer<typeof connectQrResponseSchema>;

export function connectionStateBody(instanceName: string, state: ConnectionState): ConnectionStateBody {
  return { instance: { instanceName, state } };
}

/** D1 knows `created` too: an instance that never connected is `close` to Evolution clients. */
export function storedConnectionState(status: string): ConnectionState {
  return status === "open" || status === "connecting" ? status : "close";
}

/** The QR/pairing payload of a connect answer; code/base64 are omitted until a QR exists. */
export function qrBody(status: InstanceStatus): ConnectQrBody {
  return {
    pairingCode: status.pairingCode ?? null,
    ...(status.qr ? { code: status.qr.code, base64: status.qr.base64 } : {}),
    count: status.qr?.count ?? 0,
  };
}

/** The `qrcode` of a create answer: only once a QR exists (its code and base64 are required there). */
export function createQrBody(status: InstanceStatus): { pairingCode: string | null; code: string; base64: string; count: number } | undefined {
  if (status.state === "open" || !status.qr) return undefined;
  return { pairingCode: status.pairingCode ?? null, code: status.qr.code, base64: status.qr.base64, count: status.qr.count };
}

export function connectBody(instanceName: string, status: InstanceStatus): ConnectQrBody | ConnectionStateBody {
  return status.state === "open" ? connectionStateBody(instanceName, "open") : qrBody(status);
}

export function refreshTokenBody(instance: InstanceRow): z.infer<typeof refreshTokenResponseSchema> {
  return { instance: { instanceName: instance.name, instanceId: instance.id }, hash: { apikey: instance.token } };
}
